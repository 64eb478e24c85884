//! What the tests reading Microsoft's DDF files share: where the files are, and counting nodes.

#![allow(dead_code)] // each test file uses its own part

use std::path::PathBuf;

use pfw_ddf::Schema;

/// A folder of `../shared/ddf` (`microsoft`: the PassportForWork releases; `microsoft-all`:
/// the whole Windows bundle).
pub(crate) fn shared_ddf_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/ddf")
        .join(name)
}

/// The `.xml` files of a folder of `../shared/ddf`, in name order.
pub(crate) fn shared_ddf_files(name: &str) -> Vec<PathBuf> {
    let dir = shared_ddf_dir(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{} is readable: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    files
}

/// Every node of a schema, the roots included.
pub(crate) fn count_nodes(schema: &Schema) -> usize {
    fn count(node: &pfw_ddf::Node) -> usize {
        1 + node.children.iter().map(count).sum::<usize>()
    }
    schema.roots.iter().map(count).sum()
}
