//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

/// pfw: a Windows PassportForWork (Windows Hello for Business) configuration service provider.
///
/// pfw receives Windows Hello for Business policy as OMA-DM SyncML, keeps it in a management
/// tree, answers with the status codes Windows answers with, and shows the PIN and sign-in
/// policy that is enforced.
#[derive(Debug, Parser)]
#[command(name = "pfw", version, propagate_version = true, max_term_width = 100)]
#[command(after_help = "\
Exit status: 0 success (also when the reader of the output has closed it and nothing was
changed); 1 a negative answer (a command failed, a node is missing, a PIN does not comply, a
profile has errors); 2 unusable input or arguments (nothing was changed); 3 the state could not be
read or written; 4 the server or the network failed (enroll, sync, unenroll, fleet); 5 the output
could not be written (a command that changes the state has changed it: do not retry).

Environment: PFW_STATE (state file), NO_COLOR (no colour), CLICOLOR_FORCE (colour when not a terminal).")]
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

impl Cli {
    /// Parses the command line. `--state`, `--ddf` and `--ddf-dir` are offered only on the
    /// commands that use them: elsewhere they are left out of the help, and given on the command line they
    /// are refused (`PFW_STATE` in the environment is not an error anywhere).
    pub(crate) fn parse_offered() -> Self {
        let mut command = Self::command();
        for (id, long, uses) in OFFERED {
            command = restrict(command, id, long, uses);
        }
        let matches = command.get_matches_mut();
        let (name, sub) = leaf(&matches);
        for (id, long, uses) in OFFERED {
            let given = [&matches, sub]
                .iter()
                .any(|m| m.value_source(id) == Some(clap::parser::ValueSource::CommandLine));
            if given && !uses.contains(&name.as_str()) {
                command
                    .error(
                        clap::error::ErrorKind::ArgumentConflict,
                        format!("--{long} does nothing for `pfw {name}`, which does not use it: leave it out"),
                    )
                    .exit();
            }
        }
        Self::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

/// The global arguments offered only where they do something: id, long name, the commands.
const OFFERED: [(&str, &str, &[&str]); 3] = [
    ("state", "state", USES_STATE),
    ("ddf", "ddf", USES_DDF),
    ("ddf_dir", "ddf-dir", USES_DDF),
];

/// The commands that open the state (`--state`).
const USES_STATE: &[&str] = &[
    "apply", "get", "tree", "device", "policy", "pin", "enroll", "sync", "unenroll",
];
/// The commands that check nodes against the DDF (`--ddf`, `--ddf-dir`).
const USES_DDF: &[&str] = &[
    "apply", "get", "tree", "ddf", "lint", "explain", "sync", "unenroll", "fleet",
];

/// `command` with the global argument `id` hidden in every subcommand (and its own
/// subcommands) not in `uses`: each gets a hidden argument of that id first, which clap's
/// propagation of global arguments then leaves in place.
fn restrict(
    mut command: clap::Command,
    id: &'static str,
    long: &'static str,
    uses: &[&str],
) -> clap::Command {
    let names: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .filter(|n| n != "help" && !uses.contains(&n.as_str()))
        .collect();
    for name in names {
        command = command.mut_subcommand(name, |sub| hide_in(sub, id, long));
    }
    command
}

fn hide_in(mut command: clap::Command, id: &'static str, long: &'static str) -> clap::Command {
    command = command.arg(
        clap::Arg::new(id)
            .long(long)
            .hide(true)
            .num_args(1)
            .value_parser(clap::value_parser!(PathBuf)),
    );
    let names: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    for name in names {
        command = command.mut_subcommand(name, |sub| hide_in(sub, id, long));
    }
    command
}

/// The top-level command's name and the matches of the innermost subcommand.
fn leaf(matches: &clap::ArgMatches) -> (String, &clap::ArgMatches) {
    let Some((name, mut sub)) = matches.subcommand() else {
        return (String::new(), matches);
    };
    while let Some((_, inner)) = sub.subcommand() {
        sub = inner;
    }
    (name.to_owned(), sub)
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
    /// Load-test a server: many long-lived emulated devices enroll and sync (paced, sharded,
    /// with faults on purpose), with statistics and live metrics
    Fleet(Box<FleetArgs>),
    /// Check SyncML profiles, Intune exports and Group Policy files for what Windows would refuse or ignore
    Lint(LintArgs),
    /// Explain a profile in plain words, and the policy it results in on a fresh device
    Explain(ExplainArgs),
    /// Put Group Policy (Registry.pol, .reg, gpreport.xml) on the device, or clear it
    #[command(subcommand)]
    Gpo(GpoCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum GpoCommand {
    /// Apply a Registry.pol, .reg export or GPO report as the device's Group Policy (values
    /// already applied stay unless the file changes or removes them)
    Apply(GpoApplyArgs),
    /// Remove the computer's Group Policy (or, with --user, that user's)
    Clear {
        /// The user whose Group Policy to remove
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
    },
}

#[derive(Debug, Args)]
pub(crate) struct GpoApplyArgs {
    /// The file: Registry.pol (Machine or User side), .reg export, or gpreport.xml
    #[arg(value_name = "FILE")]
    pub(crate) input: PathBuf,

    /// The user whose Group Policy it is: a Registry.pol is then the User side, and a .reg's
    /// HKEY_CURRENT_USER or a report's User section goes to this user
    #[arg(long, value_name = "NAME")]
    pub(crate) user: Option<String>,

    /// JSON output
    #[arg(long)]
    pub(crate) json: bool,
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

    /// JSON output instead of the SyncML response: {"statuses": [...], "results": [...],
    /// "response": "<SyncML…>"}
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    /// The node's URI, e.g. ./Device/Vendor/MSFT/PassportForWork
    #[arg(value_name = "URI")]
    pub(crate) uri: String,

    /// The user ./User URIs address
    #[arg(long, value_name = "NAME")]
    pub(crate) user: Option<String>,

    /// JSON output: {"uri", "value"}, {"uri", "children"} or {"uri", "nodes"}; a failure is
    /// {"uri", "status", "reason", "error"} (exit 1)
    #[arg(long)]
    pub(crate) json: bool,
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
    #[command(
        override_usage = "pfw device tenant [OPTIONS] <GUID>\n       pfw device tenant [OPTIONS] --clear"
    )]
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
    pub(crate) trace: TraceArgs,

    #[command(flatten)]
    pub(crate) net: NetArgs,
}

/// Whether and where a session's exchanges are traced.
#[derive(Debug, Args)]
pub(crate) struct TraceArgs {
    /// Show every exchange on standard error: URL, HTTP status, the headers that matter,
    /// timing and the XML indented (coloured on a terminal unless NO_COLOR is set);
    /// --trace=raw prints the messages as they went
    #[arg(long, value_name = "FORM", num_args = 0..=1, require_equals = true, default_missing_value = "pretty")]
    pub(crate) trace: Option<TraceForm>,

    /// With --trace: write the trace to this file instead of standard error
    #[arg(long, value_name = "FILE", requires = "trace")]
    pub(crate) trace_file: Option<PathBuf>,
}

/// How `--trace` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum TraceForm {
    /// URL, status, headers, timing, the XML indented
    Pretty,
    /// The messages as they went, with their direction and size
    Raw,
}

#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    #[command(flatten)]
    pub(crate) trace: TraceArgs,

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
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct FleetArgs {
    #[command(subcommand)]
    pub(crate) command: Option<FleetCommand>,

    /// The server: its discovery URL, or `https://host[:port]`
    #[arg(long, value_name = "URL", required = true)]
    pub(crate) server: Option<String>,

    /// How many emulated devices the whole fleet has (every shard's)
    #[arg(long, value_name = "N", required = true)]
    pub(crate) devices: Option<usize>,

    /// How many devices act at once
    #[arg(long, value_name = "C", default_value_t = 16)]
    pub(crate) concurrency: usize,

    /// The fleet's seed: device identities, jitter, churn and faults derive from it (the
    /// same seed is the same fleet)
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub(crate) seed: u64,

    /// Keep the fleet's devices (identities, enrollments, trees) in this SQLite file between
    /// runs; enrolled devices then skip enrollment. Without it, devices live in memory for one
    /// run. (Not --state, which is one device's state, also read from PFW_STATE.)
    #[arg(long, value_name = "FILE")]
    pub(crate) fleet_state: Option<PathBuf>,

    /// Sessions each device runs (default 1, or unlimited with --duration)
    #[arg(long, value_name = "N")]
    pub(crate) sessions_per_device: Option<u64>,

    /// End the run after this long (e.g. 30s, 5m); devices finish what they are doing
    #[arg(long, value_name = "TIME", value_parser = parse_duration)]
    pub(crate) duration: Option<std::time::Duration>,

    /// Poll on each device's DMClient schedule (with --time-scale and --jitter) instead of
    /// running sessions back to back
    #[arg(long, conflicts_with = "rate")]
    pub(crate) poll: bool,

    /// With --poll: how much faster than real time the schedule runs (60: 15 minutes take 15 s)
    #[arg(long, value_name = "X", default_value_t = 1.0, requires = "poll")]
    pub(crate) time_scale: f64,

    /// With --poll: each interval moves by up to this fraction of itself, 0 to 1
    #[arg(long, value_name = "F", default_value_t = 0.1, requires = "poll")]
    pub(crate) jitter: f64,

    /// Open loop: start this many actions (a device's enrollment or one of its sessions) per
    /// second in all, whether earlier ones have finished or not
    #[arg(long, value_name = "PER_SECOND")]
    pub(crate) rate: Option<f64>,

    /// Spread the devices' first actions over this long (e.g. 10s)
    #[arg(long, value_name = "TIME", value_parser = parse_duration)]
    pub(crate) ramp_up: Option<std::time::Duration>,

    /// Enrollment storm: every device enrolls (at --rate when given) and does nothing else
    #[arg(long)]
    pub(crate) storm: bool,

    /// After each session, this fraction of devices unenroll (alert 1226) and enroll again
    #[arg(long, value_name = "FRACTION", default_value_t = 0.0)]
    pub(crate) churn: f64,

    /// Faults to inject on purpose (the rule's form is in the help text).
    #[arg(
        long,
        value_name = "RULE",
        help = "Inject a fault: uri=PATTERN,answer=CODE|delay|drop|abandon[,p=0..1][,delay=MS] \
                (PATTERN: a LocURI, * matches anything). Repeatable; the first matching rule \
                whose dice (from --seed) say so fires"
    )]
    pub(crate) fault: Vec<String>,

    /// Run only devices K, K+N, K+2N, … of the fleet (K from 0), so that N processes make one
    /// fleet; merge their --json summaries with `pfw fleet report`
    #[arg(long, value_name = "K/N", conflicts_with = "shard_from_env")]
    pub(crate) shard: Option<String>,

    /// Like --shard K/N with K read from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)
    #[arg(long, value_name = "N")]
    pub(crate) shard_from_env: Option<usize>,

    /// Serve live metrics (OpenMetrics text) over HTTP on this address, e.g. 127.0.0.1:9464
    #[arg(long, value_name = "ADDR")]
    pub(crate) metrics: Option<std::net::SocketAddr>,

    /// Keep the devices' keys in this directory and reuse them (RSA key generation is slow)
    #[arg(long, value_name = "DIR")]
    pub(crate) key_cache: Option<PathBuf>,

    /// Share N keys among all devices (device i uses key i mod N) instead of one each
    #[arg(long, value_name = "N")]
    pub(crate) key_pool: Option<usize>,

    /// A new HTTPS connection and full TLS handshake for every session, instead of each
    /// device keeping its connection (keep-alive) and TLS session between sessions
    #[arg(long)]
    pub(crate) no_reuse: bool,

    /// At most N devices keep an open connection between sessions: past it the one idle the
    /// longest closes its connection, and its next session opens one that resumes its TLS
    /// session (bounds memory and sockets for large fleets; default: every device)
    #[arg(long, value_name = "N", conflicts_with = "no_reuse")]
    pub(crate) max_connections: Option<usize>,

    /// Trace device N's exchanges (enrollment and sessions: URL, status, headers, timing, XML
    /// indented, as pfw sync --trace) on standard error, or in --trace-file
    #[arg(long, value_name = "N")]
    pub(crate) trace_device: Option<usize>,

    /// With --trace-device: write the trace to this file
    #[arg(long, value_name = "FILE", requires = "trace_device")]
    pub(crate) trace_file: Option<PathBuf>,

    #[command(flatten)]
    pub(crate) credential: CredentialArgs,

    /// JSON output (the summary `pfw fleet report` merges)
    #[arg(long)]
    pub(crate) json: bool,

    #[command(flatten)]
    pub(crate) net: NetArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum FleetCommand {
    /// Merge the --json summaries of a fleet's shards into one report
    Report {
        /// The shards' summaries (`pfw fleet --json` output), one file each
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,

        /// JSON output
        #[arg(long)]
        json: bool,
    },
}

/// `30`, `30s`, `500ms`, `5m`, `1h`.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (e.g. 30s, 500ms, 5m, 1h)"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("{text:?}: the units are ms, s, m and h")),
    };
    std::time::Duration::try_from_secs_f64(seconds).map_err(|e| format!("{text:?}: {e}"))
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
    /// The profiles: SyncML messages, Intune exports, Registry.pol, .reg or gpreport.xml
    /// (decided by content; linted together, as one device receiving them all), or -
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

    /// The devices' edition (Enterprise, Professional, 0x4, …): Group Policy and Intune
    /// settings whose node that edition lacks are errors (not checked without it)
    #[arg(long, value_name = "EDITION")]
    pub(crate) edition: Option<String>,

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

    /// More files, of any kind (SyncML, Intune exports, Registry.pol, .reg, gpreport.xml):
    /// explained as one device receiving them all, in this order
    #[arg(value_name = "FILE")]
    pub(crate) more: Vec<String>,

    /// The tenant whose policy to show (default: the profile's only tenant)
    #[arg(long, value_name = "GUID")]
    pub(crate) tenant: Option<String>,

    /// The Windows build of the fresh device [default: 10.0.26100]
    #[arg(long, value_name = "VERSION")]
    pub(crate) os_build: Option<String>,

    /// JSON output (one SyncML or Intune custom profile)
    #[arg(long)]
    pub(crate) json: bool,
}
