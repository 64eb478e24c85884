//! pfw-tree.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
