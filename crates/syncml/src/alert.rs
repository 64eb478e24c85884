//! OMA-DM alert codes (the `Data` of an `Alert`), as a total conversion to and from `u16`.
//!
//! The named codes are the ones OMA DM Representation Protocol 1.2 §4.2 defines
//! ("Only the alert codes listed in this section are valid in OMA DM Protocol"), in the
//! order of that table; Windows uses 1200, 1201, 1222–1224 and 1226 (MS-MDM §2.2.7.2).

use crate::status::code_conversions;

/// An OMA-DM alert code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AlertCode {
    /// 1100 DISPLAY: the client shows a message to the user. OMA-DMP §4.2.
    Display,
    /// 1101 CONFIRM OR REJECT: the user confirms or rejects. OMA-DMP §4.2.
    ConfirmOrReject,
    /// 1103 SINGLE CHOICE: the user picks one of several choices. OMA-DMP §4.2.
    SingleChoice,
    /// 1104 MULTIPLE CHOICE: the user picks one or more choices. OMA-DMP §4.2.
    MultipleChoice,
    /// 1200 SERVER-INITIATED MGMT: a server-initiated management session. OMA-DMP §4.2.
    ServerInitiatedMgmt,
    /// 1201 CLIENT-INITIATED MGMT: a client-initiated management session. OMA-DMP §4.2.
    ClientInitiatedMgmt,
    /// 1222 NEXT MESSAGE: asks for the next message of the package. OMA-DMP §4.2.
    NextMessage,
    /// 1223 SESSION ABORT: the sender ends the session. OMA-DMP §4.2.
    SessionAbort,
    /// 1224 CLIENT EVENT: an event on the client, data in the items (Windows sends
    /// `com.microsoft/MDM/LoginStatus` with it). OMA-DMP §4.2.
    ClientEvent,
    /// 1225 NO END OF DATA: a chunked object ended early. OMA-DMP §4.2.
    NoEndOfData,
    /// 1226 GENERIC ALERT: generic client alert (Windows: unenrollment, asynchronous
    /// CSP results). OMA-DMP §4.2.
    GenericAlert,
    /// Any other code (reserved or not an alert code).
    Unknown(u16),
}

impl AlertCode {
    /// The numeric code.
    pub const fn code(self) -> u16 {
        match self {
            Self::Display => 1100,
            Self::ConfirmOrReject => 1101,
            Self::SingleChoice => 1103,
            Self::MultipleChoice => 1104,
            Self::ServerInitiatedMgmt => 1200,
            Self::ClientInitiatedMgmt => 1201,
            Self::NextMessage => 1222,
            Self::SessionAbort => 1223,
            Self::ClientEvent => 1224,
            Self::NoEndOfData => 1225,
            Self::GenericAlert => 1226,
            Self::Unknown(code) => code,
        }
    }

    /// The specification's name for the code (`"CLIENT EVENT"`), or `"UNKNOWN"`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Display => "DISPLAY",
            Self::ConfirmOrReject => "CONFIRM OR REJECT",
            Self::SingleChoice => "SINGLE CHOICE",
            Self::MultipleChoice => "MULTIPLE CHOICE",
            Self::ServerInitiatedMgmt => "SERVER-INITIATED MGMT",
            Self::ClientInitiatedMgmt => "CLIENT-INITIATED MGMT",
            Self::NextMessage => "NEXT MESSAGE",
            Self::SessionAbort => "SESSION ABORT",
            Self::ClientEvent => "CLIENT EVENT",
            Self::NoEndOfData => "NO END OF DATA",
            Self::GenericAlert => "GENERIC ALERT",
            Self::Unknown(_) => "UNKNOWN",
        }
    }
}

impl From<u16> for AlertCode {
    fn from(code: u16) -> Self {
        match code {
            1100 => Self::Display,
            1101 => Self::ConfirmOrReject,
            1103 => Self::SingleChoice,
            1104 => Self::MultipleChoice,
            1200 => Self::ServerInitiatedMgmt,
            1201 => Self::ClientInitiatedMgmt,
            1222 => Self::NextMessage,
            1223 => Self::SessionAbort,
            1224 => Self::ClientEvent,
            1225 => Self::NoEndOfData,
            1226 => Self::GenericAlert,
            other => Self::Unknown(other),
        }
    }
}

code_conversions! {
    AlertCode, name,
    /// Parses the decimal wire form (`"1201"`); surrounding whitespace is not accepted.
    /// `1224 CLIENT EVENT`: the number, then the name.
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every named code with its number, from the OMA-DMP §4.2 table.
    const TABLE: &[(u16, AlertCode)] = &[
        (1100, AlertCode::Display),
        (1101, AlertCode::ConfirmOrReject),
        (1103, AlertCode::SingleChoice),
        (1104, AlertCode::MultipleChoice),
        (1200, AlertCode::ServerInitiatedMgmt),
        (1201, AlertCode::ClientInitiatedMgmt),
        (1222, AlertCode::NextMessage),
        (1223, AlertCode::SessionAbort),
        (1224, AlertCode::ClientEvent),
        (1225, AlertCode::NoEndOfData),
        (1226, AlertCode::GenericAlert),
    ];

    #[test]
    fn named_codes_convert_both_ways() {
        for &(number, code) in TABLE {
            assert_eq!(AlertCode::from(number), code);
            assert_eq!(u16::from(code), number);
            assert_eq!(number.to_string().parse::<AlertCode>(), Ok(code));
        }
        assert_eq!(AlertCode::from(1221), AlertCode::Unknown(1221));
        assert_eq!(AlertCode::ClientEvent.to_string(), "1224 CLIENT EVENT");
    }
}
