//! The Policy CSP as Windows has it: `Policy/Config/{Area}/{Policy}` in device and user scope,
//! each area from its own DDF (the facts table's `*_AreaDDF` units), and
//! `Policy/Result/{Area}/{Policy}`, read only, answering the value in force.
//!
//! Each area is a CSP of its own, loaded when a URI reaches it, whose schema is the Policy
//! root (from `Policy.xml`) holding that one area under `Config` and, read only, under
//! `Result`. The Policy root itself lists every area of its scope by name, so a misspelled
//! area is 404 with the closest name instead of a new dynamic `{AreaName}`.
//!
//! The value in force (what [`Csp::derived_value`] answers for a `Result` leaf):
//! - device scope: the device's `Config` value, else the DDF default, else none (404);
//! - user scope: the user's and the device's `Config` values; when both are set, the policy's
//!   `MSFT:ConflictResolution` decides (`LowestValueMostSecure`: the lower;
//!   `HighestValueMostSecure`: the higher; the `ZeroHasNoLimits` forms read 0 as no limit;
//!   `LastWrite` and any other: the later write); when one is set, it; else the DDF default,
//!   else none (404).
//!
//! Deleting a `Config` policy removes it, so `Result` answers the default again.

use std::sync::Arc;

use pfw_ddf::{AccessType, Node, NodeName, NodePath, NodeScope, Schema, Verb};
use pfw_tree::{Csp, Derived, InstanceId, RecordKey, Store, StoreError, StoreView};

/// The Policy CSP's name.
pub const NAME: &str = "Policy";

/// Record namespace for the order of `Config` writes (owner: the instance id; key:
/// `Area/Policy`; value: a sequence number), and the record of the counter.
const WRITES: &str = "policy-writes";
const COUNTER: RecordKey<'static> = RecordKey::new(WRITES, "#", "seq");

/// One piece of the Policy CSP: its root alone (listing the areas), or one area.
pub struct PolicyCsp {
    schema: Schema,
    /// The area this piece holds, if any.
    area: Option<String>,
}

impl std::fmt::Debug for PolicyCsp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyCsp")
            .field("area", &self.area)
            .finish()
    }
}

impl PolicyCsp {
    /// The Policy root of one scope: `root` is `Policy.xml`'s root for that scope (or `None`
    /// for a bundle without it); `areas` the names of that scope's areas.
    pub fn root(root: Option<&Node>, path: &str, areas: &[String]) -> Arc<Self> {
        let mut root = root.cloned().unwrap_or_else(|| default_root(path));
        for child in &mut root.children {
            let stub_scope = match child.name.as_static() {
                Some("Config") => NodeScope::Dynamic,
                Some("Result") => NodeScope::Permanent,
                _ => continue,
            };
            let template = child.children.first().cloned();
            child.children = areas
                .iter()
                .map(|area| {
                    let mut stub = template.clone().unwrap_or_else(|| interior(""));
                    stub.name = NodeName::Static(area.clone());
                    stub.title = None;
                    stub.dynamic_naming = None;
                    stub.scope = stub_scope;
                    stub.access = AccessType::default().with(Verb::Get);
                    stub.children.clear();
                    stub
                })
                .collect();
        }
        Arc::new(Self {
            schema: Schema::of_root(root),
            area: None,
        })
    }

    /// One area: `root` as for [`PolicyCsp::root`], `area` the area's root node from its DDF.
    pub fn area(root: Option<&Node>, path: &str, area: Node) -> Arc<Self> {
        let mut root = root.cloned().unwrap_or_else(|| default_root(path));
        let name = area.name.as_static().unwrap_or_default().to_owned();
        let mut config_area = area;
        // Under Config an area exists once a policy of it is set (Windows lists the configured
        // areas); its DDF makes it permanent because the DDF describes one area alone.
        config_area.scope = NodeScope::Dynamic;
        config_area.path = None;
        let mut result_area = config_area.clone();
        result_area.scope = NodeScope::Permanent;
        read_only(&mut result_area);
        for child in &mut root.children {
            match child.name.as_static() {
                Some("Config") => child.children = vec![config_area.clone()],
                Some("Result") => child.children = vec![result_area.clone()],
                _ => {}
            }
        }
        root.children
            .retain(|c| matches!(c.name.as_static(), Some("Config" | "Result")));
        Arc::new(Self {
            schema: Schema::of_root(root),
            area: Some(name),
        })
    }
}

impl Csp for PolicyCsp {
    fn name(&self) -> &str {
        NAME
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn written(
        &self,
        store: &mut dyn Store,
        user: Option<&str>,
        path: &NodePath,
        verb: Verb,
    ) -> Result<(), StoreError> {
        let Some(key) = config_key(path) else {
            return Ok(());
        };
        let instance = match user {
            Some(u) => match store.find_instance(Some(u))? {
                Some(i) => i,
                None => return Ok(()),
            },
            None => InstanceId::DEVICE,
        };
        let owner = instance.0.to_string();
        let at = RecordKey::new(WRITES, &owner, &key);
        if verb == Verb::Delete {
            return store.set_record(at, None);
        }
        let next = sequence(store.record(COUNTER)?.as_deref()) + 1;
        let text = next.to_string();
        store.set_record(COUNTER, Some(text.as_bytes()))?;
        store.set_record(at, Some(text.as_bytes()))
    }

    fn derives(&self) -> bool {
        true
    }

    fn derived_value(
        &self,
        view: &StoreView<'_>,
        path: &NodePath,
        node: &Node,
    ) -> Result<Derived, StoreError> {
        let ["Vendor", "MSFT", "Policy", "Result", area, policy] =
            path.segments().collect::<Vec<_>>()[..]
        else {
            return Ok(Derived::Stored);
        };
        let key = format!(
            "Vendor/MSFT/Policy/Config/{}/{}",
            pfw_ddf::encode_segment(area),
            pfw_ddf::encode_segment(policy)
        );
        let read = |instance: Option<InstanceId>| -> Result<Option<String>, StoreError> {
            Ok(match instance {
                Some(i) => view.store.get(i, &key)?.flatten(),
                None => None,
            })
        };
        let own = read(view.instance)?;
        let device = match path.scope() {
            pfw_ddf::Scope::User => read(Some(InstanceId::DEVICE))?,
            pfw_ddf::Scope::Device => None,
        };
        let in_force = match (own, device) {
            (Some(user), Some(device)) => {
                let order = |instance: Option<InstanceId>| -> Result<u64, StoreError> {
                    Ok(match instance {
                        Some(i) => sequence(
                            view.store
                                .record(RecordKey::new(
                                    WRITES,
                                    &i.0.to_string(),
                                    &format!("{area}/{policy}"),
                                ))?
                                .as_deref(),
                        ),
                        None => 0,
                    })
                };
                let user_later = order(view.instance)? >= order(Some(InstanceId::DEVICE))?;
                Some(resolve(
                    node.conflict_resolution.as_deref(),
                    user,
                    device,
                    user_later,
                ))
            }
            (Some(v), None) | (None, Some(v)) => Some(v),
            (None, None) => node.default_value.clone(),
        };
        Ok(in_force.map_or(Derived::Absent, Derived::Value))
    }
}

/// The value in force of a policy set in both scopes, by its `MSFT:ConflictResolution`.
pub fn resolve(rule: Option<&str>, user: String, device: String, user_later: bool) -> String {
    let numbers = (user.trim().parse::<i64>(), device.trim().parse::<i64>());
    let (Ok(u), Ok(d)) = numbers else {
        return if user_later { user } else { device };
    };
    let pick = |keep_user: bool| {
        if keep_user {
            user.clone()
        } else {
            device.clone()
        }
    };
    match rule {
        Some("LowestValueMostSecure") => pick(u <= d),
        Some("HighestValueMostSecure" | "HighestValueMostSecureZeroHasNoLimits") => pick(u >= d),
        Some("LowestValueMostSecureZeroHasNoLimits") => match (u, d) {
            (0, _) => pick(false),
            (_, 0) => pick(true),
            _ => pick(u <= d),
        },
        _ => pick(user_later),
    }
}

/// `Area/Policy` of a `Config` policy's path.
fn config_key(path: &NodePath) -> Option<String> {
    match path.segments().collect::<Vec<_>>()[..] {
        ["Vendor", "MSFT", "Policy", "Config", area, policy] => Some(format!("{area}/{policy}")),
        _ => None,
    }
}

fn sequence(bytes: Option<&[u8]>) -> u64 {
    bytes
        .and_then(|b| std::str::from_utf8(b).ok())
        .and_then(|t| t.parse().ok())
        .unwrap_or(0)
}

/// A subtree made read only: every node Get alone, permanent.
fn read_only(node: &mut Node) {
    node.access = AccessType::default().with(Verb::Get);
    node.scope = NodeScope::Permanent;
    for child in &mut node.children {
        read_only(child);
    }
}

/// An interior node named `name`, Get only, permanent.
fn interior(name: &str) -> Node {
    Node {
        access: AccessType::default().with(Verb::Get),
        ..Node::new(NodeName::Static(name.to_owned()))
    }
}

/// The Policy root for a bundle without `Policy.xml`: `Policy` at `path` with `Config` (Add,
/// Get; dynamic) and `Result` (Get; permanent), as `Policy.xml` has them.
fn default_root(path: &str) -> Node {
    let mut root = interior(NAME);
    root.path = Some(path.to_owned());
    let mut config = interior("Config");
    config.access = config.access.with(Verb::Add);
    config.scope = NodeScope::Dynamic;
    root.children = vec![config, interior("Result")];
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `MSFT:ConflictResolution` values of Microsoft's bundle, one line per case.
    #[test]
    fn conflict_resolution() {
        let cases: &[(Option<&str>, &str, &str, bool, &str)] = &[
            (Some("LowestValueMostSecure"), "5", "3", true, "3"),
            (Some("LowestValueMostSecure"), "1", "3", false, "1"),
            (Some("HighestValueMostSecure"), "5", "3", false, "5"),
            (Some("HighestValueMostSecure"), "1", "3", true, "3"),
            (
                Some("LowestValueMostSecureZeroHasNoLimits"),
                "0",
                "3",
                true,
                "3",
            ),
            (
                Some("LowestValueMostSecureZeroHasNoLimits"),
                "4",
                "0",
                false,
                "4",
            ),
            (
                Some("LowestValueMostSecureZeroHasNoLimits"),
                "4",
                "9",
                false,
                "4",
            ),
            (
                Some("HighestValueMostSecureZeroHasNoLimits"),
                "0",
                "7",
                true,
                "7",
            ),
            (Some("LastWrite"), "1", "0", true, "1"),
            (Some("LastWrite"), "1", "0", false, "0"),
            (None, "<enabled/>", "<disabled/>", false, "<disabled/>"),
            (Some("LowestValueMostSecure"), "a", "b", true, "a"),
        ];
        for (rule, user, device, user_later, expected) in cases {
            assert_eq!(
                resolve(*rule, (*user).to_owned(), (*device).to_owned(), *user_later),
                *expected,
                "{rule:?} {user} {device} {user_later}"
            );
        }
    }
}
