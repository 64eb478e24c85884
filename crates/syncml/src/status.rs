//! SyncML status codes, as a total conversion to and from `u16`.
//!
//! The named codes are those Windows documents for its OMA-DM client (Microsoft Learn,
//! "OMA DM protocol support", table "SyncML response status codes", cited as
//! *WinOMA*) and those the OMA DM Representation Protocol 1.2 lists in its command
//! tables (§4.1.6, cited as *OMA-DMP*). Any other number is [`StatusCode::Unknown`].
//! Variants are in numeric order, the order of the specification tables.

use crate::error::ParseCodeError;

/// A SyncML status code (the text of a `Status`'s `Data`).
///
/// Convert with `From<u16>` (never yields `Unknown` for a named code) and
/// `From<StatusCode> for u16`; parse the wire text with [`str::parse`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusCode {
    /// 200: the command completed successfully. WinOMA; OMA-DMP §4.1.6 tables.
    Ok,
    /// 202: accepted for processing (asynchronous). WinOMA; OMA-DMP §4.1.6.2, §4.1.6.6.
    Accepted,
    /// 212: authentication accepted for the rest of the session. WinOMA.
    AuthenticationAccepted,
    /// 213: chunked item accepted and buffered. OMA-DMP §2.2, §4.1.6.1.
    ChunkedItemAccepted,
    /// 214: operation cancelled; no more commands will be processed. WinOMA;
    /// OMA-DMP §4.1.6.2.
    OperationCancelled,
    /// 215: not executed. WinOMA; OMA-DMP §4.1.6.3, §4.1.6.14.
    NotExecuted,
    /// 216: `Atomic` roll back OK. WinOMA; OMA-DMP §4.1.6.3.
    AtomicRollbackOk,
    /// 400: bad request (malformed syntax, missing CmdID, unknown element). WinOMA.
    BadRequest,
    /// 401: invalid credentials. WinOMA; OMA-DMP §4.1.6.1.
    InvalidCredentials,
    /// 403: forbidden; the command was understood but refused. WinOMA.
    Forbidden,
    /// 404: not found. WinOMA; OMA-DMP §4.1.6.1.
    NotFound,
    /// 405: command not allowed on the target. WinOMA; OMA-DMP §4.1.6.11.
    CommandNotAllowed,
    /// 406: optional feature not supported. WinOMA; OMA-DMP §4.1.6.2.
    OptionalFeatureNotSupported,
    /// 407: authentication required. OMA-DMP §4.1.6.1.
    AuthenticationRequired,
    /// 408: request timeout (a user interaction alert got no answer). OMA-DMP §4.1.6.2.
    RequestTimeout,
    /// 412: incomplete command. OMA-DMP §4.1.6.2.
    IncompleteCommand,
    /// 413: request entity too large. OMA-DMP §4.1.6.1.
    RequestEntityTooLarge,
    /// 414: URI too long. OMA-DMP §4.1.6.1.
    UriTooLong,
    /// 415: unsupported media type or format. WinOMA; OMA-DMP §4.1.6.1.
    UnsupportedMediaType,
    /// 416: requested range not satisfiable. OMA-DMP §4.1.6.2.
    RequestedRangeNotSatisfiable,
    /// 418: already exists. WinOMA; OMA-DMP §4.1.6.1.
    AlreadyExists,
    /// 420: device full. OMA-DMP §4.1.6.1.
    DeviceFull,
    /// 424: size mismatch of a chunked object. OMA-DMP §2.2, §4.1.6.1.
    SizeMismatch,
    /// 425: permission denied. WinOMA; OMA-DMP §4.1.6.1.
    PermissionDenied,
    /// 500: command failed. WinOMA; OMA-DMP §4.1.6.3 (nested `Atomic`, `Get` in `Atomic`).
    CommandFailed,
    /// 507: `Atomic` failed. WinOMA; OMA-DMP §4.1.6.3.
    AtomicFailed,
    /// 510: data store failure. OMA-DMP §4.1.6.6.
    DataStoreFailure,
    /// 516: `Atomic` roll back failed. WinOMA; OMA-DMP §4.1.6.1.
    AtomicRollbackFailed,
    /// 517: `Atomic` response too large to fit in the message. OMA-DMP §4.1.6.3.
    AtomicResponseTooLarge,
    /// Any other code. `From<u16>` never puts a named code here.
    Unknown(u16),
}

impl StatusCode {
    /// The numeric code.
    pub const fn code(self) -> u16 {
        match self {
            Self::Ok => 200,
            Self::Accepted => 202,
            Self::AuthenticationAccepted => 212,
            Self::ChunkedItemAccepted => 213,
            Self::OperationCancelled => 214,
            Self::NotExecuted => 215,
            Self::AtomicRollbackOk => 216,
            Self::BadRequest => 400,
            Self::InvalidCredentials => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::CommandNotAllowed => 405,
            Self::OptionalFeatureNotSupported => 406,
            Self::AuthenticationRequired => 407,
            Self::RequestTimeout => 408,
            Self::IncompleteCommand => 412,
            Self::RequestEntityTooLarge => 413,
            Self::UriTooLong => 414,
            Self::UnsupportedMediaType => 415,
            Self::RequestedRangeNotSatisfiable => 416,
            Self::AlreadyExists => 418,
            Self::DeviceFull => 420,
            Self::SizeMismatch => 424,
            Self::PermissionDenied => 425,
            Self::CommandFailed => 500,
            Self::AtomicFailed => 507,
            Self::DataStoreFailure => 510,
            Self::AtomicRollbackFailed => 516,
            Self::AtomicResponseTooLarge => 517,
            Self::Unknown(code) => code,
        }
    }

    /// Whether the code is a success (2xx).
    pub const fn is_success(self) -> bool {
        matches!(self.code(), 200..=299)
    }

    /// A short English phrase for the code.
    pub const fn reason(self) -> &'static str {
        match self {
            Self::Ok => "OK",
            Self::Accepted => "Accepted for processing",
            Self::AuthenticationAccepted => "Authentication accepted",
            Self::ChunkedItemAccepted => "Chunked item accepted",
            Self::OperationCancelled => "Operation cancelled",
            Self::NotExecuted => "Not executed",
            Self::AtomicRollbackOk => "Atomic roll back OK",
            Self::BadRequest => "Bad request",
            Self::InvalidCredentials => "Invalid credentials",
            Self::Forbidden => "Forbidden",
            Self::NotFound => "Not found",
            Self::CommandNotAllowed => "Command not allowed",
            Self::OptionalFeatureNotSupported => "Optional feature not supported",
            Self::AuthenticationRequired => "Authentication required",
            Self::RequestTimeout => "Request timeout",
            Self::IncompleteCommand => "Incomplete command",
            Self::RequestEntityTooLarge => "Request entity too large",
            Self::UriTooLong => "URI too long",
            Self::UnsupportedMediaType => "Unsupported media type or format",
            Self::RequestedRangeNotSatisfiable => "Requested range not satisfiable",
            Self::AlreadyExists => "Already exists",
            Self::DeviceFull => "Device full",
            Self::SizeMismatch => "Size mismatch",
            Self::PermissionDenied => "Permission denied",
            Self::CommandFailed => "Command failed",
            Self::AtomicFailed => "Atomic failed",
            Self::DataStoreFailure => "Data store failure",
            Self::AtomicRollbackFailed => "Atomic roll back failed",
            Self::AtomicResponseTooLarge => "Atomic response too large",
            Self::Unknown(_) => "Unknown status",
        }
    }
}

impl From<u16> for StatusCode {
    fn from(code: u16) -> Self {
        match code {
            200 => Self::Ok,
            202 => Self::Accepted,
            212 => Self::AuthenticationAccepted,
            213 => Self::ChunkedItemAccepted,
            214 => Self::OperationCancelled,
            215 => Self::NotExecuted,
            216 => Self::AtomicRollbackOk,
            400 => Self::BadRequest,
            401 => Self::InvalidCredentials,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            405 => Self::CommandNotAllowed,
            406 => Self::OptionalFeatureNotSupported,
            407 => Self::AuthenticationRequired,
            408 => Self::RequestTimeout,
            412 => Self::IncompleteCommand,
            413 => Self::RequestEntityTooLarge,
            414 => Self::UriTooLong,
            415 => Self::UnsupportedMediaType,
            416 => Self::RequestedRangeNotSatisfiable,
            418 => Self::AlreadyExists,
            420 => Self::DeviceFull,
            424 => Self::SizeMismatch,
            425 => Self::PermissionDenied,
            500 => Self::CommandFailed,
            507 => Self::AtomicFailed,
            510 => Self::DataStoreFailure,
            516 => Self::AtomicRollbackFailed,
            517 => Self::AtomicResponseTooLarge,
            other => Self::Unknown(other),
        }
    }
}

code_conversions! {
    StatusCode, reason,
    /// Parses the decimal wire form (`"404"`); surrounding whitespace is not accepted.
    /// `404 Not found`: the number, then the reason phrase.
}

/// The conversions a code type with a `code()` and a `From<u16>` has: to `u16`, `FromStr`
/// of the decimal wire form (`parse_code`) and `Display` as the number and then the text
/// that `$text()` answers. The two doc lines are `FromStr`'s and `Display`'s.
macro_rules! code_conversions {
    ($ty:ident, $text:ident, #[doc = $parse:expr] #[doc = $display:expr]) => {
        impl From<$ty> for u16 {
            fn from(code: $ty) -> Self {
                code.code()
            }
        }

        #[doc = $parse]
        impl std::str::FromStr for $ty {
            type Err = $crate::error::ParseCodeError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $crate::status::parse_code(s).map(Self::from)
            }
        }

        #[doc = $display]
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{} {}", self.code(), self.$text())
            }
        }
    };
}

pub(crate) use code_conversions;

/// Parses a code of ASCII digits only (no sign, no spaces), as both code types need.
pub(crate) fn parse_code(s: &str) -> Result<u16, ParseCodeError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseCodeError::NotANumber);
    }
    s.parse::<u16>().map_err(|_| ParseCodeError::OutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every named code, with the number its source table gives it.
    const TABLE: &[(u16, StatusCode)] = &[
        (200, StatusCode::Ok),                           // WinOMA
        (202, StatusCode::Accepted),                     // WinOMA
        (212, StatusCode::AuthenticationAccepted),       // WinOMA
        (213, StatusCode::ChunkedItemAccepted),          // OMA-DMP §4.1.6.1
        (214, StatusCode::OperationCancelled),           // WinOMA
        (215, StatusCode::NotExecuted),                  // WinOMA
        (216, StatusCode::AtomicRollbackOk),             // WinOMA
        (400, StatusCode::BadRequest),                   // WinOMA
        (401, StatusCode::InvalidCredentials),           // WinOMA
        (403, StatusCode::Forbidden),                    // WinOMA
        (404, StatusCode::NotFound),                     // WinOMA
        (405, StatusCode::CommandNotAllowed),            // WinOMA
        (406, StatusCode::OptionalFeatureNotSupported),  // WinOMA
        (407, StatusCode::AuthenticationRequired),       // OMA-DMP §4.1.6.1
        (408, StatusCode::RequestTimeout),               // OMA-DMP §4.1.6.2
        (412, StatusCode::IncompleteCommand),            // OMA-DMP §4.1.6.2
        (413, StatusCode::RequestEntityTooLarge),        // OMA-DMP §4.1.6.1
        (414, StatusCode::UriTooLong),                   // OMA-DMP §4.1.6.1
        (415, StatusCode::UnsupportedMediaType),         // WinOMA
        (416, StatusCode::RequestedRangeNotSatisfiable), // OMA-DMP §4.1.6.2
        (418, StatusCode::AlreadyExists),                // WinOMA
        (420, StatusCode::DeviceFull),                   // OMA-DMP §4.1.6.1
        (424, StatusCode::SizeMismatch),                 // OMA-DMP §4.1.6.1
        (425, StatusCode::PermissionDenied),             // WinOMA
        (500, StatusCode::CommandFailed),                // WinOMA
        (507, StatusCode::AtomicFailed),                 // WinOMA
        (510, StatusCode::DataStoreFailure),             // OMA-DMP §4.1.6.6
        (516, StatusCode::AtomicRollbackFailed),         // WinOMA
        (517, StatusCode::AtomicResponseTooLarge),       // OMA-DMP §4.1.6.3
    ];

    #[test]
    fn named_codes_convert_both_ways() {
        for &(number, code) in TABLE {
            assert_eq!(StatusCode::from(number), code, "{number}");
            assert_eq!(u16::from(code), number, "{code:?}");
            assert_eq!(number.to_string().parse::<StatusCode>(), Ok(code));
            assert_eq!(code.is_success(), (200..300).contains(&number));
        }
    }

    #[test]
    fn every_u16_round_trips() {
        for number in 0..=u16::MAX {
            assert_eq!(u16::from(StatusCode::from(number)), number);
        }
        assert_eq!(StatusCode::from(299), StatusCode::Unknown(299));
        assert!(StatusCode::from(299).is_success());
        assert!(!StatusCode::from(199).is_success());
    }

    #[test]
    fn wire_text_parses_strictly() {
        assert_eq!(
            " 200".parse::<StatusCode>(),
            Err(ParseCodeError::NotANumber)
        );
        assert_eq!("-1".parse::<StatusCode>(), Err(ParseCodeError::NotANumber));
        assert_eq!("".parse::<StatusCode>(), Err(ParseCodeError::NotANumber));
        assert_eq!(
            "70000".parse::<StatusCode>(),
            Err(ParseCodeError::OutOfRange)
        );
        assert_eq!(StatusCode::NotFound.to_string(), "404 Not found");
    }
}
