//! Schema lookup: a scope and a concrete URI's segments → the schema nodes along the path, or
//! why there is none (the unknown segment and the closest sibling name).

use crate::error::LookupError;
use crate::model::{Node, NodeName, Schema};
use crate::path::Scope;

/// The schema nodes a concrete path walks through, from the CSP's root node to the target.
#[derive(Clone, Debug)]
pub struct Resolved<'a> {
    /// Schema nodes from the root node (the one with a `Path`) to the target, one per segment
    /// from the root's name on.
    pub chain: Vec<&'a Node>,
    /// How many segments before the root's name belong to the root's `Path`
    /// (`Vendor/MSFT` → 2).
    pub prefix_len: usize,
}

impl<'a> Resolved<'a> {
    /// The target's schema node.
    pub fn node(&self) -> &'a Node {
        // Invariant: a Resolved is only built with the root node in its chain.
        self.chain[self.chain.len() - 1]
    }
}

impl Schema {
    /// Finds the schema node for `segments` (decoded, after the scope) in `scope`'s tree.
    /// Dynamic nodes match any name; a static name wins over a dynamic sibling.
    pub fn resolve(&self, scope: Scope, segments: &[&str]) -> Result<Resolved<'_>, LookupError> {
        let Some((root, consumed)) = self.root_for(scope, segments) else {
            return Err(LookupError::OutsideSchema {
                path: segments.join("/"),
                scope: scope.as_str().to_owned(),
                closest: self.closest_root(scope, segments),
            });
        };
        let mut chain = Vec::with_capacity(segments.len() + 1 - consumed);
        chain.push(root);
        let mut node = root;
        for (offset, segment) in segments[consumed..].iter().enumerate() {
            let index = consumed + offset + 1;
            if node.is_leaf() {
                return Err(LookupError::BelowLeaf {
                    index,
                    leaf: display_chain(&chain),
                });
            }
            let Some(child) = node.child(segment) else {
                return Err(LookupError::UnknownSegment {
                    index,
                    segment: (*segment).to_owned(),
                    parent: display_chain(&chain),
                    closest: closest_name(
                        segment,
                        node.children.iter().filter_map(|c| c.name.as_static()),
                    ),
                });
            };
            chain.push(child);
            node = child;
        }
        Ok(Resolved {
            chain,
            prefix_len: consumed - 1,
        })
    }

    /// A root name close to the segment where `segments` leave every root of `scope`.
    fn closest_root(&self, scope: Scope, segments: &[&str]) -> Option<String> {
        self.roots.iter().find_map(|root| {
            let (root_scope, prefix) = root.root_location()?;
            if root_scope != scope || segments.len() <= prefix.len() {
                return None;
            }
            if !prefix.iter().zip(segments).all(|(a, b)| a == b) {
                return None;
            }
            let name = root.name.as_static()?;
            closest_name(segments[prefix.len()], std::iter::once(name))
        })
    }

    /// Whether some node of `scope`'s tree sits at these segments; used to tell "no such node"
    /// from "exists in the other scope".
    pub fn has(&self, scope: Scope, segments: &[&str]) -> bool {
        self.resolve(scope, segments).is_ok()
    }
}

/// The candidate closest to `given`: an exact match ignoring case, else the one with the smallest
/// edit distance when that distance is at most a third of the name's length (at least 2).
pub fn closest_name<'a>(given: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let given_len = given.chars().count();
    let allowed = (given_len / 3).max(2);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate.eq_ignore_ascii_case(given) {
            return Some(candidate.to_owned());
        }
        // The edit distance is at least the difference in length in characters, and each edit
        // changes the length by at most four bytes: a candidate whose length differs by more
        // than that can never be the answer, so its quadratic distance is not computed.
        if candidate.len().abs_diff(given.len()) > allowed * 4
            || candidate.chars().count().abs_diff(given_len) > allowed
        {
            continue;
        }
        // Only a distance below the best so far (and within `allowed`) can change the answer.
        let bound = best.map_or(allowed, |(d, _)| d.saturating_sub(1).min(allowed));
        if let Some(distance) = distance_within(given, candidate, bound) {
            best = Some((distance, candidate));
        }
    }
    let (distance, name) = best?;
    (distance <= allowed).then(|| name.to_owned())
}

/// The edit distance (Levenshtein, in characters) between `a` and `b` when it is at most
/// `bound`, else `None`. ASCII names (every DDF name in practice) take a byte loop over one row
/// that stops as soon as every entry of a row passes `bound`; other text takes `strsim`.
fn distance_within(a: &str, b: &str, bound: usize) -> Option<usize> {
    if !(a.is_ascii() && b.is_ascii()) {
        let distance = strsim::levenshtein(a, b);
        return (distance <= bound).then_some(distance);
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > bound {
        return None;
    }
    // A common prefix or suffix never changes the distance (an optimal alignment matches it),
    // so only the differing middles go through the quadratic loop: a misspelled name usually
    // differs from the right one in a few characters.
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a, b) = (&a[..a.len() - suffix], &b[..b.len() - suffix]);
    if a.is_empty() || b.is_empty() {
        let distance = a.len().max(b.len());
        return (distance <= bound).then_some(distance);
    }
    // row[j]: distance between the first i bytes of `a` and the first j bytes of `b`.
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        let mut row_min = row[0];
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            let value = substitution.min(row[j] + 1).min(diagonal + 1);
            row[j + 1] = value;
            row_min = row_min.min(value);
        }
        if row_min > bound {
            return None;
        }
    }
    let distance = row[b.len()];
    (distance <= bound).then_some(distance)
}

/// How a chain of schema nodes is shown in errors: the root's `Path`, then each node's name
/// (`./Device/Vendor/MSFT/PassportForWork/{TenantId}`).
fn display_chain(chain: &[&Node]) -> String {
    let root = chain
        .first()
        .and_then(|root| root.path.as_deref())
        .unwrap_or(".");
    let names: usize = chain.iter().map(|node| 3 + display_len(node)).sum();
    let mut out = String::with_capacity(root.len() + names);
    out.push_str(root);
    for node in chain {
        out.push('/');
        node.write_display_name(&mut out);
    }
    out
}

/// How long [`Node::display_name`] is, without the braces of a dynamic node's.
fn display_len(node: &Node) -> usize {
    match &node.name {
        NodeName::Static(name) => name.len(),
        NodeName::Dynamic => node.title.as_deref().map_or(0, str::len),
    }
}

/// Whether a node's name is dynamic.
pub fn is_dynamic(node: &Node) -> bool {
    node.name == NodeName::Dynamic
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_distance_agrees_with_strsim() {
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "kitten",
            "sitting",
            "UseBiometrics",
            "usebiometrics",
            "Biometrics",
            "PINComplexity",
            "PinComplexity",
            "Digits",
            "History",
            "héllo",
            "hello",
            // Common prefixes and suffixes around one or more differences.
            "FacialFeatureUseEnhancedAntiSpoofing",
            "FacialFeaturesUseEnhancedAntiSpoofing",
            "abXcd",
            "abcd",
            "aXbYc",
            "abc",
            "aaaa",
            "aa",
        ];
        for a in words {
            for b in words {
                let exact = strsim::levenshtein(a, b);
                for bound in 0..8 {
                    let expected = (exact <= bound).then_some(exact);
                    assert_eq!(
                        distance_within(a, b, bound),
                        expected,
                        "{a:?} {b:?} {bound}"
                    );
                }
            }
        }
    }

    #[test]
    fn closest_names() {
        let names = [
            "UseBiometrics",
            "FacialFeaturesUseEnhancedAntiSpoofing",
            "EnableESSwithSupportedPeripherals",
        ];
        let cases: &[(&str, Option<&str>)] = &[
            (
                "FacialFeatureUseEnhancedAntiSpoofing",
                Some("FacialFeaturesUseEnhancedAntiSpoofing"),
            ),
            ("usebiometrics", Some("UseBiometrics")),
            ("UseBiometric", Some("UseBiometrics")),
            ("Nothing", None),
        ];
        for (given, expected) in cases {
            assert_eq!(
                closest_name(given, names.iter().copied()).as_deref(),
                *expected,
                "{given}"
            );
        }
    }
}
