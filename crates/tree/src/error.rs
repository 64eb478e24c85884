//! Errors of the tree layer: the store's failures, and why a command was refused (each maps to
//! one SyncML status code, in the engine).

use std::path::PathBuf;

use pfw_ddf::{AccessType, LookupError, UriError, ValueError, Verb};
use thiserror::Error;

/// A storage failure.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("state database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The state file could not be created or opened.
    #[error("cannot open {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The system error.
        source: std::io::Error,
    },
    /// The file is not a SQLite database.
    #[error("the state file is not a SQLite database (corrupt, or not a pfw state file)")]
    NotADatabase,
    /// The file is a SQLite database that pfw did not create.
    #[error("{} is a SQLite database that pfw did not create; refusing to use it", path.display())]
    Foreign {
        /// The file.
        path: PathBuf,
    },
    /// The state's schema is newer than this pfw.
    #[error(
        "the state file has schema version {found}; this pfw understands up to {supported}: upgrade pfw"
    )]
    Version {
        /// The file's version.
        found: i64,
        /// The newest this code knows.
        supported: i64,
    },
    /// SQLite would not switch to WAL.
    #[error("the state database refused WAL journaling (journal mode {mode})")]
    Journal {
        /// The mode SQLite kept.
        mode: String,
    },
    /// Something stored in the state is larger than pfw reads back (an edited state): refused
    /// before it is read.
    #[error("the state holds {what} of {len} bytes; the limit is {max}")]
    TooLarge {
        /// What it is: a node's value, a record, a property (with its name when known).
        what: String,
        /// Its size in bytes.
        len: u64,
        /// The limit.
        max: usize,
    },
    /// A write was attempted outside a transaction.
    #[error("write outside a transaction")]
    NoTransaction,
    /// A transaction was begun inside another.
    #[error("transaction already open")]
    NestedTransaction,
    /// A savepoint was released or rolled back with none open.
    #[error("no savepoint open")]
    NoSavepoint,
}

/// Why a command on the tree was refused. The engine maps each to a SyncML status code in one
/// place (`pfw_engine::status_of`, an exhaustive match); the row numbers are those of
/// DESIGN.md's ordered checks.
#[derive(Debug, Error)]
pub enum TreeError {
    /// Row 3: the command has no target URI.
    #[error("the item has no Target LocURI")]
    MissingTarget,
    /// Row 3: the URI is malformed (or too long: 414).
    #[error("invalid URI: {0}")]
    Uri(#[from] UriError),
    /// Row 4: a `./User/…` URI with no user given.
    #[error("a ./User URI needs a user (none was given)")]
    NoUser,
    /// Row 5: no node of the schema at that path.
    #[error("{0}")]
    NotInSchema(#[from] LookupError),
    /// Row 5: the node exists in the schema, but not on the emulated device's build or edition.
    #[error("`{node}` is not available on this device: {why}")]
    NotApplicable {
        /// The node's display path.
        node: String,
        /// Why (the builds or editions that have it).
        why: String,
    },
    /// Row 6: the verb is not in the node's AccessType (or a write to a permanent node).
    #[error("{verb} is not allowed on `{node}`{because} (AccessType: {allowed})")]
    NotAllowed {
        /// The verb.
        verb: Verb,
        /// The node's display path.
        node: String,
        /// The verbs the node's AccessType lists.
        allowed: AccessType,
        /// Why, when the AccessType lists the verb (`": …"`), else empty.
        because: &'static str,
    },
    /// Row 6: Add below a leaf (OMA-DM's Add and Replace tables: "any attempt to add a child
    /// node to a leaf node results in a (405)").
    #[error("`{leaf}` is a leaf: Add cannot create a node below it")]
    ChildOfLeaf {
        /// The leaf's display path.
        leaf: String,
        /// 1-based index of the first segment below the leaf, counted after the scope.
        index: usize,
    },
    /// Row 7: Add of a node that exists.
    #[error("`{0}` already exists (use Replace to change a value)")]
    AlreadyExists(String),
    /// Row 7: Replace, Get or Delete of a node that does not exist.
    #[error("`{0}` does not exist on this device")]
    Missing(String),
    /// Row 7: Delete of a permanent node.
    #[error("`{0}` is permanent and cannot be deleted")]
    Permanent(String),
    /// Row 8: the Meta Format is not the node's.
    #[error("Meta Format is `{given}` but `{node}` is `{expected}`")]
    Format {
        /// The format sent.
        given: String,
        /// The node's format.
        expected: String,
        /// The node's name.
        node: String,
    },
    /// Row 9: the value does not parse or is not allowed.
    #[error("{0}")]
    Value(#[from] ValueError),
    /// Row 9: a new node's name breaks the CSP's naming rule (strict mode).
    #[error("`{name}` is not a valid name for `{node}`: {rule}")]
    Name {
        /// The name given.
        name: String,
        /// The dynamic node's display path.
        node: String,
        /// The rule (e.g. "a GUID without braces").
        rule: &'static str,
    },
    /// Row 9: Data longer than the value limit (413).
    #[error("Data is {len} bytes; the limit is {max}")]
    ValueTooLarge {
        /// The Data's length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Row 10: an optional feature pfw does not support (406).
    #[error("not supported: {0}")]
    Unsupported(Unsupported),
    /// The instance holds as many nodes as the limit allows.
    #[error("the tree holds {max} nodes, the limit; delete some before adding more")]
    TreeFull {
        /// The limit.
        max: usize,
    },
    /// A Get whose answer would pass the response bound of the message (413).
    #[error(
        "the answer would pass the response limit of {limit} {unit} per message; \
         ask for less in each message"
    )]
    AnswerTooLarge {
        /// The limit passed.
        limit: usize,
        /// What the limit counts.
        unit: Budget,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a message's Gets are bounded by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    /// Bytes of values, names and URIs answered.
    Bytes,
    /// Nodes read or walked.
    Nodes,
}

impl std::fmt::Display for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Bytes => "bytes of Results",
            Self::Nodes => "nodes visited",
        })
    }
}

/// An optional OMA-DM feature pfw answers 406 (DESIGN.md row 10).
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unsupported {
    /// The Copy command.
    #[error("Copy")]
    Copy,
    /// Large objects (MoreData).
    #[error("large objects (MoreData)")]
    MoreData,
    /// A `?list=` kind other than Struct and StructData.
    #[error("?list={0} (supported: Struct, StructData)")]
    List(String),
    /// A node property pfw cannot answer (ACL included: MDM has no ACLs).
    #[error("?prop={0} (supported: Format, Name, Size, Title, Type)")]
    Property(String),
    /// A query on a verb other than Get.
    #[error("a ?{0} query on this command")]
    QueryOnVerb(String),
    /// An unknown query key.
    #[error("?{0}=")]
    Query(String),
    /// A `?prop=` or `?list=` query on an interior node above the CSPs (the root `.`,
    /// `./Vendor`), which no DDF describes.
    #[error("?{query} on `{node}`, which no DDF describes")]
    AboveRoots {
        /// The query as written after `?`.
        query: String,
        /// The node.
        node: String,
    },
    /// Exec of a node that allows it, with no handler.
    #[error("Exec of `{0}`")]
    Exec(String),
}
