//! `--ddf-dir` with a hostile directory: each bound of the DDF directory answers with its
//! error, before any CSP is used.

use std::sync::Arc;

use pfw_csps::{CspsError, Options, registry};
use pfw_devinfo::DeviceFacts;
use pfw_facts::BundleError;

fn open(dir: &std::path::Path) -> Result<pfw_tree::Registry, CspsError> {
    let mut options = Options::new(Arc::new(DeviceFacts::default()));
    options.ddf_dir = Some(dir.to_owned());
    registry(options)
}

const SMALL: &str = r#"<MgmtTree><VerDTD>1.2</VerDTD><Node><NodeName>Demo</NodeName><Path>./Vendor/MSFT</Path>
<DFProperties><AccessType><Get/></AccessType><DFFormat><node/></DFFormat></DFProperties></Node></MgmtTree>"#;

#[test]
fn a_small_directory_loads() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Demo.xml"), SMALL).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a DDF").unwrap();
    let registry = open(dir.path()).unwrap();
    assert!(registry.roots().any(|(name, _)| name == "Demo"));
}

#[test]
fn hostile_directories() {
    let missing = std::path::Path::new("/nonexistent/ddf-dir");
    assert!(matches!(
        open(missing),
        Err(CspsError::Bundle(BundleError::Read { .. }))
    ));

    let many = tempfile::tempdir().unwrap();
    for i in 0..=pfw_ddf::load::MAX_DDF_DIR_ENTRIES {
        std::fs::write(many.path().join(format!("{i}.txt")), "").unwrap();
    }
    assert!(matches!(
        open(many.path()),
        Err(CspsError::Bundle(BundleError::TooManyEntries { .. }))
    ));

    let huge = tempfile::tempdir().unwrap();
    let file = std::fs::File::create(huge.path().join("Huge.xml")).unwrap();
    file.set_len(pfw_ddf::load::MAX_DDF_BYTES as u64 + 1)
        .unwrap();
    assert!(matches!(
        open(huge.path()),
        Err(CspsError::Bundle(BundleError::FileTooLarge { .. }))
    ));

    let broken = tempfile::tempdir().unwrap();
    std::fs::write(broken.path().join("Broken.xml"), "<MgmtTree><Node>").unwrap();
    let err = open(broken.path()).unwrap_err();
    assert!(
        matches!(err, CspsError::Bundle(BundleError::Load { .. })),
        "{err}"
    );
    assert_eq!(err.to_string().lines().count(), 1, "one line: {err}");
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.xml.real");
    std::fs::write(&target, SMALL).unwrap();
    std::os::unix::fs::symlink(&target, dir.path().join("Link.xml")).unwrap();
    assert!(matches!(
        open(dir.path()),
        Err(CspsError::Bundle(BundleError::NotAFile { .. }))
    ));
}
