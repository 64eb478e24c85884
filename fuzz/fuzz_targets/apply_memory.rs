//! A full apply of arbitrary bytes against a `MemoryStore` with pfw's PassportForWork CSP,
//! in device scope and in a user's: never panics, a refused message leaves the store's
//! logical dump unchanged, and an applied one answers every command it reports.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use pfw_engine::{Engine, EngineError, Options};
use pfw_passport::schema::PassportCsp;
use pfw_syncml::Limits;
use pfw_tree::{MemoryStore, Registry, dump};

/// A state that already holds policy, so a refusal has something to leave unchanged.
const PRIOR: &[u8] = br#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>
<Add><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/PassportForWork/t1/Policies/UsePassportForWork</LocURI></Target><Meta><Format xmlns="syncml:metinf">bool</Format></Meta><Data>true</Data></Item></Add>
<Add><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/PassportForWork/t1/Policies/PINComplexity/MinimumPINLength</LocURI></Target><Meta><Format xmlns="syncml:metinf">int</Format></Meta><Data>6</Data></Item></Add>
<Add><CmdID>3</CmdID><Item><Target><LocURI>./User/Vendor/MSFT/PassportForWork/t1/Policies/PINComplexity/Digits</LocURI></Target><Meta><Format xmlns="syncml:metinf">int</Format></Meta><Data>1</Data></Item></Add>
<Final/></SyncBody></SyncML>"#;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let csp = PassportCsp::new().expect("pfw's own DDF loads");
        Engine::new(Registry::new().with(Arc::new(csp)), Limits::DEFAULT)
    })
}

fuzz_target!(|data: &[u8]| {
    let engine = engine();
    for user in [None, Some("alice")] {
        let mut store = MemoryStore::new();
        let options = Options {
            user: Some("alice"),
            ..Options::default()
        };
        engine
            .apply(&mut store, PRIOR, &options)
            .expect("the prior message applies");
        let before = dump(&store).expect("a memory store dumps");
        let options = Options {
            user,
            ..Options::default()
        };
        match engine.apply(&mut store, data, &options) {
            Ok(outcome) => {
                let encoded = outcome.response.encode();
                assert!(encoded.starts_with("<SyncML"), "a response is SyncML");
            }
            Err(EngineError::Decode(_)) => {
                let after = dump(&store).expect("a memory store dumps");
                assert_eq!(before, after, "a refused message changed the state");
            }
            Err(e) => panic!("a memory store does not fail: {e}"),
        }
    }
});
