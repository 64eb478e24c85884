//! pfw-engine: runs one SyncML message against a device's management trees. Decode → execute
//! (Atomic on a savepoint, Sequence in order, everything in one store transaction) →
//! Status and Results → the response message. URIs are routed to the CSPs of a
//! [`pfw_tree::Registry`]; refused commands get their status from [`status_of`], the one
//! mapping of DESIGN.md's ordered checks to codes.
//!
//! ```
//! use std::sync::Arc;
//! use pfw_ddf::Schema;
//! use pfw_engine::{Engine, Options};
//! use pfw_syncml::{Limits, StatusCode};
//! use pfw_tree::{MemoryStore, Registry, SchemaCsp};
//!
//! let ddf = br#"<MgmtTree><VerDTD>1.2</VerDTD>
//!   <Node><NodeName>Demo</NodeName><Path>./Device/Vendor/MSFT</Path>
//!     <DFProperties><AccessType><Get/></AccessType><DFFormat><node/></DFFormat>
//!       <Scope><Permanent/></Scope></DFProperties>
//!     <Node><NodeName>Count</NodeName>
//!       <DFProperties><AccessType><Add/><Get/><Replace/></AccessType><DFFormat><int/></DFFormat>
//!         <Scope><Dynamic/></Scope></DFProperties></Node>
//!   </Node></MgmtTree>"#;
//! let registry = Registry::new().with(Arc::new(SchemaCsp::new("Demo", Schema::load(ddf)?)));
//! let engine = Engine::new(registry, Limits::DEFAULT);
//! let mut store = MemoryStore::new();
//! let message = br#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>
//!   <Add><CmdID>1</CmdID><Item><Target><LocURI>./Vendor/MSFT/Demo/Count</LocURI></Target>
//!     <Meta><Format xmlns="syncml:metinf">int</Format></Meta><Data>7</Data></Item></Add>
//!   <Add><CmdID>2</CmdID><Item><Target><LocURI>./Vendor/MSFT/Demo/Count</LocURI></Target>
//!     <Data>8</Data></Item></Add>
//!   <Final/></SyncBody></SyncML>"#;
//! let outcome = engine.apply(&mut store, message, &Options::default())?;
//! let statuses: Vec<StatusCode> = outcome.reports.iter().map(|r| r.status).collect();
//! assert_eq!(statuses, [StatusCode::Ok, StatusCode::AlreadyExists]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod run;

pub use error::{EngineError, Refusal, status_of};
pub use run::{Engine, MAX_NODES_PER_TREE, Options, Outcome, Report, Stage, tree_limits};

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use pfw_ddf::Schema;
    use pfw_syncml::{Command, CommandKind, Limits, Span, StatusCode};
    use pfw_tree::{MemoryStore, Registry, SchemaCsp};

    use crate::{Engine, Options, Refusal};

    const DDF: &[u8] = br#"<MgmtTree><VerDTD>1.2</VerDTD>
      <Node><NodeName>Demo</NodeName><Path>./Device/Vendor/MSFT</Path>
        <DFProperties><AccessType><Get/></AccessType><DFFormat><node/></DFFormat>
          <Scope><Permanent/></Scope></DFProperties>
        <Node><NodeName>Count</NodeName>
          <DFProperties><AccessType><Add/><Get/><Replace/></AccessType><DFFormat><int/></DFFormat>
            <Scope><Dynamic/></Scope></DFProperties></Node>
      </Node></MgmtTree>"#;

    /// Each Status's report names its command, where it is in the request, the item it
    /// answers when the items' codes differ, and the typed refusal behind its code.
    #[test]
    fn reports_are_typed_and_located() {
        let registry =
            Registry::new().with(Arc::new(SchemaCsp::new("Demo", Schema::load(DDF).unwrap())));
        let engine = Engine::new(registry, Limits::DEFAULT);
        let text = concat!(
            r#"<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody>"#,
            "<Add><CmdID>1</CmdID>",
            "<Item><Target><LocURI>./Vendor/MSFT/Demo/Count</LocURI></Target><Data>7</Data></Item>",
            "<Item><Target><LocURI>./Vendor/MSFT/Demo/Nope</LocURI></Target><Data>7</Data></Item>",
            "</Add>",
            "<Atomic><CmdID>2</CmdID><Get><CmdID>3</CmdID>",
            "<Item><Target><LocURI>./Vendor/MSFT/Demo/Count</LocURI></Target></Item></Get>",
            "</Atomic>",
            "<Put><CmdID>4</CmdID></Put><Final/></SyncBody></SyncML>"
        );
        let at = |span: Span| &text[span.start..span.end];
        let outcome = engine
            .apply(
                &mut MemoryStore::new(),
                text.as_bytes(),
                &Options::default(),
            )
            .unwrap();
        let r = &outcome.reports;
        assert_eq!(r.len(), 5, "{r:#?}");
        // The Add's items got 200 and 404 (DESIGN.md row 5): one Status each.
        assert_eq!(
            (r[0].command, r[0].status),
            (Some(CommandKind::Add), StatusCode::Ok)
        );
        assert_eq!((r[0].item, r[0].refusal.is_none()), (Some(0), true));
        assert_eq!(r[1].item, Some(1));
        assert_eq!(r[1].status, StatusCode::NotFound);
        assert!(matches!(r[1].refusal.as_deref(), Some(Refusal::Tree(_))));
        assert!(at(r[1].item_span.unwrap()).contains("Demo/Nope"));
        assert_eq!(r[0].span, r[1].span);
        assert!(at(r[0].span).starts_with("<Add><CmdID>1") && at(r[0].span).ends_with("</Add>"));
        // A Get in an Atomic (\[WinOMA\]: 500) and the Atomic it fails (507).
        assert_eq!(r[2].command, Some(CommandKind::Atomic));
        assert!(matches!(
            r[2].refusal.as_deref(),
            Some(Refusal::AtomicFailed)
        ));
        assert_eq!(r[2].status, StatusCode::AtomicFailed);
        assert_eq!(r[3].cmd_id.as_str(), "3");
        assert!(matches!(
            r[3].refusal.as_deref(),
            Some(Refusal::GetInAtomic)
        ));
        assert_eq!(
            r[3].reason().as_deref(),
            Some("Get is not allowed inside Atomic")
        );
        // Not a SyncML command (row 2: 400): no kind, its name as written.
        assert_eq!((r[4].command, r[4].name()), (None, "Put"));
        assert_eq!(r[4].status, StatusCode::BadRequest);
        assert_eq!(at(r[4].span), "<Put><CmdID>4</CmdID></Put>");

        // The response's Statuses are written from the reports, after the SyncHdr's: each
        // names its command and code, and a Status for one item of several carries the item's
        // target as TargetRef (SyncML representation protocol 1.2 §6.6.15).
        let statuses: Vec<_> = outcome
            .response
            .body
            .commands
            .iter()
            .filter_map(|c| match c {
                Command::Status(s) => Some(s),
                _ => None,
            })
            .skip(1)
            .map(|s| {
                (
                    s.cmd_ref.as_str(),
                    s.cmd.as_str(),
                    s.data.text.as_str(),
                    s.target_refs.clone(),
                )
            })
            .collect();
        let uri = |u: &str| vec![u.to_owned()];
        assert_eq!(
            statuses,
            [
                ("1", "Add", "200", uri("./Vendor/MSFT/Demo/Count")),
                ("1", "Add", "404", uri("./Vendor/MSFT/Demo/Nope")),
                ("2", "Atomic", "507", vec![]),
                ("3", "Get", "500", vec![]),
                ("4", "Put", "400", vec![]),
            ]
        );
        assert_eq!(r[2].status_element().data.text, "507");
    }
}
