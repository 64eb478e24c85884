//! The test server's errors: [`TestServerError`] for starting it, `XmlError` for reading a
//! device's XML.

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

/// A document that is not acceptable XML, or breaks a size limit.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub(crate) enum XmlError {
    /// The document has a document type declaration (DTDs and entities are refused).
    #[error("a DOCTYPE declaration (refused)")]
    Dtd,
    /// The document holds no element.
    #[error("no root element")]
    NoRoot,
    /// The document is not UTF-8.
    #[error("not UTF-8")]
    NotUtf8,
    /// The document is not well-formed.
    #[error("not well-formed: {0}")]
    Syntax(#[source] quick_xml::Error),
    /// Elements nested deeper than the limit.
    #[error("nested deeper than {limit} elements")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// The document is larger than the limit.
    #[error("larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// An element has more attributes than the limit.
    #[error("an element with more than {limit} attributes")]
    TooManyAttributes {
        /// The limit.
        limit: usize,
    },
    /// More elements than the limit.
    #[error("more than {limit} elements")]
    TooManyElements {
        /// The limit.
        limit: usize,
    },
    /// Content after the root element.
    #[error("content after the root element")]
    TrailingContent,
    /// The document ends inside an element.
    #[error("truncated (an element is not closed)")]
    Truncated,
    /// A namespace prefix is used without a declaration.
    #[error("undeclared namespace prefix {0:?}")]
    UnboundPrefix(String),
    /// An entity reference other than the five predefined ones or a character reference.
    #[error("unknown entity reference &{0};")]
    UnknownEntity(String),
}

impl XmlError {
    pub(crate) fn from_quick(error: quick_xml::Error) -> Self {
        match error {
            quick_xml::Error::IllFormed(quick_xml::errors::IllFormedError::MissingEndTag(_)) => {
                Self::Truncated
            }
            other => Self::Syntax(other),
        }
    }
}
