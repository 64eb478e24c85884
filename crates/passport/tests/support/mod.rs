//! Helpers shared by the PassportForWork integration tests: message builders, a device with
//! either backend, the seed examples read from `../shared`.

#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use pfw_engine::{Engine, Options, Outcome};
use pfw_passport::schema::PassportCsp;
use pfw_syncml::Limits;
use pfw_tree::{MemoryStore, Registry, SqliteStore, Store};

/// A real-looking tenant used by the tests.
pub const TENANT: &str = "6f9c1a2e-0b7d-4c1e-9a53-2d8e4f6a1b3c";

/// Which backend a test runs against.
#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Memory,
    Sqlite,
}

/// A device: an engine and a store (the temporary directory is kept alive with it).
pub struct Device {
    pub engine: Engine,
    pub store: Box<dyn Store>,
    _dir: Option<tempfile::TempDir>,
}

impl Device {
    pub fn new(backend: Backend) -> Self {
        let registry = Registry::new().with(Arc::new(PassportCsp::new().expect("pfw's DDF loads")));
        let engine = Engine::new(registry, Limits::DEFAULT);
        match backend {
            Backend::Memory => Self {
                engine,
                store: Box::new(MemoryStore::new()),
                _dir: None,
            },
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let store = SqliteStore::open(&dir.path().join("state.db")).expect("state opens");
                Self {
                    engine,
                    store: Box::new(store),
                    _dir: Some(dir),
                }
            }
        }
    }

    pub fn apply(&mut self, message: &str, options: &Options<'_>) -> Outcome {
        self.engine
            .apply(self.store.as_mut(), message.as_bytes(), options)
            .expect("message decodes")
    }

    pub fn set_property(&mut self, name: &str, value: &str) {
        self.store.begin().unwrap();
        self.store.set_property(name, Some(value)).unwrap();
        self.store.commit().unwrap();
    }

    /// Every stored node of every instance, for comparing states.
    pub fn dump(&self) -> Vec<pfw_tree::DumpRow> {
        pfw_tree::dump(self.store.as_ref()).expect("state readable")
    }
}

/// A message with no SyncHdr (the local form of the seed examples) around `commands`.
pub fn message(commands: &str) -> String {
    pfw_testdata::message(commands)
}

/// An item command (`Add`, `Replace`, `Get`, `Delete`, `Exec`, `Copy`) on one URI.
pub fn cmd(verb: &str, id: u32, uri: &str, format: Option<&str>, data: Option<&str>) -> String {
    let meta = format
        .map(|f| format!(r#"<Meta><Format xmlns="syncml:metinf">{f}</Format></Meta>"#))
        .unwrap_or_default();
    let data = data
        .map(|d| format!("<Data>{d}</Data>"))
        .unwrap_or_default();
    format!(
        "<{verb}><CmdID>{id}</CmdID><Item><Target><LocURI>{uri}</LocURI></Target>{meta}{data}</Item></{verb}>"
    )
}

pub fn add(id: u32, uri: &str, format: &str, data: &str) -> String {
    cmd("Add", id, uri, Some(format), Some(data))
}

pub fn add_node(id: u32, uri: &str) -> String {
    cmd("Add", id, uri, None, None)
}

pub fn replace(id: u32, uri: &str, format: &str, data: &str) -> String {
    cmd("Replace", id, uri, Some(format), Some(data))
}

pub fn get(id: u32, uri: &str) -> String {
    cmd("Get", id, uri, None, None)
}

pub fn delete(id: u32, uri: &str) -> String {
    cmd("Delete", id, uri, None, None)
}

pub fn atomic(id: u32, members: &[String]) -> String {
    format!("<Atomic><CmdID>{id}</CmdID>{}</Atomic>", members.concat())
}

pub fn sequence(id: u32, members: &[String]) -> String {
    format!(
        "<Sequence><CmdID>{id}</CmdID>{}</Sequence>",
        members.concat()
    )
}

/// The example SyncML message of a seed page, cut out of the page's text.
pub fn seed_example(file: &str) -> String {
    pfw_testdata::seed_example(file)
}

/// The 2019 English CSP page.
pub const SEED_2019: &str = pfw_testdata::SEED_2019;
/// The current French CSP page.
pub const SEED_CURRENT: &str = pfw_testdata::SEED_CURRENT;
