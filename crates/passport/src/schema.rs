//! The PassportForWork CSP as the management tree sees it: pfw's own DDF file (embedded,
//! `ddf/PassportForWork.xml`) and the node rules a DDF cannot state.
//!
//! - `DeviceUnlock/GroupA` and `GroupB` hold comma-separated lists of credential-provider GUIDs
//!   (the 2019 CSP page): each item must match the node's pattern.
//! - A `{TenantId}` is "a GUID without curly braces" (the DDF's dynamic-naming text). Windows's
//!   behaviour for other names is undocumented and Microsoft's own 2019 example uses a name that
//!   is not a GUID, so pfw accepts any name and enforces the rule only in strict mode.

use pfw_ddf::{LoadError, Node, NodeName, Schema, ValueOptions};
use pfw_tree::Csp;

/// pfw's own PassportForWork DDF file.
pub const DDF: &[u8] = include_bytes!("../ddf/PassportForWork.xml");

/// The CSP's name.
pub const NAME: &str = "PassportForWork";

/// The PassportForWork CSP.
#[derive(Debug)]
pub struct PassportCsp {
    schema: Schema,
}

impl PassportCsp {
    /// The CSP described by pfw's own DDF file.
    pub fn new() -> Result<Self, LoadError> {
        Ok(Self {
            schema: Schema::load(DDF)?,
        })
    }

    /// The CSP described by another DDF file (one of Microsoft's, say).
    pub fn with_schema(schema: Schema) -> Self {
        Self { schema }
    }
}

impl Csp for PassportCsp {
    fn name(&self) -> &str {
        NAME
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn value_options(&self, node: &Node) -> ValueOptions {
        let list = matches!(node.name.as_static(), Some("GroupA" | "GroupB"));
        ValueOptions {
            list_separator: list.then_some(','),
        }
    }

    fn check_name(&self, node: &Node, name: &str, strict: bool) -> Result<(), &'static str> {
        let tenant = node.name == NodeName::Dynamic;
        if strict && tenant && !is_guid(name) {
            return Err("a TenantId is a GUID without braces (8-4-4-4-12 hexadecimal digits)");
        }
        Ok(())
    }
}

/// Whether `text` is a GUID written without braces: 8-4-4-4-12 hexadecimal digits.
pub fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids() {
        let cases: &[(&str, bool)] = &[
            ("6f9c1a2e-0b7d-4c1e-9a53-2d8e4f6a1b3c", true),
            ("6F9C1A2E-0B7D-4C1E-9A53-2D8E4F6A1B3C", true),
            ("{6f9c1a2e-0b7d-4c1e-9a53-2d8e4f6a1b3c}", false),
            ("5NEMDU42-45CC-8CBL-8BPF-D7092646325F", false), // Microsoft's 2019 example
            ("6f9c1a2e0b7d4c1e9a532d8e4f6a1b3c", false),
            ("6f9c1a2e-0b7d-4c1e-9a53-2d8e4f6a1b3", false),
            ("", false),
        ];
        for (text, expected) in cases {
            assert_eq!(is_guid(text), *expected, "{text}");
        }
    }

    #[test]
    fn own_ddf_loads() {
        let csp = PassportCsp::new().unwrap();
        assert_eq!(csp.schema().roots.len(), 2);
    }
}
