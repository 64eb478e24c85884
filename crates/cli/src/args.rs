//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// pfw: a Windows PassportForWork (Windows Hello for Business) configuration service provider.
///
/// pfw receives Windows Hello for Business policy as OMA-DM SyncML, keeps it in a management
/// tree, answers with the status codes Windows answers with, and shows the PIN and sign-in
/// policy that is enforced.
#[derive(Debug, Parser)]
#[command(name = "pfw", version, propagate_version = true, max_term_width = 100)]
#[command(after_help = "\
Exit status: 0 success; 1 a negative answer (a command failed, a node is missing, a PIN does not
comply, a profile has errors); 2 unusable input or arguments (nothing was changed); 3 the state
could not be read or written; 4 the server or the network failed (enroll, sync, unenroll).

Environment: PFW_STATE (state file), NO_COLOR (no colour).")]
pub(crate) struct Cli {
    /// The state database [default: $PFW_STATE, else the per-user data directory's pfw/state.db]
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        env = "PFW_STATE",
        hide_env = true
    )]
    pub(crate) state: Option<PathBuf>,

    /// Describe the PassportForWork CSP with this DDF file instead of pfw's own (any of
    /// Microsoft's PassportForWork DDF files works)
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) ddf: Option<PathBuf>,

    /// Describe every other CSP with the DDF files of this directory (Microsoft's bundle, say)
    /// instead of pfw's compiled facts table
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) ddf_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Apply a SyncML message to the device and print the response Windows would send
    Apply(ApplyArgs),
    /// Print a node's value, or an interior node's children one per line
    Get(GetArgs),
    /// Print the device's (or a user's) management tree with its values
    Tree(TreeArgs),
    /// Show or set the emulated device: build, edition, TPM, tenant
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Print a DDF file's tree: format, access, default, allowed values, applicability
    Ddf(DdfArgs),
    /// Show the Windows Hello policy in force, with where each value comes from
    Policy(PolicyArgs),
    /// Check, set, show or reset a user's PIN against the policy in force
    #[command(subcommand)]
    Pin(PinCommand),
    /// Enroll the device into an MDM server (MS-MDE2: discovery, policy, certificate request)
    Enroll(EnrollArgs),
    /// Run a management session with the enrolled server (MS-MDM); --poll keeps polling
    Sync(SyncArgs),
    /// Ask the server to unenroll the device (generic alert 1226), then forget the enrollment
    Unenroll(UnenrollArgs),
    /// Enroll and sync many emulated devices at once against a server, with statistics
    Fleet(FleetArgs),
    /// Check SyncML profiles or Intune custom-profile JSON for what Windows would refuse or ignore
    Lint(LintArgs),
    /// Explain a profile in plain words, and the policy it results in on a fresh device
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    /// The SyncML message: a file, or - (the default) for standard input
    #[arg(value_name = "FILE|-", default_value = "-")]
    pub(crate) input: String,

    /// The user ./User URIs address (each user has a tree of their own)
    #[arg(long, value_name = "NAME")]
    pub(crate) user: Option<String>,

    /// Enforce the naming rules the DDF describes: a TenantId that is not a GUID without
    /// braces is answered 400
    #[arg(long)]
    pub(crate) strict: bool,

    /// Print a summary (command, URI, status, reason) on standard error even when it is not
    /// a terminal
    #[arg(long)]
    pub(crate) summary: bool,
}

#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    /// The node's URI, e.g. ./Device/Vendor/MSFT/PassportForWork
    #[arg(value_name = "URI")]
    pub(crate) uri: String,

    /// The user ./User URIs address
    #[arg(long, value_name = "NAME")]
    pub(crate) user: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct TreeArgs {
    /// Show this user's tree instead of the device's
    #[arg(long, value_name = "NAME")]
    pub(crate) user: Option<String>,

    /// One JSON object: full paths as keys, leaf values as strings, interior nodes as null
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DeviceCommand {
    /// Show the emulated device's properties
    Show {
        /// JSON output
        #[arg(long)]
        json: bool,
    },
    /// Set the Windows build: 10.0.BUILD[.REVISION] (e.g. 10.0.22631.3374), or 99.9.99999 for
    /// an Insider Preview build
    Build {
        // Not named `version`: that id belongs to the global --version flag.
        /// The build
        #[arg(value_name = "VERSION")]
        build: String,
    },
    /// Set the edition: a name (Enterprise, Professional or Pro, Education, Core or Home, …) or
    /// a product type number (0x4, 48)
    Edition {
        /// The edition
        #[arg(value_name = "EDITION")]
        edition: String,
    },
    /// Set the TPM: none, 1.2 or 2.0
    Tpm {
        /// The TPM
        #[arg(value_name = "TPM")]
        tpm: String,
    },
    /// Set the device's tenant (a GUID); only its policy applies. --clear unsets it
    Tenant {
        /// The tenant ID
        #[arg(value_name = "GUID", required_unless_present = "clear")]
        tenant: Option<String>,
        /// Unset the device's tenant
        #[arg(long, conflicts_with = "tenant")]
        clear: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct DdfArgs {
    /// JSON output: an array with one object per node
    #[arg(long)]
    pub(crate) json: bool,

    /// Print this CSP's tree instead of PassportForWork's: a name (BitLocker, Policy, …) or a
    /// URI inside it (./Device/Vendor/MSFT/Policy/Config/DeviceLock)
    #[arg(long, value_name = "NAME|URI")]
    pub(crate) csp: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct PolicyArgs {
    /// The user whose policy to show (their tree beats the device's, policy by policy)
    #[arg(long, value_name = "NAME")]
    pub(crate) user: Option<String>,

    /// The tenant whose policy applies (default: the device's tenant, else the only one present)
    #[arg(long, value_name = "GUID")]
    pub(crate) tenant: Option<String>,

    /// JSON output
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum PinCommand {
    /// Check a PIN (read from standard input, or prompted for without echo) against the policy
    /// in force; exit 0 when it complies, 1 when not
    Check(PinArgs),
    /// Set the user's PIN (read from standard input, or prompted for without echo)
    Set(PinArgs),
    /// Show whether the user has a PIN, when it expires, and whether it must change
    Status(PinArgs),
    /// Reset the user's PIN to a new one (read from standard input, or prompted for), as
    /// Windows's PIN reset does: the PIN history is not kept
    Reset(PinArgs),
}

/// Time limits of the exchanges with a server.
#[derive(Debug, Args)]
pub(crate) struct NetArgs {
    /// Longest wait for one exchange with the server, in seconds (connect, answer, body)
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub(crate) timeout: u64,

    /// Longest wait honoured when the server answers 429 with Retry-After, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub(crate) max_retry_after: u64,
}

/// How the enrolling user proves who they are.
#[derive(Debug, Args)]
pub(crate) struct CredentialArgs {
    /// The enrolling user's UPN (e.g. alice@contoso.com); also the user ./User commands
    /// address in sessions
    #[arg(long, value_name = "UPN")]
    pub(crate) user: Option<String>,

    /// Read the password (OnPremise servers) from standard input
    #[arg(long, conflicts_with = "token_stdin")]
    pub(crate) password_stdin: bool,

    /// Read the security token (Federated servers) from standard input
    #[arg(long)]
    pub(crate) token_stdin: bool,

    /// Trust this CA (PEM) for the server, besides the system's roots; remembered with the
    /// enrollment
    #[arg(long, value_name = "FILE")]
    pub(crate) ca_cert: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct EnrollArgs {
    /// The server: its discovery URL, or `https://host[:port]`
    #[arg(long, value_name = "URL")]
    pub(crate) server: String,

    #[command(flatten)]
    pub(crate) credential: CredentialArgs,

    /// The device's private key (PKCS#8 DER); generated and written there when missing
    #[arg(long, value_name = "FILE")]
    pub(crate) key: Option<PathBuf>,

    #[command(flatten)]
    pub(crate) net: NetArgs,
}

#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    /// Print every message, both ways, on standard error
    #[arg(long)]
    pub(crate) trace: bool,

    /// Keep running sessions on the schedule the server set, until SIGINT or SIGTERM
    #[arg(long)]
    pub(crate) poll: bool,

    /// JSON output: one object per session
    #[arg(long)]
    pub(crate) json: bool,

    #[command(flatten)]
    pub(crate) net: NetArgs,
}

#[derive(Debug, Args)]
pub(crate) struct UnenrollArgs {
    #[command(flatten)]
    pub(crate) net: NetArgs,
}

#[derive(Debug, Args)]
pub(crate) struct FleetArgs {
    /// The server: its discovery URL, or `https://host[:port]`
    #[arg(long, value_name = "URL")]
    pub(crate) server: String,

    /// How many emulated devices
    #[arg(long, value_name = "N")]
    pub(crate) devices: usize,

    /// How many devices run at once
    #[arg(long, value_name = "C", default_value_t = 16)]
    pub(crate) concurrency: usize,

    #[command(flatten)]
    pub(crate) credential: CredentialArgs,

    /// Keep the devices' keys in this directory and reuse them (RSA key generation is slow)
    #[arg(long, value_name = "DIR")]
    pub(crate) key_cache: Option<PathBuf>,

    /// JSON output
    #[arg(long)]
    pub(crate) json: bool,

    #[command(flatten)]
    pub(crate) net: NetArgs,
}

#[derive(Debug, Args)]
pub(crate) struct PinArgs {
    /// The user
    #[arg(long, value_name = "NAME")]
    pub(crate) user: String,

    /// The tenant whose policy applies (default: the device's tenant, else the only one present)
    #[arg(long, value_name = "GUID")]
    pub(crate) tenant: Option<String>,

    /// JSON output
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct LintArgs {
    /// The profiles: SyncML messages or Intune custom-profile JSON (decided by content), or -
    /// for standard input
    #[arg(value_name = "FILE", required = true)]
    pub(crate) files: Vec<String>,

    /// The devices' tenant: policy under any other TenantId is an error
    #[arg(long, value_name = "GUID")]
    pub(crate) tenant: Option<String>,

    /// The Windows release the profile targets (e.g. 10.0.19045.4239): nodes it lacks are
    /// errors [default: not checked]
    #[arg(long, value_name = "VERSION")]
    pub(crate) os_build: Option<String>,

    /// Output: human (like a compiler), json, or sarif (SARIF 2.1.0)
    #[arg(long, value_enum, default_value = "human")]
    pub(crate) format: LintFormat,

    /// Fail (exit 1) on warnings too
    #[arg(long, value_enum, value_name = "WHAT")]
    pub(crate) deny: Option<LintDeny>,
}

/// `pfw lint --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LintFormat {
    /// Like a compiler: the source line, a caret, notes and help
    Human,
    /// {"diagnostics": [...]}
    Json,
    /// SARIF 2.1.0, for code-scanning services
    Sarif,
}

/// `pfw lint --deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LintDeny {
    /// Warnings make the exit status 1, as errors do
    Warnings,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// The profile: a SyncML message or Intune custom-profile JSON, or - for standard input
    #[arg(value_name = "FILE")]
    pub(crate) file: String,

    /// The tenant whose policy to show (default: the profile's only tenant)
    #[arg(long, value_name = "GUID")]
    pub(crate) tenant: Option<String>,

    /// The Windows build of the fresh device [default: 10.0.26100]
    #[arg(long, value_name = "VERSION")]
    pub(crate) os_build: Option<String>,
}
