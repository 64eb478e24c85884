//! A `SqliteStore` opened over arbitrary bytes (a damaged, foreign or edited state file), then
//! every read the CLI does and pfw-passport's state readers: never panics. Errors are fine.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pfw_passport::state;
use pfw_tree::{Device, InstanceId, SqliteStore, Store, dump};

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("pfw-fuzz-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let path = dir().join("state.db");
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.clone().into_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
    std::fs::write(&path, data).expect("the temporary file is writable");
    let Ok(store) = SqliteStore::open(&path) else {
        return;
    };
    let _ = store.integrity_check();
    let _ = dump(&store);
    let _ = Device::load(&store);
    let _ = store.count(InstanceId::DEVICE);
    let _ = store.descendants(InstanceId::DEVICE, "Vendor/MSFT/PassportForWork");
    let _ = state::tpm(&store);
    let _ = state::device_tenant(&store);
    let _ = state::policy_in_force(&store, None, None);
    let users = store.users().unwrap_or_default();
    for user in users.iter().take(8) {
        let _ = state::sources(&store, Some(user));
        let _ = state::policy_in_force(&store, Some(user), None);
        let _ = state::pin_record(&store, user);
        let _ = store.record_keys(state::PIN_NAMESPACE, user);
    }
});
