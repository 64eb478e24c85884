//! The device CSPs through the engine, as a server sees them: values, read-only refusals,
//! what does not exist, and the DMClient provider node while enrolled.

use std::sync::Arc;

use pfw_devinfo::{DeviceFacts, DmProvider, register};
use pfw_engine::{Engine, Options};
use pfw_syncml::{Command, Limits, StatusCode};
use pfw_tree::{InstanceId, MemoryStore, Registry, Store};

const ID: &str = "1E08C6E95D8BB843B1278FF45BC60CC6";

fn engine(facts: DeviceFacts) -> Engine {
    Engine::new(
        register(Registry::new(), &Arc::new(facts)).unwrap(),
        Limits::DEFAULT,
    )
}

/// Runs one command; returns its status and the data of its Results, if any.
fn run(
    engine: &Engine,
    store: &mut MemoryStore,
    verb: &str,
    uri: &str,
) -> (StatusCode, Option<String>) {
    let data = if verb == "Get" { "" } else { "<Data>x</Data>" };
    let message = format!(
        r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody><{verb}><CmdID>2</CmdID><Item><Target><LocURI>{uri}</LocURI></Target>{data}</Item></{verb}><Final/></SyncBody></SyncML>"#
    );
    let outcome = engine
        .apply(store, message.as_bytes(), &Options::default())
        .unwrap();
    let results = outcome.response.body.commands.iter().find_map(|c| match c {
        Command::Results(r) => r.items[0].data_text().map(str::to_owned),
        _ => None,
    });
    (outcome.reports[0].status, results)
}

fn get(engine: &Engine, store: &mut MemoryStore, uri: &str) -> Option<String> {
    let (status, data) = run(engine, store, "Get", uri);
    assert_eq!(status, StatusCode::Ok, "{uri}");
    data
}

/// Asserts each URI's value, one Get each.
#[track_caller]
fn expect_values(engine: &Engine, store: &mut MemoryStore, rows: &[(&str, &str)]) {
    for (uri, expected) in rows {
        assert_eq!(get(engine, store, uri).as_deref(), Some(*expected), "{uri}");
    }
}

#[test]
fn devinfo_answers_the_five_values_windows_sends() {
    let engine = engine(DeviceFacts::new(ID));
    let mut store = MemoryStore::new();
    for (uri, expected) in [
        // The real capture's DevId form; Man/Mod of the emulated Hyper-V machine.
        ("./DevInfo/DevId", ID),
        ("./DevInfo/Man", "Microsoft Corporation"),
        ("./DevInfo/Mod", "Virtual Machine"),
        // The capture's and MS-MDM §4's DmV.
        ("./DevInfo/DmV", "1.3"),
        ("./DevInfo/Lang", "en-US"),
        // The interior node lists its children in DDF order.
        ("./DevInfo", "DevId/Man/Mod/DmV/Lang"),
    ] {
        assert_eq!(
            get(&engine, &mut store, uri).as_deref(),
            Some(expected),
            "{uri}"
        );
    }
}

#[test]
fn devdetail_follows_build_and_edition() {
    let engine = engine(DeviceFacts::new(ID));
    let mut store = MemoryStore::new();
    expect_values(
        &engine,
        &mut store,
        &[
            ("./DevDetail/SwV", "10.0.26100.1"),
            (
                "./DevDetail/Ext/Microsoft/OSPlatform",
                "Windows 11 Enterprise",
            ),
        ],
    );
    store.begin().unwrap();
    store
        .set_property(pfw_tree::device::BUILD_PROPERTY, Some("10.0.19045.4239"))
        .unwrap();
    store
        .set_property(pfw_tree::device::EDITION_PROPERTY, Some("48"))
        .unwrap();
    store.commit().unwrap();
    expect_values(
        &engine,
        &mut store,
        &[
            ("./DevDetail/SwV", "10.0.19045.4239"),
            ("./DevDetail/Ext/Microsoft/OSPlatform", "Windows 10 Pro"),
            ("./DevDetail/Ext/Microsoft/DeviceName", "DESKTOP-1E08C6E"),
        ],
    );
    let time = get(&engine, &mut store, "./DevDetail/Ext/Microsoft/LocalTime").unwrap();
    assert!(time.ends_with('Z') && time.len() == 20, "{time}");
    expect_values(&engine, &mut store, &[("./DevDetail/LrgObj", "true")]);
}

#[test]
fn read_only_and_missing_nodes() {
    let engine = engine(DeviceFacts::new(ID));
    let mut store = MemoryStore::new();
    for (verb, uri, expected) in [
        // Row 6: the verb is not in the node's AccessType.
        ("Replace", "./DevInfo/DevId", StatusCode::CommandNotAllowed),
        (
            "Add",
            "./DevDetail/Ext/Microsoft/DeviceName",
            StatusCode::CommandNotAllowed,
        ),
        ("Delete", "./DevInfo", StatusCode::CommandNotAllowed),
        // Row 5: not in pfw's schema (no cellular, no Wi-Fi on the emulated machine).
        (
            "Get",
            "./DevDetail/Ext/Microsoft/MobileID",
            StatusCode::NotFound,
        ),
        ("Get", "./DevInfo/Ext/ICCID", StatusCode::NotFound),
        // Device scope only.
        ("Get", "./User/DevInfo/DevId", StatusCode::CommandNotAllowed),
        // Not enrolled: no provider node.
        (
            "Get",
            "./Vendor/MSFT/DMClient/Provider/pfw-test/EntDMID",
            StatusCode::NotFound,
        ),
    ] {
        assert_eq!(
            run(&engine, &mut store, verb, uri).0,
            expected,
            "{verb} {uri}"
        );
    }
    assert_eq!(
        get(&engine, &mut store, "./Device/Vendor/MSFT/DMClient/HWDevID").map(|h| h.len()),
        Some(64)
    );
}

#[test]
fn dmclient_answers_the_enrolled_provider_only() {
    let provider = DmProvider::new("pfw-test")
        .with("EntDMID", Some("dm-1".to_owned()))
        .with("Poll/NumberOfFirstRetries", Some("8".to_owned()));
    let engine = engine(DeviceFacts::new(ID).with_provider(provider));
    let mut store = MemoryStore::new();
    // The enrollment stores the provider's interior node; the leaves are computed.
    store.begin().unwrap();
    store
        .put(
            InstanceId::DEVICE,
            "Vendor/MSFT/DMClient/Provider/pfw-test",
            None,
        )
        .unwrap();
    store.commit().unwrap();
    let base = "./Vendor/MSFT/DMClient/Provider/pfw-test";
    for (relative, expected) in [
        ("EntDMID", "dm-1"),
        ("Poll/NumberOfFirstRetries", "8"),
        // Not given at enrollment: the DDF's default (DMClient CSP: 15 minutes).
        ("Poll/IntervalForFirstSetOfRetries", "15"),
        ("MaxSyncApplicationVersion", "6.0"),
        // Not given and no default: empty.
        ("UPN", ""),
    ] {
        let uri = format!("{base}/{relative}");
        assert_eq!(
            get(&engine, &mut store, &uri).as_deref(),
            Some(expected),
            "{uri}"
        );
    }
    assert_eq!(
        get(&engine, &mut store, "./Vendor/MSFT/DMClient/Provider").as_deref(),
        Some("pfw-test")
    );
    for (verb, uri, expected) in [
        (
            "Get",
            "./Vendor/MSFT/DMClient/Provider/other/EntDMID",
            StatusCode::NotFound,
        ),
        (
            "Replace",
            "./Vendor/MSFT/DMClient/Provider/pfw-test/EntDMID",
            StatusCode::CommandNotAllowed,
        ),
        (
            "Delete",
            "./Vendor/MSFT/DMClient/Provider/pfw-test",
            StatusCode::CommandNotAllowed,
        ),
        (
            "Add",
            "./Vendor/MSFT/DMClient/Provider/other",
            StatusCode::CommandNotAllowed,
        ),
    ] {
        assert_eq!(
            run(&engine, &mut store, verb, uri).0,
            expected,
            "{verb} {uri}"
        );
    }
}

#[test]
fn own_ddfs_state_only_get() {
    for kind in [
        pfw_devinfo::Kind::DevInfo,
        pfw_devinfo::Kind::DevDetail,
        pfw_devinfo::Kind::DmClient,
    ] {
        let schema = kind.schema().unwrap();
        fn walk(node: &pfw_ddf::Node, count: &mut usize) {
            assert!(node.access.allows(pfw_ddf::Verb::Get));
            for verb in [
                pfw_ddf::Verb::Add,
                pfw_ddf::Verb::Replace,
                pfw_ddf::Verb::Delete,
                pfw_ddf::Verb::Exec,
            ] {
                assert!(!node.access.allows(verb), "{:?}", node.name);
            }
            assert!(
                node.description.as_deref().is_some_and(|d| !d.is_empty()),
                "{:?}",
                node.name
            );
            *count += 1;
            for child in &node.children {
                walk(child, count);
            }
        }
        let mut count = 0;
        for root in &schema.roots {
            walk(root, &mut count);
        }
        assert!(count > 5, "{}", kind.name());
    }
}
