//! pfw-ddf: the schema layer. Loads OMA DM DDF 1.2 files with Microsoft's extensions into a
//! [`Schema`], parses management-tree URIs ([`NodePath`]), finds the schema node a concrete
//! URI names ([`Schema::resolve`]), decides whether a Windows build and edition have it
//! ([`Applicability`]), and types and checks values ([`parse_value`]).
//!
//! It knows nothing of SyncML messages or of stored trees.
//!
//! ```
//! use pfw_ddf::{NodePath, Schema, Scope, UriLimits, ValueOptions, parse_value};
//!
//! let ddf = br#"<MgmtTree><VerDTD>1.2</VerDTD>
//!   <Node><NodeName>Demo</NodeName><Path>./Device/Vendor/MSFT</Path>
//!     <DFProperties><AccessType><Get/></AccessType><DFFormat><node/></DFFormat></DFProperties>
//!     <Node><NodeName>Length</NodeName>
//!       <DFProperties><AccessType><Add/><Get/><Replace/></AccessType><DFFormat><int/></DFFormat>
//!         <MSFT:AllowedValues xmlns:MSFT="x" ValueType="Range"><MSFT:Value>[4-127]</MSFT:Value></MSFT:AllowedValues>
//!       </DFProperties></Node>
//!   </Node></MgmtTree>"#;
//! let schema = Schema::load(ddf)?;
//! let limits = UriLimits { max_uri_bytes: 1024, max_segment_bytes: 255 };
//! let path = NodePath::parse("./Vendor/MSFT/Demo/Length", limits)?;
//! assert_eq!(path.scope(), Scope::Device);
//! let segments: Vec<&str> = path.segments().collect();
//! let node = schema.resolve(path.scope(), &segments)?.node();
//! let err = parse_value(node, "3", ValueOptions::default()).unwrap_err();
//! assert_eq!(err.to_string(), "Length must be 4..=127, got 3");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod admx;
pub mod applicability;
pub mod error;
pub mod load;
pub mod lookup;
pub mod model;
pub mod path;
pub mod value;

pub use applicability::{Applicability, OsBuild};
pub use error::{
    BuildError, LoadError, LookupError, PatternError, UriError, ValueError, ValueErrorKind,
};
pub use lookup::{Resolved, closest_name};
pub use model::{
    AccessType, AdmxBacked, AllowedKind, AllowedValues, CaseSense, DfType, DynamicNaming,
    EnumValue, Format, Node, NodeName, NodeScope, Occurrence, Pattern, Schema, SupportedValues,
    Verb, root_path,
};
pub use path::{
    NodePath, Query, Scope, Segments, UriLimits, decode_segment, encode_segment,
    encode_segment_into,
};
pub use value::{NodeValue, ValueOptions, parse_value};
