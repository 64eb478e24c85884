//! The bounds on a policy source file, beside the message bounds of
//! [`pfw_syncml::Limits`] (the README's "Limits" table lists both).

/// Bounds on one policy source file (Registry.pol, .reg, GPO report, Intune JSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceLimits {
    /// Largest file read, in bytes; checked before it is decoded. Default 16 MiB (a GPO
    /// report with its explain texts is a few hundred KiB).
    pub max_file_bytes: usize,
    /// Most entries (Registry.pol instructions, .reg values, report policies, Intune
    /// settings) in one file. Default 100,000.
    pub max_entries: usize,
    /// Deepest nesting of JSON values or XML elements. Default 64.
    pub max_depth: usize,
    /// Largest data of one Registry.pol entry, in bytes ([MS-GPREG] caps it at 65,535).
    pub max_pol_data_bytes: usize,
    /// Largest value carried into policy, in bytes: the value limit of a SyncML Data
    /// ([`pfw_syncml::Limits::max_value_bytes`]).
    pub max_value_bytes: usize,
}

impl SourceLimits {
    /// The documented defaults.
    pub const DEFAULT: Self = Self {
        max_file_bytes: 16 * 1024 * 1024,
        max_entries: 100_000,
        max_depth: 64,
        max_pol_data_bytes: 65_535,
        max_value_bytes: pfw_syncml::Limits::DEFAULT.max_value_bytes,
    };
}

impl Default for SourceLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
