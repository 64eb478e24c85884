//! A directory of DDF files (Microsoft's bundle, or one a user points at with `--ddf-dir`),
//! read as hostile input: at most [`MAX_DDF_DIR_ENTRIES`] entries, only regular `*.xml` files
//! (a symbolic link is refused, not followed), each at most [`MAX_DDF_BYTES`], together at
//! most [`MAX_DDF_DIR_BYTES`]. [`Bundle::open`] reads only which roots each file has; a
//! file's schema is loaded when asked for.

use std::io::Read;
use std::path::{Path, PathBuf};

use pfw_ddf::Schema;
use pfw_ddf::load::{MAX_DDF_BYTES, MAX_DDF_DIR_BYTES, MAX_DDF_DIR_ENTRIES};
use quick_xml::events::Event;
use quick_xml::reader::Reader;

use crate::error::BundleError;

/// The DDF files of a directory, with the roots each holds.
#[derive(Clone, Debug)]
pub struct Bundle {
    /// The files, by name.
    pub files: Vec<BundleFile>,
}

/// One DDF file of a bundle.
#[derive(Clone, Debug)]
pub struct BundleFile {
    /// The file's name (`BitLocker.xml`).
    pub name: String,
    /// Its path.
    pub path: PathBuf,
    /// Its root nodes: `(Path, NodeName)` as written (an empty name for a dynamic root).
    pub roots: Vec<(String, String)>,
}

impl Bundle {
    /// Lists `dir`'s DDF files (`*.xml`, by name) and the roots of each.
    pub fn open(dir: &Path) -> Result<Self, BundleError> {
        let shown = |p: &Path| p.display().to_string();
        let read_err = |p: &Path, source| BundleError::Read {
            path: shown(p),
            source,
        };
        let mut paths = Vec::new();
        for (count, entry) in std::fs::read_dir(dir)
            .map_err(|e| read_err(dir, e))?
            .enumerate()
        {
            if count >= MAX_DDF_DIR_ENTRIES {
                return Err(BundleError::TooManyEntries {
                    path: shown(dir),
                    max: MAX_DDF_DIR_ENTRIES,
                });
            }
            let entry = entry.map_err(|e| read_err(dir, e))?;
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "xml") {
                continue;
            }
            paths.push(path);
        }
        paths.sort();
        let mut total = 0u64;
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            let bytes = read_file(&path)?;
            total += bytes.len() as u64;
            if total > MAX_DDF_DIR_BYTES {
                return Err(BundleError::TooLarge {
                    path: shown(dir),
                    max: MAX_DDF_DIR_BYTES,
                });
            }
            let roots = roots(&bytes).map_err(|source| BundleError::Load {
                path: shown(&path),
                source,
            })?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.push(BundleFile { name, path, roots });
        }
        Ok(Self { files })
    }

    /// Loads every file (for generating a facts table).
    pub fn load_all(&self) -> Result<Vec<(String, Schema)>, BundleError> {
        self.files
            .iter()
            .map(|f| Ok((f.name.clone(), f.load()?)))
            .collect()
    }
}

impl BundleFile {
    /// Reads and loads the file.
    pub fn load(&self) -> Result<Schema, BundleError> {
        let bytes = read_file(&self.path)?;
        Schema::load(&bytes).map_err(|source| BundleError::Load {
            path: self.path.display().to_string(),
            source,
        })
    }
}

/// Reads a regular file of at most [`MAX_DDF_BYTES`]; a symbolic link is refused.
fn read_file(path: &Path) -> Result<Vec<u8>, BundleError> {
    let read_err = |source| BundleError::Read {
        path: path.display().to_string(),
        source,
    };
    let meta = std::fs::symlink_metadata(path).map_err(read_err)?;
    if !meta.file_type().is_file() {
        return Err(BundleError::NotAFile {
            path: path.display().to_string(),
        });
    }
    let too_large = |len| BundleError::FileTooLarge {
        path: path.display().to_string(),
        len,
        max: MAX_DDF_BYTES,
    };
    if meta.len() > MAX_DDF_BYTES as u64 {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_DDF_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(read_err)?;
    if bytes.len() > MAX_DDF_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The `(Path, NodeName)` of each top-level `Node` of a DDF file, without building its tree.
pub fn roots(bytes: &[u8]) -> Result<Vec<(String, String)>, pfw_ddf::LoadError> {
    let text = std::str::from_utf8(bytes).map_err(|e| pfw_ddf::LoadError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let mut reader = Reader::from_str(text.strip_prefix('\u{feff}').unwrap_or(text));
    let xml = |e: &dyn std::fmt::Display| pfw_ddf::LoadError::Xml {
        line: 0,
        message: e.to_string(),
    };
    let mut depth = 0usize;
    let mut out = Vec::new();
    // Within a root Node (depth 2): which of its direct children is open, and what it read.
    let mut field: Option<&'static str> = None;
    let mut in_node = false;
    let (mut name, mut path) = (String::new(), String::new());
    loop {
        match reader.read_event().map_err(|e| xml(&e))? {
            Event::Start(s) => {
                depth += 1;
                if depth > pfw_ddf::load::MAX_DDF_DEPTH {
                    return Err(pfw_ddf::LoadError::TooDeep {
                        max: pfw_ddf::load::MAX_DDF_DEPTH,
                        line: 0,
                    });
                }
                if depth == 2 {
                    in_node = s.local_name().into_inner() == "Node";
                }
                if depth == 3 && in_node {
                    field = match s.local_name().into_inner() {
                        "NodeName" => Some("name"),
                        "Path" => Some("path"),
                        _ => None,
                    };
                }
            }
            Event::End(_) => {
                if depth == 2 && in_node {
                    out.push((std::mem::take(&mut path), std::mem::take(&mut name)));
                }
                if depth == 3 {
                    field = None;
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) if depth == 3 => {
                let text = t.xml10_content();
                match field {
                    Some("name") => name.push_str(text.trim()),
                    Some("path") => path.push_str(text.trim()),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if depth != 0 {
        return Err(xml(&"the file ends inside an element"));
    }
    Ok(out)
}
