//! The test server's errors: [`TestServerError`] for starting it (a device's XML is read with
//! `pfw_session::xml`, whose errors are `pfw_session::XmlError`).

/// A failure to start the test server.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum TestServerError {
    /// Generating a certificate failed.
    #[error("certificate generation: {0}")]
    Cert(#[from] rcgen::Error),
    /// A public key given to the server is not a DER SubjectPublicKeyInfo.
    #[error("not a DER SubjectPublicKeyInfo")]
    InvalidPublicKey,
    /// Binding or spawning failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// Building the TLS configuration failed.
    #[error("TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
    /// Building the client-certificate verifier failed.
    #[error("client certificate verifier: {0}")]
    Verifier(#[from] rustls::server::VerifierBuilderError),
    /// A profile directory holds no SyncML file, or one that cannot be read or decoded.
    #[error("profiles {}: {why}", path.display())]
    Profiles {
        /// The directory or file.
        path: std::path::PathBuf,
        /// What is wrong.
        why: String,
    },
}
