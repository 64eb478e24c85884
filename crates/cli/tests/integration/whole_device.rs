//! The whole Windows device through the binary: every CSP of the facts table, `--ddf-dir`
//! (Microsoft's bundle, and hostile directories), `pfw ddf --csp`, `pfw tree` and `pfw get`
//! over other CSPs, and `pfw device build` for the Policy CSP.

use crate::support::{Msg, TestDevice, assert_contains, codes, shared};

const MIN_LEN: &str = "./Device/Vendor/MSFT/Policy/Config/DeviceLock/MinDevicePasswordLength";
const AI: &str = "./Device/Vendor/MSFT/Policy/Config/WindowsAI/DisableAIDataAnalysis";
const BITLOCKER: &str = "./Vendor/MSFT/BitLocker/RequireDeviceEncryption";

#[test]
fn every_csp_out_of_the_box_and_from_the_bundle() {
    let message = Msg::new()
        .add(MIN_LEN, "int", "8")
        .add(BITLOCKER, "int", "1")
        .add(AI, "int", "1")
        .build();
    let device = TestDevice::new();
    let run = device.apply(&message, &[]);
    assert_eq!(codes(&run.stdout), [200, 200, 200], "{run:?}");

    let bundle = shared("ddf/microsoft-all");
    let bundle = bundle.to_str().unwrap();
    let other = TestDevice::new();
    let run = other.apply(&message, &["--ddf-dir", bundle]);
    assert_eq!(codes(&run.stdout), [200, 200, 200], "{run:?}");

    // pfw get and pfw tree see the other CSPs' nodes.
    let get = device.run(&["get", MIN_LEN]);
    assert_eq!((get.code, get.stdout.trim()), (Some(0), "8"), "{get:?}");
    let get = device.run(&[
        "get",
        "./Device/Vendor/MSFT/Policy/Result/DeviceLock/MinDevicePasswordLength",
    ]);
    assert_eq!((get.code, get.stdout.trim()), (Some(0), "8"), "{get:?}");
    let tree = device.tree(None);
    assert_eq!(tree.get(MIN_LEN), Some(&Some("8".to_owned())), "{tree:?}");
    assert_eq!(
        tree.get("./Device/Vendor/MSFT/BitLocker/RequireDeviceEncryption"),
        Some(&Some("1".to_owned())),
        "{tree:?}"
    );
}

#[test]
fn the_build_decides_for_every_csp() {
    let device = TestDevice::new();
    let set = device.run(&["device", "build", "10.0.19045.4239"]);
    assert_eq!(set.code, Some(0), "{set:?}");
    // WindowsAI/DisableAIDataAnalysis: OsBuildVersion 10.0.26100.
    let run = device.apply(
        &Msg::new()
            .add(AI, "int", "1")
            .add(MIN_LEN, "int", "8")
            .build(),
        &[],
    );
    assert_eq!(codes(&run.stdout), [404, 200], "{run:?}");
}

#[test]
fn ddf_prints_any_csp() {
    let device = TestDevice::new();
    let run = device.run(&["ddf", "--csp", "LAPS"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_contains(
        &run.stdout,
        "./Device/Vendor/MSFT/LAPS/Policies/PasswordLength",
    );
    assert_contains(&run.stdout, "8..=64");
    let run = device.run(&[
        "ddf",
        "--csp",
        "./Device/Vendor/MSFT/Policy/Config/DeviceLock",
    ]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_contains(&run.stdout, "Config/DeviceLock/MinDevicePasswordLength");
    let run = device.run(&["ddf", "--csp", "Lapss"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert_contains(&run.stderr, "did you mean LAPS?");
}

#[test]
fn hostile_ddf_dir_is_one_line_and_exit_2() {
    let device = TestDevice::new();
    let dir = device.dir().join("hostile");
    std::fs::create_dir(&dir).unwrap();
    let huge = std::fs::File::create(dir.join("Huge.xml")).unwrap();
    huge.set_len(64 * 1024 * 1024).unwrap();
    let message = Msg::new().add(MIN_LEN, "int", "8").build();
    let run = device.apply(&message, &["--ddf-dir", dir.to_str().unwrap()]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert_eq!(run.stderr.trim().lines().count(), 1, "{run:?}");
    assert_contains(&run.stderr, "Huge.xml");
}
