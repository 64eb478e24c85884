//! The example messages of the CSP pages, exactly as published, through `pfw apply` on a fresh
//! device: every command's status with the reason for it, the exit code, the response's shape,
//! and the answers when the same message comes again.

use pfw_syncml::SyncMl;

use crate::support::{SEED_2019, SEED_CURRENT, TestDevice, decode, seed_message, shared, statuses};

/// One row of the tables below: CmdID => status, node, why. (Defined first: macros are
/// textual.)
macro_rules! row {
    ($id:literal => $status:literal, $node:literal, $why:literal) => {
        Expect {
            cmd_id: $id,
            status: $status,
            node: $node,
            why: $why,
        }
    };
}

#[test]
fn seed_2019_on_a_fresh_device_then_again() {
    // One command failed (CmdID 15), so the exit code is 1 both times.
    fresh_then_again(SEED_2019_EXPECT.iter().collect(), SEED_2019);
}

#[test]
fn current_seed_on_a_fresh_device_then_again() {
    fresh_then_again(
        SEED_2019_EXPECT.iter().chain(SEED_CURRENT_EXTRA).collect(),
        SEED_CURRENT,
    );
}

/// A seed's message applied to a fresh device, then again: the statuses of `expect`, then
/// 418 for every Add that succeeded (it now finds its node) and the same refusals as before.
fn fresh_then_again(expect: Vec<&Expect>, seed: &str) {
    let message = seed_message(seed);
    check_table_against_microsoft_ddf(&message, &expect);
    let device = TestDevice::new();

    let first = device.apply(&message, &[]);
    assert_eq!(first.code, Some(1), "{first:?}");
    check_response(&message, &first.stdout, &expect, |x| x.status);

    let again = device.apply(&message, &[]);
    assert_eq!(again.code, Some(1), "{again:?}");
    check_response(&message, &again.stdout, &expect, |x| {
        if x.status == 200 { 418 } else { x.status }
    });
}

/// On a device older than the node's first build, CmdID 16 is 404 (DESIGN.md row 5: a node
/// newer than the build), while the 2019 commands answer as on the default device.
#[test]
fn current_seed_on_an_older_build() {
    let message = seed_message(SEED_CURRENT);
    let device = TestDevice::new();
    let build = device.run(&["device", "build", "10.0.19045.4239"]);
    assert_eq!(build.code, Some(0), "{build:?}");
    let run = device.apply(&message, &[]);
    assert_eq!(run.code, Some(1), "{run:?}");
    let newer_than_build =
        row!("16" => 404, "EnableESSwithSupportedPeripherals", "from build 10.0.22621");
    let expect: Vec<&Expect> = SEED_2019_EXPECT.iter().chain([&newer_than_build]).collect();
    check_response(&message, &run.stdout, &expect, |x| x.status);
}

/// The response: `<SyncHdr/>` (the request has none) and its Status (CmdID 1), then one Status
/// per command in request order, CmdIDs from 2, MsgRef 1 (no request MsgID), CmdRef the request's CmdID, Cmd `Add`, and the
/// expected code.
#[track_caller]
fn check_response(
    request: &str,
    response: &str,
    expect: &[&Expect],
    code: impl Fn(&Expect) -> u16,
) {
    // Windows's local API answers a message without SyncHdr with `<SyncHdr/>` and that
    // SyncHdr's Status first (Microsoft Learn, DeviceManageability CSP, "Result of the
    // query"; ms-iot/iot-core-azure-dm-client #84).
    assert!(
        response.starts_with("<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr/><SyncBody><Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>"),
        "{response}"
    );
    let decoded = decode(response);
    assert!(decoded.hdr.as_ref().is_some_and(|h| h.is_local()));
    let request =
        SyncMl::decode(request.as_bytes(), &pfw_syncml::Limits::DEFAULT).expect("the seed decodes");
    let request_ids: Vec<&str> = request
        .body
        .commands
        .iter()
        .filter_map(|c| c.cmd_id().map(|id| id.as_str()))
        .collect();
    let expected_ids: Vec<&str> = expect.iter().map(|x| x.cmd_id).collect();
    assert_eq!(
        request_ids, expected_ids,
        "the table covers every command of the seed"
    );

    let got = &statuses(&decoded)[1..];
    assert_eq!(got.len(), expect.len(), "{response}");
    for (n, (status, x)) in got.iter().zip(expect).enumerate() {
        let cmd_id = (n + 2).to_string();
        assert_eq!(
            status.head.cmd_id.as_ref().map(|c| c.as_str()),
            Some(cmd_id.as_str())
        );
        assert_eq!(status.msg_ref.as_deref(), Some("1"), "CmdID {}", x.cmd_id);
        assert_eq!(status.cmd_ref, x.cmd_id);
        assert_eq!(status.cmd, "Add");
        assert_eq!(
            status.data.text,
            code(x).to_string(),
            "CmdID {} ({}): {}",
            x.cmd_id,
            x.node,
            x.why
        );
    }
}

/// The table's reasons hold in Microsoft's current DDF: each node the table expects to exist
/// is named there (the tenant is a dynamic name), and the misspelled one is not. Also checks
/// that each row's node is the last segment of that command's URI.
#[track_caller]
fn check_table_against_microsoft_ddf(message: &str, expect: &[&Expect]) {
    let ddf_path = shared("ddf/microsoft/PassportForWork.xml");
    let ddf = std::fs::read_to_string(&ddf_path).expect("Microsoft's DDF is readable");
    let request =
        SyncMl::decode(message.as_bytes(), &pfw_syncml::Limits::DEFAULT).expect("the seed decodes");
    for (command, x) in request.body.commands.iter().zip(expect) {
        let pfw_syncml::Command::Add(add) = command else {
            panic!("the seeds hold only Add commands");
        };
        let uri = add.items[0].target_uri().expect("a target");
        assert!(
            uri.ends_with(&format!("/{}", x.node)),
            "CmdID {}: {uri}",
            x.cmd_id
        );
        if x.cmd_id == "2" {
            continue;
        }
        let named = ddf.contains(&format!("<NodeName>{}</NodeName>", x.node));
        assert_eq!(
            named,
            x.status == 200,
            "CmdID {} ({}): {}",
            x.cmd_id,
            x.node,
            x.why
        );
    }
}

/// One command of a seed message: its CmdID, the status a fresh device (build 10.0.26100,
/// Enterprise, TPM 2.0) answers, the node's last segment, and why.
struct Expect {
    cmd_id: &'static str,
    status: u16,
    node: &'static str,
    why: &'static str,
}

/// Seed 000 (2019 page). Every node fact from Microsoft's PassportForWork DDF.
#[rustfmt::skip]
const SEED_2019_EXPECT: &[Expect] = &[
    row!("2" => 200, "5NEMDU42-45CC-8CBL-8BPF-D7092646325F", "a {TenantId} (dynamic, Add allowed); not a GUID, which DESIGN.md accepts outside --strict"),
    row!("3" => 200, "UsePassportForWork", "bool, Add allowed, value true"),
    row!("4" => 200, "RequireSecurityDevice", "bool, Add allowed, value true"),
    row!("5" => 200, "MinimumPINLength", "int, range 4-127, value 8"),
    row!("6" => 200, "MaximumPINLength", "int, range 4-127, value 16"),
    row!("7" => 200, "UppercaseLetters", "int, enum 0/1/2, value 0"),
    row!("8" => 200, "LowercaseLetters", "int, enum 0/1/2, value 1"),
    row!("9" => 200, "SpecialCharacters", "int, enum 0/1/2, value 2"),
    row!("10" => 200, "Digits", "int, enum 0/1/2, value 1"),
    row!("11" => 200, "History", "int, range 0-50, value 20"),
    row!("12" => 200, "Expiration", "int, range 0-730, value 70"),
    row!("13" => 200, "UseRemotePassport", "bool under Policies/Remote (created implicitly), value true"),
    row!("14" => 200, "UseBiometrics", "bool under the permanent Biometrics node, value true"),
    row!("15" => 404, "FacialFeatureUseEnhancedAntiSpoofing", "misspelled: the DDF's node is FacialFeaturesUseEnhancedAntiSpoofing"),
];

/// Seed 003 (current French page): the 2019 commands, then one more.
#[rustfmt::skip]
const SEED_CURRENT_EXTRA: &[Expect] = &[
    row!("16" => 200, "EnableESSwithSupportedPeripherals", "int, enum 0/1, value 0; from build 10.0.22621, the device has 10.0.26100"),
];
