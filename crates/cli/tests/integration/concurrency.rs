//! Several `pfw` processes on one state at once: they queue on the write lock and none fails
//! with "database is locked", even when the state file does not exist yet.

use std::process::{Child, Stdio};

use crate::support::{DEVICE_ROOT, Msg, Run, TestDevice, device_policy};

#[test]
fn eight_processes_on_a_fresh_state_all_succeed() {
    let tenants: Vec<String> = (0..PROCESSES)
        .map(|n| format!("{n:08x}-0000-4000-8000-00000000000{n}"))
        .collect();
    for round in 0..ROUNDS {
        let device = TestDevice::new();
        assert!(!device.state().exists());
        let files: Vec<_> = tenants
            .iter()
            .enumerate()
            .map(|(n, tenant)| {
                let message = Msg::new()
                    .device_in(tenant, "UsePassportForWork", "bool", "true")
                    .device_in(
                        tenant,
                        "PINComplexity/MinimumPINLength",
                        "int",
                        &(4 + n).to_string(),
                    )
                    .build();
                device.file(&format!("tenant{n}.xml"), message)
            })
            .collect();
        let children: Vec<Child> = files
            .iter()
            .map(|file| {
                device
                    .apply_process(file)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("pfw starts")
            })
            .collect();
        for (n, child) in children.into_iter().enumerate() {
            let run = Run::from(child.wait_with_output().expect("pfw runs"));
            assert!(
                !run.stderr.contains("locked"),
                "round {round}, process {n}: {run:?}"
            );
            assert_eq!(run.code, Some(0), "round {round}, process {n}: {run:?}");
        }

        let tree = device.tree(None);
        for (n, tenant) in tenants.iter().enumerate() {
            let key = device_policy(tenant, "PINComplexity/MinimumPINLength");
            assert_eq!(
                tree.get(&key),
                Some(&Some((4 + n).to_string())),
                "round {round}: tenant {tenant} missing"
            );
        }
        let tenant_nodes = tree
            .keys()
            .filter(|k| {
                k.strip_prefix(&format!("{DEVICE_ROOT}/"))
                    .is_some_and(|rest| tenants.iter().any(|t| rest == t))
            })
            .count();
        assert_eq!(tenant_nodes, PROCESSES, "round {round}: {tree:?}");
    }
}

/// Processes started together on one fresh state.
const PROCESSES: usize = 8;

/// Rounds, each on a new state path, to give races a chance to show. The race of several
/// first openers switching a fresh file to WAL showed in about one round in thirty.
const ROUNDS: usize = 30;
