//! Real-shaped mixed profiles — Policy CSP, BitLocker, Defender, Firewall, LAPS, DeviceLock,
//! WiFi — applied to the whole device, each command's status pinned with the DDF fact
//! (Microsoft's February 2025 bundle, through pfw's facts table) or the rule it follows. One
//! line per case: a fresh device, the commands, the statuses.

use std::sync::{Arc, OnceLock};

use pfw_csps::{Options, registry};
use pfw_devinfo::DeviceFacts;
use pfw_engine::{Engine, Options as RunOptions};
use pfw_syncml::{Command, Limits};
use pfw_tree::{MemoryStore, Store};

/// One command: verb, URI, Meta Format, Data.
type Cmd = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let facts = Arc::new(DeviceFacts::new("1E08C6E95D8BB843B1278FF45BC60CC6"));
        Engine::new(registry(Options::new(facts)).unwrap(), Limits::DEFAULT)
    })
}

/// The same device with Microsoft's bundle read from its directory (`--ddf-dir`).
fn bundle_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let facts = Arc::new(DeviceFacts::new("1E08C6E95D8BB843B1278FF45BC60CC6"));
        let mut options = Options::new(facts);
        options.ddf_dir = Some(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/ddf/microsoft-all"
            )
            .into(),
        );
        Engine::new(registry(options).unwrap(), Limits::DEFAULT)
    })
}

fn message(commands: &[Cmd]) -> String {
    let mut body = String::new();
    for (i, (verb, uri, format, data)) in commands.iter().enumerate() {
        let meta = format
            .map(|f| format!(r#"<Meta><Format xmlns="syncml:metinf">{f}</Format></Meta>"#))
            .unwrap_or_default();
        let data = data
            .map(|d| {
                format!(
                    "<Data>{}</Data>",
                    d.replace('&', "&amp;").replace('<', "&lt;")
                )
            })
            .unwrap_or_default();
        body.push_str(&format!(
            "<{verb}><CmdID>{}</CmdID><Item><Target><LocURI>{uri}</LocURI></Target>{meta}{data}</Item></{verb}>",
            i + 2
        ));
    }
    pfw_testdata::message(&body)
}

/// Applies `commands` on `store` (for `user`), returns the statuses and the Results' data.
fn apply(
    engine: &Engine,
    store: &mut MemoryStore,
    user: Option<&str>,
    commands: &[Cmd],
) -> (Vec<u16>, Vec<String>) {
    let options = RunOptions {
        user,
        ..RunOptions::default()
    };
    let outcome = engine
        .apply(store, message(commands).as_bytes(), &options)
        .unwrap();
    let mut statuses = Vec::new();
    let mut results = Vec::new();
    for c in &outcome.response.body.commands {
        match c {
            Command::Status(s) if s.cmd != "SyncHdr" => {
                statuses.push(s.data.text.parse().unwrap());
            }
            Command::Results(r) => {
                results.push(r.items[0].data_text().unwrap_or("").to_owned());
            }
            _ => {}
        }
    }
    (statuses, results)
}

struct Case {
    name: &'static str,
    fact: &'static str,
    build: Option<&'static str>,
    user: Option<&'static str>,
    commands: Vec<Cmd>,
    statuses: Vec<u16>,
    results: Option<Vec<&'static str>>,
}

fn case(name: &'static str, fact: &'static str, commands: Vec<Cmd>, statuses: &[u16]) -> Case {
    Case {
        name,
        fact,
        build: None,
        user: None,
        commands,
        statuses: statuses.to_vec(),
        results: None,
    }
}

impl Case {
    fn results(mut self, results: &[&'static str]) -> Self {
        self.results = Some(results.to_vec());
        self
    }
    fn build(mut self, build: &'static str) -> Self {
        self.build = Some(build);
        self
    }
    fn user(mut self, user: &'static str) -> Self {
        self.user = Some(user);
        self
    }
}

fn add(uri: &'static str, format: &'static str, data: &'static str) -> Cmd {
    ("Add", uri, Some(format), Some(data))
}
fn replace(uri: &'static str, format: &'static str, data: &'static str) -> Cmd {
    ("Replace", uri, Some(format), Some(data))
}
fn get(uri: &'static str) -> Cmd {
    ("Get", uri, None, None)
}
fn delete(uri: &'static str) -> Cmd {
    ("Delete", uri, None, None)
}
fn exec(uri: &'static str, data: Option<&'static str>) -> Cmd {
    ("Exec", uri, None, data)
}

const MIN_LEN: &str = "./Device/Vendor/MSFT/Policy/Config/DeviceLock/MinDevicePasswordLength";
const MIN_LEN_RESULT: &str =
    "./Device/Vendor/MSFT/Policy/Result/DeviceLock/MinDevicePasswordLength";
const COOKIES_DEVICE: &str = "./Device/Vendor/MSFT/Policy/Config/Browser/AllowCookies";
const COOKIES_USER: &str = "./User/Vendor/MSFT/Policy/Config/Browser/AllowCookies";
const COOKIES_USER_RESULT: &str = "./User/Vendor/MSFT/Policy/Result/Browser/AllowCookies";
const HOME_DEVICE: &str = "./Device/Vendor/MSFT/Policy/Config/Browser/ConfigureHomeButton";
const HOME_USER: &str = "./User/Vendor/MSFT/Policy/Config/Browser/ConfigureHomeButton";
const HOME_USER_RESULT: &str = "./User/Vendor/MSFT/Policy/Result/Browser/ConfigureHomeButton";
const BITS: &str = "./Device/Vendor/MSFT/Policy/Config/ADMX_Bits/BITS_EnablePeercaching";
const BL_REQUIRE: &str = "./Vendor/MSFT/BitLocker/RequireDeviceEncryption";
const BL_METHOD: &str = "./Vendor/MSFT/BitLocker/EncryptionMethodByDriveType";
const BL_STATUS: &str = "./Vendor/MSFT/BitLocker/Status/DeviceEncryptionStatus";
const BL_ROTATE: &str = "./Vendor/MSFT/BitLocker/RotateRecoveryPasswords";
const DEF_RTM: &str = "./Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring";
const DEF_SCAN: &str = "./Vendor/MSFT/Defender/Scan";
const DEF_CATCHUP: &str =
    "./Vendor/MSFT/Defender/Configuration/DaysUntilAggressiveCatchupQuickScan";
const FW_DOMAIN: &str = "./Vendor/MSFT/Firewall/MdmStore/DomainProfile/EnableFirewall";
const FW_PUBLIC: &str = "./Vendor/MSFT/Firewall/MdmStore/PublicProfile/EnableFirewall";
const FW_RULE_PORTS: &str =
    "./Vendor/MSFT/Firewall/MdmStore/FirewallRules/AllowRDP/LocalPortRanges";
const FW_RULE_PROTOCOL: &str = "./Vendor/MSFT/Firewall/MdmStore/FirewallRules/AllowRDP/Protocol";
const FW_RULE_BAD_NAME: &str = "./Vendor/MSFT/Firewall/MdmStore/FirewallRules/Allow%7CRDP";
const LAPS_BACKUP: &str = "./Vendor/MSFT/LAPS/Policies/BackupDirectory";
const LAPS_LENGTH: &str = "./Vendor/MSFT/LAPS/Policies/PasswordLength";
const LAPS_PASSPHRASE: &str = "./Vendor/MSFT/LAPS/Policies/PassphraseLength";
const LAPS_RESET: &str = "./Vendor/MSFT/LAPS/Actions/ResetPassword";
const WIFI_XML: &str = "./User/Vendor/MSFT/WiFi/Profile/Contoso/WlanXml";
const WIFI_COST: &str = "./User/Vendor/MSFT/WiFi/Profile/Contoso/WiFiCost";
const AI: &str = "./Device/Vendor/MSFT/Policy/Config/WindowsAI/DisableAIDataAnalysis";
const TPM: &str = "./Vendor/MSFT/DeviceStatus/TPM/SpecificationVersion";
const MAC: &str = "./DevDetail/Ext/WLANMACAddress";
const ANTIVIRUS: &str = "./Vendor/MSFT/DeviceStatus/Antivirus/Status";
const DOMAIN: &str = "./Vendor/MSFT/DeviceStatus/DomainName";
const HWDEVID: &str = "./Vendor/MSFT/DMClient/HWDevID";
const DMCLIENT_USER: &str =
    "./User/Vendor/MSFT/DMClient/Provider/MS%20DM%20Server/FirstSyncStatus/ExpectedPolicies";

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    vec![
        // Policy CSP: DeviceLock
        case("DeviceLock minimum length", "DeviceLock_AreaDDF MinDevicePasswordLength: int, Range [4-16], Add/Delete/Get/Replace", vec![add(MIN_LEN, "int", "8"), get(MIN_LEN), get(MIN_LEN_RESULT)], &[200, 200, 200]).results(&["8", "8"]),
        case("DeviceLock length out of range", "Range [4-16]: 17 is outside (400)", vec![add(MIN_LEN, "int", "17")], &[400]),
        case("DeviceLock length as chr", "DFFormat int: Meta Format chr is 415", vec![add(MIN_LEN, "chr", "8")], &[415]),
        case("DeviceLock Replace before Add", "DESIGN row 7: Replace never creates (404)", vec![replace(MIN_LEN, "int", "8")], &[404]),
        case("DeviceLock Add twice", "DESIGN row 7: Add of an existing node (418)", vec![add(MIN_LEN, "int", "8"), add(MIN_LEN, "int", "9")], &[200, 418]),
        case("Result default when unset", "DefaultValue 4; Policy/Result answers the value in force", vec![get(MIN_LEN_RESULT)], &[200]).results(&["4"]),
        case("Result after Delete reverts to default", "Delete of Config reverts Result to the DefaultValue", vec![add(MIN_LEN, "int", "8"), delete(MIN_LEN), get(MIN_LEN_RESULT)], &[200, 200, 200]).results(&["4"]),
        case("Result is read only", "Policy.xml Result: AccessType Get", vec![replace(MIN_LEN_RESULT, "int", "8")], &[405]),
        case("Result of an ADMX policy never set", "ADMX_Bits: no DefaultValue, nothing in force (404)", vec![get("./Device/Vendor/MSFT/Policy/Result/ADMX_Bits/BITS_EnablePeercaching")], &[404]),
        case("misspelled area", "no area DeviceLok in the bundle (404, closest DeviceLock)", vec![add("./Device/Vendor/MSFT/Policy/Config/DeviceLok/MinDevicePasswordLength", "int", "8")], &[404]),
        case("misspelled policy", "no policy MinDevicePasswordLenght in DeviceLock (404)", vec![add("./Device/Vendor/MSFT/Policy/Config/DeviceLock/MinDevicePasswordLenght", "int", "8")], &[404]),
        case("Config lists configured areas", "Get of an interior node: its children", vec![add(MIN_LEN, "int", "8"), get("./Device/Vendor/MSFT/Policy/Config")], &[200, 200]).results(&["DeviceLock"]),
        // Policy CSP: both scopes
        case("both scopes, LowestValueMostSecure", "Browser/AllowCookies ConflictResolution LowestValueMostSecure: user 2, device 1 → 1", vec![add(COOKIES_USER, "int", "2"), add(COOKIES_DEVICE, "int", "1"), get(COOKIES_USER_RESULT)], &[200, 200, 200]).user("alice").results(&["1"]),
        case("user scope only", "the user's Config value is in force for the user", vec![add(COOKIES_USER, "int", "0"), get(COOKIES_USER_RESULT)], &[200, 200]).user("alice").results(&["0"]),
        case("device value reaches the user", "a device policy applies to every user", vec![add(COOKIES_DEVICE, "int", "1"), get(COOKIES_USER_RESULT)], &[200, 200]).user("alice").results(&["1"]),
        case("both scopes, LastWrite (device last)", "Browser/ConfigureHomeButton ConflictResolution LastWrite", vec![add(HOME_USER, "int", "1"), add(HOME_DEVICE, "int", "2"), get(HOME_USER_RESULT)], &[200, 200, 200]).user("alice").results(&["2"]),
        case("both scopes, LastWrite (user last)", "LastWrite: the later write wins", vec![add(HOME_DEVICE, "int", "2"), add(HOME_USER, "int", "1"), get(HOME_USER_RESULT)], &[200, 200, 200]).user("alice").results(&["1"]),
        case("device-only policy under ./User", "DeviceLock/MinDevicePasswordLength is in the device area DDF only (404)", vec![add("./User/Vendor/MSFT/Policy/Config/DeviceLock/MinDevicePasswordLength", "int", "8")], &[404]).user("alice"),
        case("./User without a user", "DESIGN row 4 (405)", vec![add(COOKIES_USER, "int", "1")], &[405]),
        // ADMX-backed policies
        case("ADMX enabled with data", "ValueType ADMX: <enabled/> then <data id value/>", vec![add(BITS, "chr", "<enabled/><data id=\"BITS_EnablePeercachingClient\" value=\"true\"/>")], &[200]),
        case("ADMX disabled", "ValueType ADMX: <disabled/>", vec![add(BITS, "chr", "<disabled/>")], &[200]),
        case("ADMX plain value", "ValueType ADMX: a bare 1 is not an ADMX value (400)", vec![add(BITS, "chr", "1")], &[400]),
        case("ADMX data after disabled", "ValueType ADMX: <disabled/> takes no data (400)", vec![add(BITS, "chr", "<disabled/><data id=\"A\" value=\"1\"/>")], &[400]),
        // BitLocker
        case("BitLocker require encryption", "BitLocker RequireDeviceEncryption: int, ENUM 0|1", vec![add(BL_REQUIRE, "int", "1"), get(BL_REQUIRE)], &[200, 200]).results(&["1"]),
        case("BitLocker value outside ENUM", "ENUM 0|1: 2 is 400", vec![add(BL_REQUIRE, "int", "2")], &[400]),
        case("BitLocker ADMX-valued node", "EncryptionMethodByDriveType: ValueType ADMX", vec![add(BL_METHOD, "chr", "<enabled/><data id=\"EncryptionMethodWithXtsOsDropDown_Name\" value=\"7\"/>"), add(BL_METHOD, "chr", "7")], &[200, 418]),
        case("BitLocker ADMX value syntax", "ValueType ADMX: 7 alone is 400", vec![add(BL_METHOD, "chr", "7")], &[400]),
        case("BitLocker status is read only", "Status/DeviceEncryptionStatus: AccessType Get (405)", vec![replace(BL_STATUS, "int", "0")], &[405]),
        case("BitLocker status not computed", "Get-only leaf, no DefaultValue, no device state: 404", vec![get(BL_STATUS)], &[404]),
        case("BitLocker rotate recovery passwords", "RotateRecoveryPasswords: AccessType Exec (200, recorded)", vec![exec(BL_ROTATE, None)], &[200]),
        case("BitLocker rotate on 1809", "RotateRecoveryPasswords: OsBuildVersion 10.0.18363 (404 on 17763)", vec![exec(BL_ROTATE, None)], &[404]).build("10.0.17763.1"),
        // Defender
        case("Defender real-time monitoring policy", "Defender_AreaDDF AllowRealtimeMonitoring: int, ENUM 0|1", vec![add(DEF_RTM, "int", "1")], &[200]),
        case("Defender CSP range", "DaysUntilAggressiveCatchupQuickScan: Range [7-60]", vec![add(DEF_CATCHUP, "int", "6"), add(DEF_CATCHUP, "int", "7")], &[400, 200]),
        case("Defender scan", "Defender/Scan: AccessType Exec, Get (200)", vec![exec(DEF_SCAN, Some("1"))], &[200]),
        case("Defender scan is not a setting", "Defender/Scan: no Replace (405)", vec![replace(DEF_SCAN, "chr", "1")], &[405]),
        // Firewall
        case("Firewall domain profile", "DomainProfile/EnableFirewall: AccessType Replace only (Add 405)", vec![add(FW_DOMAIN, "bool", "true")], &[405]),
        case("Firewall public profile Replace", "PublicProfile/EnableFirewall: Get Replace, no Add: exists with its DefaultValue true until replaced", vec![get(FW_PUBLIC), replace(FW_PUBLIC, "bool", "false"), get(FW_PUBLIC)], &[200, 200, 200]).results(&["true", "false"]),
        case("Firewall rule Enabled before the rule", "FirewallRules/{FirewallRuleName}/Enabled: Replace only; its rule does not exist (404)", vec![replace("./Vendor/MSFT/Firewall/MdmStore/FirewallRules/R/Enabled", "bool", "true")], &[404]),
        case("Firewall rule Enabled after the rule", "Enabled exists once its rule does; its ENUM 0|1 on a bool reads as false|true", vec![add(FW_RULE_PROTOCOL, "int", "6"), replace("./Vendor/MSFT/Firewall/MdmStore/FirewallRules/AllowRDP/Enabled", "bool", "true"), replace("./Vendor/MSFT/Firewall/MdmStore/FirewallRules/AllowRDP/Enabled", "bool", "1")], &[200, 200, 400]),
        case("Firewall rule", "FirewallRules/{FirewallRuleName}: dynamic; Protocol Range [0-255]; LocalPortRanges RegEx ^[0-9,-]+$", vec![add(FW_RULE_PROTOCOL, "int", "6"), add(FW_RULE_PORTS, "chr", "3389"), add("./Vendor/MSFT/Firewall/MdmStore/FirewallRules/Other/Protocol", "int", "256"), add("./Vendor/MSFT/Firewall/MdmStore/FirewallRules/Other/LocalPortRanges", "chr", "rdp")], &[200, 200, 400, 400]),
        case("Firewall rule name", "the rule node's own RegEx constrains values, not names: Add of the interior node is 200", vec![("Add", FW_RULE_BAD_NAME, Some("node"), None)], &[200]),
        // LAPS
        case("LAPS backup to Entra ID", "LAPS Policies/BackupDirectory: ENUM 0|1|2", vec![add(LAPS_BACKUP, "int", "1"), add(LAPS_LENGTH, "int", "20")], &[200, 200]),
        case("LAPS password length range", "PasswordLength: Range [8-64]", vec![add(LAPS_LENGTH, "int", "7")], &[400]),
        case("LAPS passphrase on 24H2", "PassphraseLength: OsBuildVersion 10.0.26100", vec![add(LAPS_PASSPHRASE, "int", "6")], &[200]),
        case("LAPS passphrase on 22H2", "PassphraseLength: OsBuildVersion 10.0.26100 (404 on 19045)", vec![add(LAPS_PASSPHRASE, "int", "6")], &[404]).build("10.0.19045.4239"),
        case("LAPS reset password", "Actions/ResetPassword: AccessType Exec, format null", vec![exec(LAPS_RESET, None), get(LAPS_RESET)], &[200, 405]),
        // WiFi
        case("WiFi profile in user scope", "WiFi: ./User/Vendor/MSFT/WiFi/Profile/{SSID}/WlanXml chr", vec![add(WIFI_XML, "chr", "<WLANProfile/>"), add(WIFI_COST, "int", "2")], &[200, 200]).user("alice"),
        case("WiFi cost ENUM", "WiFiCost: ENUM 1|2|3", vec![add(WIFI_COST, "int", "4")], &[400]).user("alice"),
        // Applicability of Policy settings
        case("Policy setting on its build", "WindowsAI/DisableAIDataAnalysis: OsBuildVersion 10.0.26100", vec![add(AI, "int", "1")], &[200]),
        case("Policy setting newer than the build", "OsBuildVersion 10.0.26100: 404 on 10.0.19045", vec![add(AI, "int", "1"), get("./Device/Vendor/MSFT/Policy/Result/WindowsAI/DisableAIDataAnalysis")], &[404, 404]).build("10.0.19045.4239"),
        // Read-only inventory
        case("TPM from the device", "DeviceStatus/TPM/SpecificationVersion: the emulated TPM 2.0", vec![get(TPM)], &[200]).results(&["2.0"]),
        case("MAC address", "DevDetail/Ext/WLANMACAddress: derived from the device identifier", vec![get(MAC)], &[200]).results(&["00-15-5D-CA-B4-FE"]),
        case("inventory default", "DeviceStatus/Antivirus/Status: DefaultValue 3", vec![get(ANTIVIRUS)], &[200]).results(&["3"]),
        case("inventory without a value", "DeviceStatus/DomainName: no DefaultValue, not read every session (404)", vec![get(DOMAIN)], &[404]),
        case("DMClient computed value", "DMClient/HWDevID: computed by pfw", vec![get(HWDEVID)], &[200]),
        case("DMClient user tree", "DMClient.xml ./User/Vendor/MSFT/DMClient: Provider/{ProviderID}/FirstSyncStatus/ExpectedPolicies", vec![add(DMCLIENT_USER, "chr", "./Vendor/MSFT/Policy/Config/DeviceLock/MinDevicePasswordLength")], &[200]).user("alice"),
        // PassportForWork keeps its own DDF
        case("PassportForWork beside the rest", "pfw's own PassportForWork DDF (DisablePostLogonCredentialCaching is pfw's, Insider only: 404)", vec![add("./Device/Vendor/MSFT/PassportForWork/t/Policies/UsePassportForWork", "bool", "true"), add("./Device/Vendor/MSFT/PassportForWork/t/Policies/DisablePostLogonCredentialCaching", "bool", "true"), add(MIN_LEN, "int", "6")], &[200, 404, 200]),
        // Unknown CSPs
        case("misspelled CSP", "no CSP BitLockr (404)", vec![add("./Vendor/MSFT/BitLockr/RequireDeviceEncryption", "int", "1")], &[404]),
    ]
}

#[test]
fn mixed_profiles() {
    run(engine());
}

/// The facts table and Microsoft's own files give the same answers.
#[test]
fn mixed_profiles_from_the_bundle_directory() {
    run(bundle_engine());
}

fn run(engine: &Engine) {
    let mut failures = Vec::new();
    for case in cases() {
        let mut store = MemoryStore::new();
        if let Some(build) = case.build {
            store.begin().unwrap();
            store
                .set_property(pfw_tree::device::BUILD_PROPERTY, Some(build))
                .unwrap();
            store.commit().unwrap();
        }
        let (statuses, results) = apply(engine, &mut store, case.user, &case.commands);
        if statuses != case.statuses {
            failures.push(format!(
                "{} ({}): statuses {statuses:?}, expected {:?}",
                case.name, case.fact, case.statuses
            ));
            continue;
        }
        if let Some(expected) = &case.results
            && results != *expected
        {
            failures.push(format!(
                "{} ({}): results {results:?}, expected {expected:?}",
                case.name, case.fact
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `pfw lint` agrees with the engine on every case: with the same whole-device registry and
/// the same build (the engine's default device, 10.0.26100, unless the case sets one), each
/// command the engine answers with a failure has a diagnostic that predicts a status at its
/// line — an error, or the `node-missing` note for a node a fresh device lacks (README
/// "Lint": it works on a device that has the node) — and a command answered with success has
/// none. Cases of `./User` commands without a user are left out: lint runs every `./User`
/// command for a user of its own (README "Lint").
#[test]
fn lint_agrees_with_the_engine_on_every_mixed_case() {
    let facts = Arc::new(DeviceFacts::new("1E08C6E95D8BB843B1278FF45BC60CC6"));
    let registry = registry(Options::new(facts)).unwrap();
    let mut failures = Vec::new();
    let mut compared = 0;
    for case in cases() {
        let user_scope = case
            .commands
            .iter()
            .any(|(_, uri, _, _)| uri.starts_with("./User"));
        if user_scope && case.user.is_none() {
            continue;
        }
        // One command a line (line 2 onwards), so each diagnostic names its command.
        let mut text = message(&case.commands).replace("<SyncBody>", "<SyncBody>\n");
        for verb in ["Add", "Replace", "Get", "Delete", "Exec"] {
            text = text.replace(&format!("><{verb}>"), &format!(">\n<{verb}>"));
        }
        let options = pfw_lint::Options {
            os_build: Some(case.build.unwrap_or("10.0.26100").parse().unwrap()),
            ..pfw_lint::Options::default()
        };
        let linter = pfw_lint::Linter::new(registry.clone(), options);
        let report = linter.lint(case.name, text.as_bytes()).unwrap();
        for (i, status) in case.statuses.iter().enumerate() {
            let line = u32::try_from(i + 2).unwrap();
            let predictions: Vec<String> = report
                .diagnostics
                .iter()
                .filter(|d| {
                    let at = d.line == line
                        || (d.code == pfw_lint::Code::NodeMissing
                            && d.message.contains(&format!("line {line}")));
                    let predicts =
                        d.code.status().is_some() || d.code == pfw_lint::Code::CommandFails;
                    at && predicts
                })
                .map(|d| format!("{}: {}", d.code, d.message))
                .collect();
            let failed = !(200..300).contains(status);
            compared += 1;
            if failed == predictions.is_empty() {
                failures.push(format!(
                    "{} ({}): command {} answered {status}, lint {predictions:?}",
                    case.name,
                    case.fact,
                    i + 1
                ));
            }
        }
    }
    assert!(compared > 60, "{compared} commands compared");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A message that touches one CSP loads only that CSP (and the registry's own).
#[test]
fn only_the_csps_a_message_reaches_are_loaded() {
    let facts = Arc::new(DeviceFacts::default());
    let registry = registry(Options::new(facts)).unwrap();
    let total = registry.roots().count();
    assert!(total > 390, "{total} roots");
    assert_eq!(
        registry.csps().len(),
        3,
        "PassportForWork, DevInfo, DevDetail are eager"
    );
}

/// `pfw explain` says what a setting of any CSP is from the facts it has (the facts table keeps
/// no prose): its CSP, format, allowed values and default (README "The whole device").
#[test]
fn explain_describes_a_setting_of_another_csp_from_its_facts() {
    let facts = Arc::new(DeviceFacts::new("1E08C6E95D8BB843B1278FF45BC60CC6"));
    let linter = pfw_lint::Linter::new(
        registry(Options::new(facts)).unwrap(),
        pfw_lint::Options::default(),
    );
    let text = message(&[add(BL_REQUIRE, "int", "1"), add(LAPS_LENGTH, "int", "20")]);
    let explanation = linter.explain("mixed.xml", text.as_bytes()).unwrap();
    let controls: Vec<&str> = explanation
        .settings
        .iter()
        .filter_map(|s| s.controls.as_deref())
        .collect();
    assert_eq!(
        controls,
        [
            "An int setting of the BitLocker CSP; one of 0, 1; commands Add, Delete, Get, Replace; 0 when not set.",
            "An int setting of the LAPS CSP; from 8 to 64; commands Add, Delete, Get, Replace; 14 when not set.",
        ]
    );
}
