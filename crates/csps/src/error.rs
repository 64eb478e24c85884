//! Errors assembling the device's CSPs.

use thiserror::Error;

/// The device's CSPs cannot be assembled.
#[derive(Debug, Error)]
pub enum CspsError {
    /// The embedded facts table does not read.
    #[error("pfw's facts table does not read: {0}")]
    Facts(String),
    /// A DDF directory cannot be used.
    #[error(transparent)]
    Bundle(#[from] pfw_facts::BundleError),
    /// pfw's own DDF files (PassportForWork, DevInfo, DevDetail) do not load.
    #[error("pfw's own DDF files do not load: {0}")]
    Own(String),
}
