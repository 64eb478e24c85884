//! Microsoft's PassportForWork example messages, read from the CSP pages at test time.

use pfw_syncml::Command;

use crate::util::{assert_round_trip, decode, item_command};

/// The tenant name Microsoft's example uses (not a GUID: seed 000, samples.md §A).
const TENANT: &str = "./Vendor/MSFT/PassportForWork/5NEMDU42-45CC-8CBL-8BPF-D7092646325F";

/// One expected command of the seed example: CmdID, LocURI (trimmed), Meta Format, Data.
type Expected = (
    &'static str,
    String,
    Option<&'static str>,
    Option<&'static str>,
);

/// The commands both seed pages share, CmdID 2 to 15, as the pages list them.
fn common_commands() -> Vec<Expected> {
    let policy = |leaf: &str| format!("{TENANT}/Policies/{leaf}");
    let pin = |leaf: &str| format!("{TENANT}/Policies/PINComplexity/{leaf}");
    let bio = |leaf: &str| format!("./Vendor/MSFT/PassportForWork/Biometrics/{leaf}");
    vec![
        ("2", TENANT.to_owned(), None, None),
        (
            "3",
            policy("UsePassportForWork"),
            Some("bool"),
            Some("true"),
        ),
        (
            "4",
            policy("RequireSecurityDevice"),
            Some("bool"),
            Some("true"),
        ),
        ("5", pin("MinimumPINLength"), Some("int"), Some("8")),
        ("6", pin("MaximumPINLength"), Some("int"), Some("16")),
        ("7", pin("UppercaseLetters"), Some("int"), Some("0")),
        ("8", pin("LowercaseLetters"), Some("int"), Some("1")),
        ("9", pin("SpecialCharacters"), Some("int"), Some("2")),
        ("10", pin("Digits"), Some("int"), Some("1")),
        ("11", pin("History"), Some("int"), Some("20")),
        ("12", pin("Expiration"), Some("int"), Some("70")),
        (
            "13",
            policy("Remote/UseRemotePassport"),
            Some("bool"),
            Some("true"),
        ),
        ("14", bio("UseBiometrics"), Some("bool"), Some("true")),
        // Misspelled in Microsoft's example (the DDF has FacialFeaturesUse...).
        (
            "15",
            bio("FacialFeatureUseEnhancedAntiSpoofing"),
            Some("bool"),
            Some("true"),
        ),
    ]
}

fn check_seed(file: &str, expected: &[Expected]) {
    let text = pfw_testdata::seed_example(file);
    let message = decode(&text);
    assert!(message.hdr.is_none(), "the examples have no SyncHdr");
    assert!(message.body.final_);
    let commands = &message.body.commands;
    assert_eq!(commands.len(), expected.len());
    for (command, (cmd_id, uri, format, data)) in commands.iter().zip(expected) {
        assert!(matches!(command, Command::Add(_)), "{command:?}");
        assert_eq!(command.name(), "Add");
        let add = item_command(command);
        assert_eq!(
            add.head.cmd_id.as_ref().map(|id| id.as_str()),
            Some(*cmd_id)
        );
        assert_eq!(add.items.len(), 1, "CmdID {cmd_id}");
        let item = &add.items[0];
        let target = item.target.as_ref().expect("every Add has a Target");
        assert_eq!(target.loc_uri.text, *uri, "CmdID {cmd_id}");
        // Every LocURI in the examples sits on its own indented line.
        assert!(target.loc_uri.trimmed, "CmdID {cmd_id}");
        assert_eq!(add.format_of(item), *format, "CmdID {cmd_id}");
        assert_eq!(item.data_text(), *data, "CmdID {cmd_id}");
        if format.is_some() {
            // The examples write Type without the metinf namespace; it is still read.
            assert_eq!(add.type_of(item), Some("text/plain"), "CmdID {cmd_id}");
        }
    }
    assert_round_trip(&message);
}

#[test]
fn seed_2019_english_example_decodes_command_by_command() {
    check_seed(pfw_testdata::SEED_2019, &common_commands());
}

#[test]
fn seed_current_french_example_decodes_command_by_command() {
    let mut expected = common_commands();
    expected.push((
        "16",
        "./Vendor/MSFT/PassportForWork/Biometrics/EnableESSwithSupportedPeripherals".to_owned(),
        Some("int"),
        Some("0"),
    ));
    check_seed(pfw_testdata::SEED_CURRENT, &expected);
}
