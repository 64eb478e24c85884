//! pfw-session: the emulated Windows device on the wire.
//!
//! This crate speaks the device side of MS-MDE2 enrollment over HTTPS: discovery, the
//! MS-XCEP enrollment policy, the MS-WSTEP certificate request with a PKCS#10 request shaped
//! like a real Windows device's, and the WAP provisioning document that comes back. The
//! result is an [`Enrollment`] record (serde/JSON) that later MS-MDM management sessions use
//! to reach the server with the issued client certificate.
//!
//! Then the device is managed: [`mdm`] runs MS-MDM sessions as Windows does (the first
//! package with Alert 1201 and the DevInfo values, the server's commands applied with the
//! engine, Status and Results answered, multi-message packages under the server's
//! `MaxMsgSize`), and [`state`] keeps the enrollment, the session counter and the device's
//! identity in the device's store.
//!
//! Every reply, provisioning document and certificate from a server is read as hostile
//! input: no DTD or entity expansion, bounded sizes and depth, typed errors, no panics.
//!
//! Its tests run against `pfw-testserver`, a separate crate that plays the server's side over
//! real HTTPS on 127.0.0.1 and checks what the device sends against the specification.
//!
//! ```
//! use pfw_session::{DeviceId, DeviceInfo, discovery_url};
//!
//! // A bare https://host gets the constant discovery path.
//! let url = discovery_url("https://mdm.example.com").unwrap();
//! assert_eq!(url, "https://mdm.example.com/EnrollmentServer/Discovery.svc");
//!
//! // A device identity is generated once and kept.
//! let device = DeviceInfo::new(DeviceId::generate());
//! assert_eq!(device.device_id.as_str().len(), 32);
//! assert_eq!(device.hw_dev_id.len(), 64);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod enroll;
pub mod error;
pub mod fleet;
pub mod http;
pub mod mdm;
pub mod poll;
pub mod state;
pub mod xml;

pub use enroll::csr::{DeviceKey, SignatureHash};
pub use enroll::device::{DeviceId, DeviceInfo, EnrollmentType};
pub use enroll::provisioning::{
    AppAuth, CertStore, DmAccount, DmClientSettings, PollSchedule, ProvisioningDoc, Renewal,
    parse_dm_client,
};
pub use enroll::record::{Enrollment, Pkcs8Key};
pub use enroll::{
    AuthPolicy, Credential, EnrollOptions, EnrollRequest, SoapFault, discovery_url, enroll,
};
pub use error::{
    EnrollError, HttpError, KeyError, ProvisioningError, RecordError, SessionError, StateError,
    Step, XmlError,
};
pub use http::{
    ClientIdentity, Exchange, ExchangeObserver, Response, Transport, TransportConfig, Trust,
};
pub use mdm::message::{Initiation, LoginStatus};
pub use mdm::{
    Direction, Fault, FaultHook, Session, SessionConfig, SessionReport, SyncOptions, Trace,
    poll_interval, sync,
};
pub use poll::{PollConfig, poll};

/// One RSA key per test binary: generating keys is slow in debug builds.
#[cfg(test)]
pub(crate) fn test_key() -> DeviceKey {
    static KEY: std::sync::OnceLock<DeviceKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| DeviceKey::generate(2048).expect("RSA key generation in tests"))
        .clone()
}
