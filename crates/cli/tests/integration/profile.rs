//! The example profile `examples/windows-hello-profile.xml` (with a SyncHdr) through
//! `pfw apply`, then the policy it puts in force.

use pfw_syncml::{Command, Limits, SyncMl};

use crate::support::{TestDevice, decode, statuses};

#[test]
fn example_profile_applies_whole_and_sets_the_policy() {
    let text = std::fs::read_to_string(PROFILE).expect("the example profile is readable");
    let request = SyncMl::decode(text.as_bytes(), &Limits::DEFAULT).expect("the profile decodes");
    let request_hdr = request.hdr.as_ref().expect("the profile has a SyncHdr");
    let device = TestDevice::new();

    let run = device.apply(&text, &[]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let response = decode(&run.stdout);

    // The response's SyncHdr: the request's Target and Source swapped.
    let hdr = response
        .hdr
        .as_ref()
        .expect("a SyncHdr, since the request has one");
    assert_eq!(
        hdr.target.as_ref().map(|t| t.loc_uri.text.as_str()),
        request_hdr.source.as_ref().map(|s| s.loc_uri.text.as_str())
    );
    assert_eq!(
        hdr.source.as_ref().map(|s| s.loc_uri.text.as_str()),
        request_hdr.target.as_ref().map(|t| t.loc_uri.text.as_str())
    );
    assert_eq!(hdr.session_id, request_hdr.session_id);

    // The SyncHdr's Status first, then one 200 per command, in order.
    let got = statuses(&response);
    let msg_id = request_hdr.msg_id.as_str();
    assert_eq!(msg_id, "2", "the example's MsgID");
    let header = got.first().expect("at least the SyncHdr's Status");
    assert_eq!(
        (
            header.cmd_ref.as_str(),
            header.cmd.as_str(),
            header.msg_ref.as_deref()
        ),
        ("0", "SyncHdr", Some(msg_id))
    );
    assert_eq!(header.data.text, "200");
    let commands: Vec<&Command> = request.body.commands.iter().collect();
    assert_eq!(got.len(), commands.len() + 1);
    for (n, (status, command)) in got[1..].iter().zip(&commands).enumerate() {
        let cmd_id = command
            .cmd_id()
            .expect("every command has a CmdID")
            .as_str();
        assert_eq!(status.cmd_ref, cmd_id);
        assert_eq!(status.cmd, "Add");
        assert_eq!(status.msg_ref.as_deref(), Some(msg_id));
        assert_eq!(
            status.head.cmd_id.as_ref().map(|c| c.as_str()),
            Some((n + 2).to_string().as_str())
        );
        assert_eq!(status.data.text, "200", "CmdID {cmd_id}");
    }

    // `pfw policy --json`: each value the profile set, with source "device".
    let policy = device.policy(&[]);
    let tenant = policy["tenant"].as_str().expect("a tenant is chosen");
    assert_eq!(policy["tenant_reason"], "only-tenant-present");
    let mut checked = 0;
    for command in &commands {
        let Command::Add(add) = command else {
            panic!("the profile holds only Add commands");
        };
        let item = &add.items[0];
        let uri = item.target_uri().expect("a target");
        let below = uri
            .strip_prefix("./Device/Vendor/MSFT/PassportForWork/")
            .expect("a device PassportForWork URI");
        let key = below
            .strip_prefix(&format!("{tenant}/Policies/"))
            .unwrap_or(below);
        let setting = &policy["policies"][key];
        let data = item.data_text().expect("every Add sets a value");
        let expected = match add.format_of(item) {
            Some("bool") => serde_json::Value::Bool(data.parse().expect("a bool")),
            Some("int") => serde_json::Value::from(data.parse::<i64>().expect("an int")),
            other => panic!("unexpected format {other:?}"),
        };
        assert_eq!(setting["value"], expected, "{key}: {setting}");
        assert_eq!(setting["source"], "device", "{key}: {setting}");
        checked += 1;
    }
    assert_eq!(checked, commands.len());
}

const PROFILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/windows-hello-profile.xml"
);
