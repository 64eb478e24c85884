//! pfw-syncml.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
