//! DESIGN.md "Behaviour decisions", one line per case: the ordered checks, values, containers
//! and other rules, each run in device and user scope against both backends. A case's URIs
//! use `{S}` for the scope prefix (`./Device` or `./User`) and `{T}` for the tenant; its two
//! expectations are the statuses of the body's commands in device scope and in user scope.
//! Each line says where its expectation comes from.

mod support;

use pfw_engine::Options;
use support::{
    Backend, Device, TENANT, add, add_node, atomic, cmd, delete, get, message, replace, sequence,
};

const P: &str = "{S}/Vendor/MSFT/PassportForWork";

fn pol(leaf: &str) -> String {
    format!("{P}/{{T}}/Policies/{leaf}")
}

fn csp(rest: &str) -> String {
    format!("{P}/{rest}")
}

fn tenant() -> String {
    format!("{P}/{{T}}")
}

#[derive(Clone, Default)]
struct Case {
    line: &'static str,
    source: &'static str,
    setup: Vec<String>,
    body: Vec<String>,
    device: Vec<u16>,
    user: Vec<u16>,
    build: Option<&'static str>,
    edition: Option<&'static str>,
    strict: bool,
    no_user: bool,
}

fn case(
    line: &'static str,
    source: &'static str,
    body: Vec<String>,
    device: &[u16],
    user: &[u16],
) -> Case {
    Case {
        line,
        source,
        body,
        device: device.to_vec(),
        user: user.to_vec(),
        ..Case::default()
    }
}

impl Case {
    fn after(mut self, setup: Vec<String>) -> Self {
        self.setup = setup;
        self
    }
}

fn cases() -> Vec<Case> {
    let min = || pol("PINComplexity/MinimumPINLength");
    let use_pfw = || pol("UsePassportForWork");
    let group_a = || csp("DeviceUnlock/GroupA");
    const G1: &str = "{D6886603-9D2F-4EB2-B667-1971041FA96B}";
    const G2: &str = "{8AF662BF-65A0-4D0A-A540-A338A999D36F}";
    let long_uri = format!("{P}{}", "/x".repeat(600));
    let long_segment = format!("{P}/{}", "n".repeat(300));
    vec![
        // Row 1: CmdID.
        case("CmdID missing", "[WinOMA] no CmdID → 400", vec![format!("<Add><Item><Target><LocURI>{}</LocURI></Target><Data>true</Data></Item></Add>", use_pfw())], &[400], &[400]),
        case("CmdID 0", "[MS-MDM] §2.2.6.1 CmdID is never 0; DESIGN row 1", vec![cmd("Add", 0, &use_pfw(), Some("bool"), Some("true"))], &[400], &[400]),
        case("CmdID 00", "README CmdID: zero however written is the SyncHdr's number (pfw_syncml::CmdId::fault)", vec![format!("<Add><CmdID>00</CmdID><Item><Target><LocURI>{}</LocURI></Target><Data>true</Data></Item></Add>", use_pfw())], &[400], &[400]),
        case("CmdID of whitespace", "README CmdID: whitespace only is no CmdID ([WinOMA] no CmdID → 400)", vec![format!("<Add><CmdID>  </CmdID><Item><Target><LocURI>{}</LocURI></Target><Data>true</Data></Item></Add>", use_pfw())], &[400], &[400]),
        case("CmdID 01", "README CmdID: any other text is an identifier", vec![format!("<Add><CmdID>01</CmdID><Item><Target><LocURI>{}</LocURI></Target><Data>true</Data></Item></Add>", use_pfw())], &[200], &[200]),
        // Row 2: known command.
        case("unknown element", "[WinOMA] unknown element under SyncBody → 400", vec!["<Frobnicate><CmdID>2</CmdID></Frobnicate>".to_owned()], &[400], &[400]),
        case("malformed Add", "DESIGN row 2: a known command breaking the grammar", vec!["<Add><CmdID>2</CmdID><Bogus/></Add>".to_owned()], &[400], &[400]),
        case("Add with no Item", "DESIGN row 2 (Item is mandatory)", vec!["<Add><CmdID>2</CmdID></Add>".to_owned()], &[400], &[400]),
        // Row 3: URI syntax.
        case("leading slash", "[WinOMA] LocURI can't start with /", vec![get(2, "/Vendor/MSFT/PassportForWork")], &[400], &[400]),
        case("empty segment", "DESIGN row 3", vec![get(2, "{S}/Vendor//MSFT/PassportForWork")], &[400], &[400]),
        case("dot segment past the first", "[WinStruct] . only first", vec![get(2, "{S}/Vendor/MSFT/./PassportForWork")], &[400], &[400]),
        case("dot-dot segment", "DESIGN row 3", vec![get(2, "{S}/Vendor/MSFT/../PassportForWork")], &[400], &[400]),
        case("percent-encoded dot-dot", "DESIGN row 3 (decoded segments)", vec![get(2, "{S}/Vendor/MSFT/%2E%2E/PassportForWork")], &[400], &[400]),
        case("no Target", "DESIGN row 3 (empty URI)", vec!["<Get><CmdID>2</CmdID><Item><Data>x</Data></Item></Get>".to_owned()], &[400], &[400]),
        case("URI over the limit", "DESIGN row 3: too long → 414", vec![get(2, &long_uri)], &[414], &[414]),
        case("segment over the limit", "DESIGN row 3: too long → 414", vec![get(2, &long_segment)], &[414], &[414]),
        // Row 5: schema, build, edition.
        case("misspelled node", "seed 2019 example; DESIGN row 5", vec![add(2, &csp("Biometrics/FacialFeatureUseEnhancedAntiSpoofing"), "bool", "true")], &[404], &[404]),
        case("device-only node under ./User", "DDF: Biometrics only in ./Device; DESIGN row 5", vec![add(2, &csp("Biometrics/UseBiometrics"), "bool", "true")], &[200], &[404]),
        case("Add of a child under a leaf", "[OMA-DMP] Add/Replace tables: adding a child node to a leaf node → 405; DESIGN row 6", vec![add(2, &pol("UsePassportForWork/Extra"), "bool", "true")], &[405], &[405]),
        case("Add two levels under a leaf", "[OMA-DMP] Add/Replace tables → 405; DESIGN row 6", vec![add_node(2, &pol("UsePassportForWork/Extra/More"))], &[405], &[405]),
        case("Get of a child under a leaf", "DESIGN row 5: no such node (Get adds nothing)", vec![get(2, &pol("UsePassportForWork/Extra"))], &[404], &[404]),
        case("Replace of a child under a leaf", "DESIGN rows 5, 7: no such node, and Replace never creates ([OMA-DMP] §4.1.6.11)", vec![replace(2, &pol("UsePassportForWork/Extra"), "bool", "true")], &[404], &[404]),
        Case { build: Some("10.0.17763"), ..case("Add under a leaf the build lacks", "DDF: SecurityKey from 10.0.18362; DESIGN row 5 before row 6", vec![add_node(2, &csp("SecurityKey/UseSecurityKeyForSignin/Extra"))], &[404], &[404]) },
        case("Add under a leaf the build has", "DDF: SecurityKey from 10.0.18362; [OMA-DMP] → 405", vec![add_node(2, &csp("SecurityKey/UseSecurityKeyForSignin/Extra"))], &[405], &[404]),
        case("outside any CSP", "DESIGN row 5", vec![get(2, "{S}/Vendor/MSFT/NoSuchCsp")], &[404], &[404]),
        Case { build: Some("10.0.17763"), ..case("node newer than the build", "DDF: SecurityKey from 10.0.18362; DESIGN row 5", vec![get(2, &csp("SecurityKey"))], &[404], &[404]) },
        case("node of the build", "DDF: SecurityKey from 10.0.18362", vec![get(2, &csp("SecurityKey"))], &[200], &[404]),
        Case { build: Some("10.0.22000.100"), ..case("Insider-only node on a release", "DESIGN \"The schema\"", vec![add(2, &pol("DisablePostLogonCredentialCaching"), "bool", "true")], &[404], &[404]) },
        Case { build: Some("99.9.99999"), ..case("Insider-only node on Insider", "DESIGN \"The schema\"", vec![add(2, &pol("DisablePostLogonCredentialCaching"), "bool", "true")], &[200], &[404]) },
        Case { edition: Some("0x2"), ..case("edition not in the allow list", "DDF EditionAllowList; DESIGN row 5", vec![get(2, P)], &[404], &[404]) },
        // Row 6: AccessType.
        case("Replace on an interior node", "[WinOMA] 405; DESIGN row 6", vec![cmd("Replace", 2, &pol("PINComplexity"), Some("node"), None)], &[405], &[405]).after(vec![add(1, &min(), "int", "6")]),
        case("Add of a permanent node that exists", "DESIGN row 6 (OMA lists 418 or 405); in ./User the name is a {TenantId} instance (DDF)", vec![add_node(2, &csp("Biometrics"))], &[405], &[200]),
        case("Delete of a read-only permanent node", "DDF AccessType Get; DESIGN row 6; in ./User a missing {TenantId} instance (row 7)", vec![delete(2, &csp("Biometrics"))], &[405], &[404]),
        case("Delete of the CSP root", "OMA §4.1.6.5; DESIGN rows 6-7", vec![delete(2, P)], &[405], &[405]),
        case("Exec of a leaf", "DDF AccessType has no Exec; DESIGN row 6", vec![cmd("Exec", 2, &use_pfw(), None, None)], &[405], &[405]).after(vec![add(1, &use_pfw(), "bool", "true")]),
        // The root `.` and the nodes above the CSPs (README "Ordered checks": the root).
        case("Get of the root", "[OMA-DMP] §4.1.6.7: Get of an interior node lists its children; README: the root lists the top-level names", vec![get(2, ".")], &[200], &[200]),
        case("Get of the scope's root", "README: ./Device is the device's root, ./User the user's", vec![get(2, "{S}")], &[200], &[200]),
        case("Get above a CSP", "README: the Path segments above a CSP are interior nodes", vec![get(2, "{S}/Vendor"), get(3, "{S}/Vendor/MSFT")], &[200, 200], &[200, 200]),
        case("Get of a name not above any CSP", "DESIGN row 5", vec![get(2, "{S}/Nowhere"), get(3, "{S}/Vendor/Nowhere")], &[404, 404], &[404, 404]),
        case("Delete of the root", "[OMA-DMP] §4.1.6.5 rule 3: the root node (.) cannot be deleted → 405", vec![delete(2, ".")], &[405], &[405]),
        case("Delete above a CSP", "[OMA-DMP] §4.1.6.5 rule 2: permanent nodes cannot be deleted → 405", vec![delete(2, "{S}/Vendor/MSFT")], &[405], &[405]),
        case("Add of the root", "[OMA-DMP] Add table 405; README: the root allows Get only", vec![add_node(2, "."), add_node(3, "{S}/Vendor")], &[405, 405], &[405, 405]),
        case("Replace of the root", "[WinOMA] 405; DESIGN row 6: Replace on an interior node", vec![cmd("Replace", 2, ".", Some("node"), None)], &[405], &[405]),
        case("Get of the root with a query", "DESIGN row 10: no DDF describes the root → 406", vec![get(2, ".?list=Struct"), get(3, ".?prop=Format")], &[406, 406], &[406, 406]),
        case("Copy to the root", "DESIGN row 10: Copy 406 once the target is valid", vec![cmd("Copy", 2, ".", None, None)], &[406], &[406]),
        // Row 7: existence.
        case("Add of an existing node", "[WinOMA] 418", vec![add(2, &use_pfw(), "bool", "false")], &[418], &[418]).after(vec![add(1, &use_pfw(), "bool", "true")]),
        case("Add of an existing tenant", "[WinOMA] 418", vec![add_node(2, &tenant()), add_node(3, &tenant())], &[200, 418], &[200, 418]),
        case("Replace never creates", "[OMA-DMP] §4.1.6.11; [MS-MDM] §3.1.5.1.7", vec![replace(2, &use_pfw(), "bool", "true"), get(3, &use_pfw())], &[404, 404], &[404, 404]),
        case("Get of a leaf never set", "[WinOMA] 404; DESIGN other rules", vec![get(2, &min())], &[404], &[404]).after(vec![add_node(1, &tenant())]),
        case("Delete of a missing node", "[OMA-DMP] Delete table", vec![delete(2, &min())], &[404], &[404]),
        // Row 8: Meta Format.
        case("Format chr on an int node", "[OMA-DMP] 415; DESIGN row 8", vec![add(2, &min(), "chr", "6")], &[415], &[415]),
        case("Format node on a leaf", "DESIGN row 8", vec![add(2, &min(), "node", "6")], &[415], &[415]),
        case("no Format means the node's", "DESIGN row 8", vec![cmd("Add", 2, &min(), None, Some("6"))], &[200], &[200]),
        case("Format int on the tenant node", "DESIGN row 8 (interior nodes are node)", vec![cmd("Add", 2, &tenant(), Some("int"), None)], &[415], &[415]),
        case("Format node on the tenant node", "DESIGN row 8", vec![cmd("Add", 2, &tenant(), Some("node"), None)], &[200], &[200]),
        // Row 9: values.
        case("bool 1", "DESIGN Values: 1 is 400", vec![add(2, &use_pfw(), "bool", "1")], &[400], &[400]),
        case("bool 0", "DESIGN Values: 0 is 400", vec![add(2, &use_pfw(), "bool", "0")], &[400], &[400]),
        case("bool yes", "DESIGN Values: yes is 400", vec![add(2, &use_pfw(), "bool", "yes")], &[400], &[400]),
        case("bool TRUE", "DESIGN Values: any case", vec![add(2, &use_pfw(), "bool", "TRUE")], &[200], &[200]),
        case("int not a number", "DESIGN Values", vec![add(2, &min(), "int", "six")], &[400], &[400]),
        case("int overflow", "DESIGN Values: overflow is 400", vec![add(2, &min(), "int", "2147483648")], &[400], &[400]),
        case("int with a plus sign", "DESIGN Values: optional leading - only", vec![add(2, &min(), "int", "+6")], &[400], &[400]),
        case("MinimumPINLength 3", "DDF Range [4-127]; DESIGN: out of range is 400", vec![add(2, &min(), "int", "3")], &[400], &[400]),
        case("MinimumPINLength 4", "DDF Range [4-127]", vec![add(2, &min(), "int", "4")], &[200], &[200]),
        case("MinimumPINLength 127", "DDF Range [4-127]", vec![add(2, &min(), "int", "127")], &[200], &[200]),
        case("MinimumPINLength 128", "DDF Range [4-127]", vec![add(2, &min(), "int", "128")], &[400], &[400]),
        case("Digits 3", "DDF ENUM 0|1|2", vec![add(2, &pol("PINComplexity/Digits"), "int", "3")], &[400], &[400]),
        case("EnableESS 2", "DDF ENUM 0|1", vec![add(2, &csp("Biometrics/EnableESSwithSupportedPeripherals"), "int", "2")], &[400], &[404]),
        case("GroupA one braced GUID", "DDF RegEx; seed 2019 list", vec![add(2, &group_a(), "chr", G1)], &[200], &[404]),
        case("GroupA two GUIDs", "seed 2019: comma-separated list, each item matches", vec![add(2, &group_a(), "chr", &format!("{G1},{G2}"))], &[200], &[404]),
        case("GroupA GUID without braces", "DDF RegEx anchored, literal {", vec![add(2, &group_a(), "chr", "D6886603-9D2F-4EB2-B667-1971041FA96B")], &[400], &[404]),
        case("GroupA list with a bad item", "DESIGN Values: each item must match", vec![add(2, &group_a(), "chr", &format!("{G1},x"))], &[400], &[404]),
        case("Data over the value limit", "DESIGN row 9: 413", vec![add(2, &csp("DeviceUnlock/Plugins"), "chr", &"p".repeat(65 * 1024 + 1))], &[413], &[404]),
        // Row 10: optional features.
        case("Copy", "DESIGN row 10: 406", vec![cmd("Copy", 2, &use_pfw(), None, None)], &[406], &[406]),
        case("Copy with a bad URI", "DESIGN: rows 3-5 come first", vec![cmd("Copy", 2, "/bad", None, None)], &[400], &[400]),
        case("MoreData", "DESIGN row 10: large objects 406", vec![format!("<Add><CmdID>2</CmdID><Item><Target><LocURI>{}</LocURI></Target><Data>tr</Data><MoreData/></Item></Add>", pol("EnablePinRecovery"))], &[400], &[400]),
        case("MoreData on chr", "DESIGN row 10: large objects 406", vec![format!("<Add><CmdID>2</CmdID><Item><Target><LocURI>{}</LocURI></Target><Data>p1</Data><MoreData/></Item></Add>", csp("DynamicLock/Plugins"))], &[406], &[404]),
        case("?prop=ACL", "[MS-MDM] §3.1.7.1 no ACL; [OMA-DMP] 406", vec![get(2, &format!("{P}?prop=ACL"))], &[406], &[406]),
        case("?prop=Format", "DESIGN: properties a DDF-driven tree can answer", vec![get(2, &format!("{P}?prop=Format"))], &[200], &[200]),
        case("?prop=TStamp", "DESIGN row 10", vec![get(2, &format!("{P}?prop=TStamp"))], &[406], &[406]),
        case("?list=Struct", "[OMA-DMP] §8.4.1", vec![get(2, &format!("{P}?list=Struct"))], &[200], &[200]),
        case("?list=StructData", "[OMA-DMP] §8.4.1", vec![get(2, &format!("{P}?list=StructData"))], &[200], &[200]),
        case("?list=TNDS", "DESIGN row 10: unsupported list 406", vec![get(2, &format!("{P}?list=TNDS"))], &[406], &[406]),
        case("unknown query", "DESIGN row 10", vec![get(2, &format!("{P}?foo=bar"))], &[406], &[406]),
        case("?prop on Replace", "DESIGN row 10", vec![replace(2, &format!("{}?prop=Title", use_pfw()), "bool", "true")], &[406], &[406]).after(vec![add(1, &use_pfw(), "bool", "true")]),
        // Containers.
        case("Atomic that succeeds", "DESIGN Containers", vec![atomic(2, &[add(3, &use_pfw(), "bool", "true"), add(4, &min(), "int", "6")])], &[200, 200, 200], &[200, 200, 200]),
        // Atomic as Windows answers it: every member runs, every member that did not fail is
        // 216, also after the failure (reference/protocol-facts.md "Atomic on Windows":
        // fleetdm/fleet #17283, a Windows 10 19041 device answered 216, 216, 500, 216).
        case("Atomic with a failing member", "protocol-facts \"Atomic on Windows\" (fleetdm/fleet #17283): the member after the failure is 216, not OMA's 215", vec![atomic(2, &[add(3, &use_pfw(), "bool", "true"), add(4, &pol("Nope"), "bool", "true"), add(5, &min(), "int", "6")])], &[507, 216, 404, 216], &[507, 216, 404, 216]),
        case("Atomic: four members, the third fails", "fleetdm/fleet #17283 (Windows 10 19041): 216, 216, fail, 216", vec![atomic(2, &[add(3, &use_pfw(), "bool", "true"), add(4, &min(), "int", "6"), add(5, &pol("Nope"), "bool", "true"), add(6, &pol("RequireSecurityDevice"), "bool", "true")])], &[507, 216, 216, 404, 216], &[507, 216, 216, 404, 216]),
        case("Atomic: the first member fails", "fleetdm/fleet microsoft_mdm_test.go \"user-channel write rejected with 500\" (measured on hardware): failing first member, the next 216", vec![atomic(2, &[add(3, &pol("Nope"), "bool", "true"), add(4, &use_pfw(), "bool", "true")])], &[507, 404, 216], &[507, 404, 216]),
        case("Atomic: two failures keep two codes", "protocol-facts \"Atomic on Windows\": each failing member keeps its own code", vec![atomic(2, &[add(3, &pol("Nope"), "bool", "true"), add(4, &use_pfw(), "bool", "true"), add(5, &min(), "bool", "true")])], &[507, 404, 216, 415], &[507, 404, 216, 415]),
        case("Atomic: a member sees the members before it", "DESIGN Containers: members run in order inside the transaction (the second Add of the same node is 418)", vec![atomic(2, &[add(3, &use_pfw(), "bool", "true"), add(4, &use_pfw(), "bool", "true"), add(5, &min(), "int", "6")])], &[507, 216, 418, 216], &[507, 216, 418, 216]),
        case("Atomic: an Add under a node an earlier member created", "DESIGN Containers: a member's effects are visible to the members after it", vec![atomic(2, &[add_node(3, &tenant()), add(4, &min(), "int", "6"), add(5, &pol("Nope"), "bool", "true")])], &[507, 216, 216, 404], &[507, 216, 216, 404]),
        case("Atomic: members without a CmdID", "[WinOMA] no CmdID → 400; fleetdm/fleet PR #15277 (a Windows VM answered 400 for each CmdID-less member)", vec![atomic(2, &[format!("<Add><Item><Target><LocURI>{}</LocURI></Target><Data>true</Data></Item></Add>", use_pfw()), format!("<Add><Item><Target><LocURI>{}</LocURI></Target><Data>6</Data></Item></Add>", min())])], &[507, 400, 400], &[507, 400, 400]),
        case("empty Atomic", "DESIGN Containers: 200", vec![atomic(2, &[])], &[200], &[200]),
        // The nested Atomic is refused whole: its members never run (215, the one place pfw
        // still answers it; README "Containers").
        case("nested Atomic", "[WinOMA] nested → 500, parent 507", vec![atomic(2, &[add(3, &use_pfw(), "bool", "true"), atomic(4, &[add(5, &min(), "int", "6")])])], &[507, 216, 500, 215], &[507, 216, 500, 215]),
        case("nested Atomic in a Sequence in an Atomic", "[WinOMA] nested → 500; DESIGN Containers: at any depth", vec![atomic(2, &[sequence(3, &[atomic(4, &[add(5, &min(), "int", "6")])])])], &[507, 216, 500, 215], &[507, 216, 500, 215]),
        case("Get in a Sequence in an Atomic", "[WinOMA] Get in Atomic → 500; DESIGN Containers: a Sequence does not lift it", vec![atomic(2, &[add(3, &use_pfw(), "bool", "true"), sequence(4, &[get(5, &use_pfw())])])], &[507, 216, 216, 500], &[507, 216, 216, 500]),
        case("Add then Replace across a Sequence in an Atomic", "[WinOMA] not supported; DESIGN Containers: at any depth", vec![atomic(2, &[add(3, &use_pfw(), "bool", "true"), sequence(4, &[replace(5, &use_pfw(), "bool", "false")])])], &[507, 216, 216, 500], &[507, 216, 216, 500]),
        case("Get inside Atomic", "[WinOMA] Get in Atomic → 500, parent 507", vec![atomic(2, &[add(3, &use_pfw(), "bool", "true"), get(4, &use_pfw())])], &[507, 216, 500], &[507, 216, 500]),
        case("Add then Replace in Atomic", "[WinOMA] not supported; DESIGN: the Replace is 500", vec![atomic(2, &[add(3, &use_pfw(), "bool", "true"), replace(4, &use_pfw(), "bool", "false")])], &[507, 216, 500], &[507, 216, 500]),
        case("Sequence goes on after a failure", "[OMA-DMP] §4.1.6.14; DESIGN Containers", vec![sequence(2, &[add(3, &use_pfw(), "bool", "true"), add(4, &pol("Nope"), "bool", "true"), add(5, &min(), "int", "6")])], &[200, 200, 404, 200], &[200, 200, 404, 200]),
        case(
            "Sequence inside a failing Atomic",
            "[OMA-DMP] §4.1.6.3: every member that ran is rolled back (216), the failing one keeps its code",
            vec![atomic(2, &[sequence(3, &[add(4, &use_pfw(), "bool", "true"), add(5, &pol("Nope"), "bool", "true"), add(6, &min(), "int", "6")])])],
            &[507, 216, 216, 404, 216],
            &[507, 216, 216, 404, 216],
        ),
        case("Atomic inside Sequence", "DESIGN Containers", vec![sequence(2, &[atomic(3, &[add(4, &pol("Nope"), "bool", "true")]), add(5, &min(), "int", "6")])], &[200, 507, 404, 200], &[200, 507, 404, 200]),
        // Other rules.
        case("whitespace around a LocURI", "seed 2019 example; DESIGN other rules: trimmed", vec![add(2, &format!("\n      {}\n    ", use_pfw()), "bool", "true")], &[200], &[200]),
        case("implicit parents", "[WinOMA] implicit Add", vec![add(2, &min(), "int", "6")], &[200], &[200]),
        case("Delete of an interior node", "[WinOMA] Delete removes the subtree", vec![delete(2, &tenant()), get(3, &min())], &[200, 404], &[200, 404]).after(vec![add(1, &min(), "int", "6")]),
        case("Get of an interior node", "[WinOMA] child names", vec![get(2, &tenant())], &[200], &[200]).after(vec![add(1, &min(), "int", "6")]),
        case("Alert 1201", "[OMA-DMP] §4.1.6.2: processed 200", vec!["<Alert><CmdID>2</CmdID><Data>1201</Data></Alert>".to_owned()], &[200], &[200]),
        case("Alert not understood", "[OMA-DMP] §4.1.6.2: 406", vec!["<Alert><CmdID>2</CmdID><Data>9999</Data></Alert>".to_owned()], &[406], &[406]),
        case("incoming Status and Results are not answered", "DESIGN other rules", vec!["<Status><CmdID>2</CmdID><MsgRef>1</MsgRef><CmdRef>1</CmdRef><Cmd>Get</Cmd><Data>200</Data></Status>".to_owned(), add(3, &use_pfw(), "bool", "true")], &[200], &[200]),
        case("TenantId not a GUID", "DESIGN: accepted (Microsoft's own example)", vec![add_node(2, &format!("{P}/5NEMDU42-45CC-8CBL-8BPF-D7092646325F"))], &[200], &[200]),
        Case { strict: true, ..case("TenantId not a GUID, strict", "DESIGN: --strict answers 400", vec![add_node(2, &format!("{P}/5NEMDU42-45CC-8CBL-8BPF-D7092646325F"))], &[400], &[400]) },
        Case { strict: true, ..case("implicit non-GUID tenant, strict", "DESIGN: --strict answers 400", vec![add(2, &format!("{P}/not-a-guid/Policies/UsePassportForWork"), "bool", "true")], &[400], &[400]) },
        Case { strict: true, ..case("GUID tenant, strict", "DESIGN", vec![add_node(2, &tenant())], &[200], &[200]) },
    ]
}

fn run(case: &Case, backend: Backend, scope: &str) -> Vec<u16> {
    let mut device = Device::new(backend);
    if let Some(build) = case.build {
        device.set_property("build", build);
    }
    if let Some(edition) = case.edition {
        let id = pfw_tree::device::parse_edition(edition).expect("edition");
        device.set_property("edition", &id.to_string());
    }
    let user = (scope == "./User" && !case.no_user).then_some("alice");
    let options = Options {
        user,
        strict: case.strict,
        ..Options::default()
    };
    let fill = |parts: &[String]| {
        message(&parts.concat())
            .replace("{S}", scope)
            .replace("{T}", TENANT)
    };
    if !case.setup.is_empty() {
        let setup = device.apply(&fill(&case.setup), &options);
        assert!(
            setup.all_succeeded(),
            "{}: setup failed in {scope}: {:?}",
            case.line,
            setup.reports
        );
    }
    let outcome = device.apply(&fill(&case.body), &options);
    outcome.reports.iter().map(|r| r.status.code()).collect()
}

#[test]
fn behaviour_table() {
    let mut failures = Vec::new();
    for case in cases() {
        for backend in [Backend::Memory, Backend::Sqlite] {
            for (scope, expected) in [("./Device", &case.device), ("./User", &case.user)] {
                let got = run(&case, backend, scope);
                if &got != expected {
                    failures.push(format!(
                        "{} [{}] {backend:?} {scope}: expected {expected:?}, got {got:?}",
                        case.line, case.source
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn user_uri_without_a_user_is_405() {
    // DESIGN row 4.
    for backend in [Backend::Memory, Backend::Sqlite] {
        let mut device = Device::new(backend);
        let uri =
            format!("./User/Vendor/MSFT/PassportForWork/{TENANT}/Policies/UsePassportForWork");
        let outcome = device.apply(&message(&add(2, &uri, "bool", "true")), &Options::default());
        assert_eq!(outcome.reports[0].status.code(), 405, "{backend:?}");
    }
}

#[test]
fn failed_atomic_leaves_the_state_as_before() {
    // DESIGN Containers: members already run are rolled back (persistent store included).
    for backend in [Backend::Memory, Backend::Sqlite] {
        let mut device = Device::new(backend);
        let base = format!("./Device/Vendor/MSFT/PassportForWork/{TENANT}/Policies");
        device.apply(
            &message(&add(
                1,
                &format!("{base}/UsePassportForWork"),
                "bool",
                "true",
            )),
            &Options::default(),
        );
        let before = device.dump();
        let body = atomic(
            2,
            &[
                replace(3, &format!("{base}/UsePassportForWork"), "bool", "false"),
                add(
                    4,
                    &format!("{base}/PINComplexity/MinimumPINLength"),
                    "int",
                    "8",
                ),
                add(
                    5,
                    "./Device/Vendor/MSFT/PassportForWork/other-tenant/Policies/UsePassportForWork",
                    "bool",
                    "true",
                ),
                add(6, &format!("{base}/PINComplexity/Digits"), "int", "9"),
            ],
        );
        let outcome = device.apply(&message(&body), &Options::default());
        let codes: Vec<u16> = outcome.reports.iter().map(|r| r.status.code()).collect();
        assert_eq!(codes, [507, 216, 216, 216, 400], "{backend:?}");
        assert_eq!(
            device.dump(),
            before,
            "{backend:?}: the tree is logically unchanged"
        );
    }
}

#[test]
fn values_are_stored_canonically_and_children_listed() {
    let mut device = Device::new(Backend::Sqlite);
    let base = format!("./Device/Vendor/MSFT/PassportForWork/{TENANT}/Policies");
    let setup = [
        add(1, &format!("{base}/UsePassportForWork"), "bool", "TRUE"),
        add(
            2,
            &format!("{base}/PINComplexity/MinimumPINLength"),
            "int",
            "008",
        ),
    ];
    assert!(
        device
            .apply(&message(&setup.concat()), &Options::default())
            .all_succeeded()
    );
    let gets = [
        get(3, &format!("{base}/UsePassportForWork")),
        get(4, &format!("{base}/PINComplexity/MinimumPINLength")),
        get(
            5,
            &format!("./Device/Vendor/MSFT/PassportForWork/{TENANT}/Policies"),
        ),
        get(6, "./Device/Vendor/MSFT/PassportForWork"),
    ];
    let outcome = device.apply(&message(&gets.concat()), &Options::default());
    let results: Vec<(String, Option<String>, Option<String>)> = outcome
        .response
        .body
        .commands
        .iter()
        .filter_map(|c| match c {
            pfw_syncml::Command::Results(r) => Some(r),
            _ => None,
        })
        .flat_map(|r| r.items.iter())
        .map(|i| {
            (
                i.source_uri().unwrap_or("").to_owned(),
                i.meta
                    .as_ref()
                    .and_then(|m| m.format.as_deref().map(str::to_owned)),
                i.data_text().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(results[0].1.as_deref(), Some("bool"));
    assert_eq!(
        results[0].2.as_deref(),
        Some("true"),
        "bool stored as true/false"
    );
    assert_eq!(results[1].1.as_deref(), Some("int"));
    assert_eq!(
        results[1].2.as_deref(),
        Some("8"),
        "int stored without leading zeros"
    );
    assert_eq!(results[2].1.as_deref(), Some("node"));
    assert_eq!(
        results[2].2.as_deref(),
        Some("UsePassportForWork/PINComplexity"),
        "stored children in schema order"
    );
    // The CSP root lists the tenant and the permanent children the device's build has.
    assert_eq!(
        results[3].2.as_deref(),
        Some(&*format!(
            "{TENANT}/Biometrics/DeviceUnlock/DynamicLock/SecurityKey"
        ))
    );
    assert_eq!(
        results[3].0, "./Device/Vendor/MSFT/PassportForWork",
        "Source is the URI as requested"
    );
}

#[test]
fn node_cap_answers_420_and_counts_follow_deletes() {
    // README "Limits": nodes per tree instance; 420 (device full) for the Add beyond it.
    for backend in [Backend::Memory, Backend::Sqlite] {
        let mut device = Device::new(backend);
        let limits = pfw_syncml::Limits {
            max_nodes_per_tree: 5,
            ..pfw_syncml::Limits::DEFAULT
        };
        device.engine = pfw_engine::Engine::new(device.engine.registry().clone(), limits);
        let base = format!("./Device/Vendor/MSFT/PassportForWork/{TENANT}");
        let body = [
            add(
                2,
                &format!("{base}/Policies/UsePassportForWork"),
                "bool",
                "true",
            ), // tenant, Policies, leaf: 3
            add(
                3,
                &format!("{base}/Policies/RequireSecurityDevice"),
                "bool",
                "true",
            ), // 4
            add(
                4,
                &format!("{base}/Policies/EnablePinRecovery"),
                "bool",
                "true",
            ), // 5
            add(
                5,
                &format!("{base}/Policies/UseCertificateForOnPremAuth"),
                "bool",
                "true",
            ), // 6: over
            delete(6, &base), // back to 0
            add(
                7,
                &format!("{base}/Policies/UseCertificateForOnPremAuth"),
                "bool",
                "true",
            ), // 3
        ];
        let outcome = device.apply(&message(&body.concat()), &Options::default());
        let codes: Vec<u16> = outcome.reports.iter().map(|r| r.status.code()).collect();
        assert_eq!(codes, [200, 200, 200, 420, 200, 200], "{backend:?}");
    }
}
