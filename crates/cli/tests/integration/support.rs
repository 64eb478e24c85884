//! Helpers shared by the end-to-end tests: a device in a temporary directory driven through
//! the real `pfw` binary, a SyncML message builder, and readers for responses and states.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use pfw_passport::pin::PinRecord;
use pfw_passport::state::pin_record;
use pfw_syncml::{Command as SyncCommand, Limits, Status, SyncMl};
use pfw_tree::{DumpRow, SqliteStore};
use tempfile::TempDir;

/// The 2019 English CSP page (its example message has no SyncHdr).
pub(crate) const SEED_2019: &str = pfw_testdata::SEED_2019;
/// The current French CSP page (the same example plus one command).
pub(crate) const SEED_CURRENT: &str = pfw_testdata::SEED_CURRENT;

/// The tenant most tests configure.
pub(crate) const TENANT: &str = "3f1c7a52-8d4e-4b6a-9c21-7e5f0a9d4c83";
/// A second tenant.
pub(crate) const OTHER_TENANT: &str = "9b2d4e6f-1a3c-4b5d-8e7f-0a1b2c3d4e5f";

/// The PassportForWork root in the device's tree.
pub(crate) const DEVICE_ROOT: &str = "./Device/Vendor/MSFT/PassportForWork";
/// The PassportForWork root in a user's tree.
pub(crate) const USER_ROOT: &str = "./User/Vendor/MSFT/PassportForWork";

/// The example SyncML message of a seed page, cut from `<SyncML` to `</SyncML>`.
pub(crate) fn seed_message(file: &str) -> String {
    pfw_testdata::seed_example(file)
}

/// A file of the shared specification beside the repository.
pub(crate) fn shared(relative: &str) -> PathBuf {
    pfw_testdata::shared(relative)
}

/// The commands that only read the device (README "State"): none of them writes to a state
/// or creates one.
pub(crate) const READING_COMMANDS: [&[&str]; 8] = [
    &["get", "./DevInfo/DevId"],
    &["get", "./Vendor/MSFT/DMClient"],
    &["get", DEVICE_ROOT],
    &["tree"],
    &["tree", "--json"],
    &["policy"],
    &["device", "show"],
    &["pin", "status", "--user", "alice"],
];

/// The URI of a tenant policy in the device's tree (`key` below `Policies/`).
pub(crate) fn device_policy(tenant: &str, key: &str) -> String {
    format!("{DEVICE_ROOT}/{tenant}/Policies/{key}")
}

/// The URI of a tenant policy in a user's tree (`key` below `Policies/`).
pub(crate) fn user_policy(tenant: &str, key: &str) -> String {
    format!("{USER_ROOT}/{tenant}/Policies/{key}")
}

/// A device: a state path in a temporary directory (the file does not exist until a command
/// creates it) and the `pfw` binary pointed at it.
pub(crate) struct TestDevice {
    dir: TempDir,
    state: PathBuf,
}

impl TestDevice {
    /// A fresh device; its state file does not exist yet.
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let state = dir.path().join("state.db");
        Self { dir, state }
    }

    /// A fresh device whose state file exists (created as pfw creates it, nothing set): the
    /// commands that only read refuse a state path that does not exist.
    pub(crate) fn existing() -> Self {
        let device = Self::new();
        drop(SqliteStore::open(&device.state).expect("the state is created"));
        device
    }

    /// The state file's path.
    pub(crate) fn state(&self) -> &Path {
        &self.state
    }

    /// The temporary directory.
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `pfw` on this device's state (`PFW_STATE`, which every command accepts; `--state` is
    /// refused by the commands that use no state) with a clean environment: cheap argon2
    /// parameters, no colour, no failpoint, no fixed clock, run inside the temporary directory.
    pub(crate) fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("pfw").expect("the pfw binary is built");
        cmd.current_dir(self.dir.path())
            .env("PFW_STATE", &self.state)
            .env_remove("PFW_FAILPOINT")
            .env_remove("PFW_NOW")
            .env("PFW_ARGON2_TEST_PARAMS", "1")
            .env("NO_COLOR", "1");
        cmd
    }

    /// `pfw --state STATE apply FILE` as a process of its own, for a test that spawns, waits
    /// for or kills it: run inside the temporary directory, without `PFW_STATE` or a failpoint.
    pub(crate) fn apply_process(&self, file: &Path) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("pfw"));
        cmd.arg("--state")
            .arg(&self.state)
            .arg("apply")
            .arg(file)
            .env_remove("PFW_STATE")
            .env_remove("PFW_FAILPOINT")
            .current_dir(self.dir.path());
        cmd
    }

    /// Runs `pfw ARGS`.
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        Run::from(self.cmd().args(args).output().expect("pfw runs"))
    }

    /// Runs `pfw ARGS` with `stdin` on standard input.
    pub(crate) fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        Run::from(
            self.cmd()
                .args(args)
                .write_stdin(stdin)
                .output()
                .expect("pfw runs"),
        )
    }

    /// Writes `contents` to `name` in the temporary directory.
    pub(crate) fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("the file is written");
        path
    }

    /// `pfw apply MESSAGE EXTRA…`, the message written to a file first.
    pub(crate) fn apply(&self, message: &str, extra: &[&str]) -> Run {
        let path = self.file("message.xml", message);
        let mut args = vec!["apply", path.to_str().expect("a UTF-8 path")];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// `pfw apply`, asserting that every command succeeded (exit 0).
    #[track_caller]
    pub(crate) fn apply_ok(&self, message: &str, extra: &[&str]) -> Run {
        let run = self.apply(message, extra);
        assert_eq!(run.code, Some(0), "apply failed: {run:?}");
        run
    }

    /// `pfw apply` of one `Add` of `TENANT`'s device policy `key`, which must succeed.
    #[track_caller]
    pub(crate) fn set(&self, key: &str, format: &str, data: &str) -> Run {
        self.apply_ok(&Msg::new().device(key, format, data).build(), &[])
    }

    /// `pfw apply --user USER` of one `Add` of `TENANT`'s user policy `key`, which must
    /// succeed.
    #[track_caller]
    pub(crate) fn set_user(&self, user: &str, key: &str, format: &str, data: &str) -> Run {
        self.apply_ok(
            &Msg::new().user(key, format, data).build(),
            &["--user", user],
        )
    }

    /// `pfw pin set --user alice` with the PIN `24681357` run as `cmd` (this device's
    /// [`TestDevice::cmd`], adjusted), which must succeed; then alice's stored PIN record.
    #[track_caller]
    pub(crate) fn set_pin_with(&self, mut cmd: Command) -> PinRecord {
        let run = Run::from(
            cmd.args(["pin", "set", "--user", "alice"])
                .write_stdin("24681357\n")
                .output()
                .expect("pfw runs"),
        );
        assert_eq!(run.code, Some(0), "{run:?}");
        let store = SqliteStore::open(&self.state).expect("the state opens");
        pin_record(&store, "alice").expect("readable").expect("set")
    }

    /// `pfw tree --json [--user USER]` as a map from full path to value (`None` for an
    /// interior node).
    #[track_caller]
    pub(crate) fn tree(&self, user: Option<&str>) -> BTreeMap<String, Option<String>> {
        let mut args = vec!["tree", "--json"];
        if let Some(user) = user {
            args.extend(["--user", user]);
        }
        let run = self.run(&args);
        assert_eq!(run.code, Some(0), "tree failed: {run:?}");
        let value: serde_json::Value = serde_json::from_str(&run.stdout).expect("tree --json");
        value
            .as_object()
            .expect("tree --json is an object")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map(str::to_owned)))
            .collect()
    }

    /// The logical dump of the state (every stored node of every instance).
    #[track_caller]
    pub(crate) fn dump(&self) -> Vec<DumpRow> {
        let store = SqliteStore::open(&self.state).expect("the state opens");
        pfw_tree::dump(&store).expect("the state dumps")
    }

    /// `pfw policy --json [--user USER]`, parsed.
    #[track_caller]
    pub(crate) fn policy(&self, extra: &[&str]) -> serde_json::Value {
        let mut args = vec!["policy", "--json"];
        args.extend_from_slice(extra);
        let run = self.run(&args);
        assert_eq!(run.code, Some(0), "policy failed: {run:?}");
        serde_json::from_str(&run.stdout).expect("policy --json")
    }
}

/// What a run of `pfw` did.
#[derive(Debug)]
pub(crate) struct Run {
    /// The exit code (`None` when a signal ended the process).
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }
}

/// Decodes a response with pfw's own decoder (it reads a server's Status elements too).
#[track_caller]
pub(crate) fn decode(response: &str) -> SyncMl {
    SyncMl::decode(response.trim_end().as_bytes(), &Limits::DEFAULT).expect("the response decodes")
}

/// The Status elements of a response, in order.
pub(crate) fn statuses(response: &SyncMl) -> Vec<&Status> {
    response
        .body
        .commands
        .iter()
        .filter_map(|c| match c {
            SyncCommand::Status(s) => Some(s),
            _ => None,
        })
        .collect()
}

/// The status codes of a response's commands' Status elements, in order (the SyncHdr's
/// Status, which every response has first, left out).
#[track_caller]
pub(crate) fn codes(response: &str) -> Vec<u16> {
    let decoded = decode(response);
    let all = statuses(&decoded);
    assert_eq!(
        all.first().map(|s| s.cmd.as_str()),
        Some("SyncHdr"),
        "the SyncHdr's Status comes first: {response}"
    );
    all[1..]
        .iter()
        .map(|s| s.data.text.parse().expect("a numeric status"))
        .collect()
}

/// A SyncML message without SyncHdr, as the seed examples are; CmdIDs from 1.
#[derive(Default)]
pub(crate) struct Msg {
    body: String,
    next: u32,
}

impl Msg {
    /// An empty message.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// `Add` of a leaf with its format and value.
    pub(crate) fn add(self, uri: &str, format: &str, data: &str) -> Self {
        self.item("Add", uri, Some(format), Some(data))
    }

    /// `Replace` of a leaf's value.
    pub(crate) fn replace(self, uri: &str, format: &str, data: &str) -> Self {
        self.item("Replace", uri, Some(format), Some(data))
    }

    /// `Add` of `TENANT`'s device policy `key` (the path below `Policies/`).
    pub(crate) fn device(self, key: &str, format: &str, data: &str) -> Self {
        self.device_in(TENANT, key, format, data)
    }

    /// `Add` of `tenant`'s device policy `key`.
    pub(crate) fn device_in(self, tenant: &str, key: &str, format: &str, data: &str) -> Self {
        self.add(&device_policy(tenant, key), format, data)
    }

    /// `Add` of `TENANT`'s user policy `key` (the path below `Policies/`).
    pub(crate) fn user(self, key: &str, format: &str, data: &str) -> Self {
        self.add(&user_policy(TENANT, key), format, data)
    }

    /// `Replace` of `TENANT`'s device policy `key`.
    pub(crate) fn replace_device(self, key: &str, format: &str, data: &str) -> Self {
        self.replace(&device_policy(TENANT, key), format, data)
    }

    /// `Delete` of a node (and its subtree).
    pub(crate) fn delete(self, uri: &str) -> Self {
        self.item("Delete", uri, None, None)
    }

    /// The message's text.
    pub(crate) fn build(&self) -> String {
        format!(
            "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncBody>\n{}<Final/></SyncBody></SyncML>\n",
            self.body
        )
    }

    fn item(mut self, verb: &str, uri: &str, format: Option<&str>, data: Option<&str>) -> Self {
        self.next += 1;
        let meta = format.map_or_else(String::new, |f| {
            format!("<Meta><Format xmlns=\"syncml:metinf\">{f}</Format></Meta>")
        });
        let data = data.map_or_else(String::new, |d| format!("<Data>{d}</Data>"));
        self.body.push_str(&format!(
            "<{verb}><CmdID>{}</CmdID><Item><Target><LocURI>{uri}</LocURI></Target>{meta}{data}</Item></{verb}>\n",
            self.next
        ));
        self
    }
}

/// Asserts that `record`'s hash is argon2id (version 19) with these cost parameters.
#[track_caller]
pub(crate) fn assert_argon2id(record: &PinRecord, params: &str) {
    let hash = record.hash().as_str();
    assert!(
        hash.starts_with(&format!("$argon2id$v=19${params}$")),
        "{hash}"
    );
}

/// The member names of a JSON object, sorted.
#[track_caller]
pub(crate) fn keys_of(value: &serde_json::Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// Asserts that `text` contains `needle`, printing the text when it does not.
#[track_caller]
pub(crate) fn assert_contains(text: &str, needle: &str) {
    assert!(text.contains(needle), "{needle:?} is not in:\n{text}");
}

/// Asserts that `needle` stands `count` times in `text`.
#[track_caller]
pub(crate) fn assert_count(text: &str, needle: &str, count: usize) {
    assert_eq!(
        text.matches(needle).count(),
        count,
        "{needle:?} in:\n{text}"
    );
}

/// Standard base64 with padding (RFC 4648 §4), for looking for encoded secrets.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_matches_rfc_4648_test_vectors() {
    // RFC 4648 §10.
    let vectors = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];
    for (plain, encoded) in vectors {
        assert_eq!(base64(plain.as_bytes()), encoded, "{plain:?}");
    }
}
