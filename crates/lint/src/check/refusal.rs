//! Refusals by pfw's tree, as diagnostics: each `TreeError` at the place it is about (the
//! URI segment, the Meta Format, the value), with pfw's own message, the status pfw answers
//! and, where an obvious one exists, a fix.

use std::collections::BTreeMap;

use pfw_ddf::{AccessType, LookupError, UriError, ValueErrorKind, Verb};
use pfw_engine::status_of;
use pfw_syncml::StatusCode;
use pfw_tree::TreeError;

use super::{Checker, Facts, has_scope_segment, subtree};
use crate::diagnostic::{Code, Diagnostic, FileKind, Fix};
use crate::intune::type_for_format;
use crate::profile::{Action, Op};

impl Checker<'_, '_> {
    /// The diagnostic for a refusal by pfw's tree. `first` is the status pfw answers when
    /// an earlier check of the same op fails first (this one would also fail).
    pub(super) fn refusal(
        &self,
        op: &Op,
        facts: &Facts<'_>,
        error: &TreeError,
        created: &BTreeMap<String, usize>,
        first: Option<StatusCode>,
    ) -> Option<Diagnostic> {
        let status = status_of(error);
        let answer = match first {
            None => format!("pfw answers {} {}", status.code(), status.reason()),
            Some(f) => format!(
                "would also fail: {} {} (pfw answers {} {} first)",
                status.code(),
                status.reason(),
                f.code(),
                f.reason()
            ),
        };
        let d = match error {
            TreeError::MissingTarget => self
                .at(
                    op.anchor,
                    op.anchor + "<Item".len(),
                    Code::InvalidUri,
                    "the item has no Target LocURI",
                )
                .with_fix(Fix::advice(
                    "give the item a <Target><LocURI>…</LocURI></Target>",
                )),
            TreeError::Uri(UriError::TooLong { .. }) => {
                self.whole_uri(op, Code::UriTooLong, error.to_string())
            }
            TreeError::Uri(UriError::SegmentTooLong { index, .. }) => {
                // The URI's own count includes the scope segment, when there is one.
                let index = index.saturating_sub(usize::from(has_scope_segment(op)));
                self.segment(op, facts, index, 1, Code::UriTooLong, error.to_string())
            }
            TreeError::Uri(uri_error) => {
                let d = self.whole_uri(op, Code::InvalidUri, error.to_string());
                match (uri_error, op.uri.as_ref()) {
                    (UriError::LeadingSlash | UriError::EmptySegment { .. }, Some(uri)) => {
                        let fixed = tidy_uri(&uri.text);
                        d.with_fix(Fix::replace(format!("write `{fixed}`"), fixed))
                    }
                    _ => d,
                }
            }
            TreeError::NotInSchema(_) if facts.inner_whitespace.is_some() => return None,
            TreeError::NotInSchema(_) if facts.device_only.is_some() => return None,
            TreeError::NotInSchema(lookup) => self.unknown_node(op, facts, lookup),
            TreeError::NotApplicable { node, why } => {
                let build = self
                    .options
                    .os_build
                    .map_or_else(|| "this device".to_owned(), |b| format!("build {b}"));
                self.whole_uri(
                    op,
                    Code::NotInBuild,
                    format!("`{node}` does not exist on {build}"),
                )
                .with_fix(Fix::advice(why.clone()))
            }
            TreeError::NotAllowed { verb, allowed, .. } => {
                let d = self.whole_uri(op, Code::NotAllowed, error.to_string());
                let read_only = *allowed == AccessType::default().with(Verb::Get);
                let advice = match verb {
                    Verb::Replace if !allowed.allows(Verb::Replace) => {
                        Some("Replace sets a leaf's value; an interior node is created with Add")
                    }
                    Verb::Add if allowed.allows(Verb::Add) => {
                        Some("the node always exists: leave this Add out")
                    }
                    Verb::Add | Verb::Replace | Verb::Delete if read_only => {
                        Some("the node is read-only: it can only be read with Get")
                    }
                    _ => None,
                };
                match advice {
                    Some(a) => d.with_fix(Fix::advice(a)),
                    None => d,
                }
            }
            TreeError::ChildOfLeaf { .. } => self
                .whole_uri(op, Code::NotAllowed, error.to_string())
                .with_fix(Fix::advice(
                    "end the URI at the leaf: OMA-DM answers an Add of a child of a leaf 405",
                )),
            TreeError::AlreadyExists(path) => {
                let d = self.whole_uri(
                    op,
                    Code::AlreadyExists,
                    format!("`{path}` already exists when this Add runs"),
                );
                let creator = subtree(created, path).min_by_key(|(_, i)| **i);
                let d = match creator {
                    Some((p, i)) => {
                        let line = self.op_line(*i);
                        if p == path {
                            d.with_note(format!("the Add at line {line} created it"))
                        } else {
                            d.with_note(format!(
                                "the Add at line {line} created it implicitly, as the parent of \
                                 the node it adds"
                            ))
                        }
                    }
                    None => d,
                };
                d.with_fix(Fix::advice(
                    "leave this Add out, or use Replace to change a value",
                ))
            }
            TreeError::Missing(path) => {
                let verb = op.action.name();
                let advice = match op.action {
                    Action::Verb(Verb::Replace) => {
                        "Replace never creates a node: a first delivery creates it with Add"
                    }
                    Action::Verb(Verb::Delete) => {
                        "on a device that already has it this works; on a fresh device there is \
                         nothing to delete"
                    }
                    _ => "on a device that already has it this works",
                };
                self.whole_uri(
                    op,
                    Code::NodeMissing,
                    format!("{verb} of `{path}`, which does not exist on a fresh device"),
                )
                .with_fix(Fix::advice(advice))
            }
            TreeError::Permanent(_) => self
                .whole_uri(op, Code::NotAllowed, error.to_string())
                .with_fix(Fix::advice("leave this Delete out")),
            TreeError::Format {
                given, expected, ..
            } => self.format_mismatch(op, error, given, expected),
            TreeError::Value(value) => {
                let code = match value.kind {
                    ValueErrorKind::OutOfRange { .. }
                    | ValueErrorKind::NotAllowed { .. }
                    | ValueErrorKind::NotFlags { .. }
                    | ValueErrorKind::NoMatch { .. } => Code::ValueNotAllowed,
                    _ => Code::InvalidValue,
                };
                let d = self.value(op, code, value.to_string());
                match value_fix(
                    &value.kind,
                    op.data.as_ref().map_or("", |d| d.text.as_str()),
                ) {
                    Some(fix) => d.with_fix(fix),
                    None => d,
                }
            }
            TreeError::ValueTooLarge { .. } => {
                self.value(op, Code::ValueTooLarge, error.to_string())
            }
            TreeError::Unsupported(pfw_tree::Unsupported::MoreData) => self.at(
                op.anchor,
                op.anchor + "<Item".len(),
                Code::Unsupported,
                error.to_string(),
            ),
            TreeError::Unsupported(_) => self.whole_uri(op, Code::Unsupported, error.to_string()),
            _ => self.whole_uri(op, Code::CommandFails, error.to_string()),
        };
        Some(match &d.note {
            Some(note) => {
                let note = format!("{answer}; {note}");
                d.with_note(note)
            }
            None => d.with_note(answer),
        })
    }

    fn unknown_node(&self, op: &Op, facts: &Facts<'_>, lookup: &LookupError) -> Diagnostic {
        match lookup {
            LookupError::UnknownSegment {
                index,
                segment,
                parent,
                closest,
            } => {
                let d = self.segment(
                    op,
                    facts,
                    *index,
                    1,
                    Code::UnknownNode,
                    format!("`{segment}` is not a child of `{parent}`"),
                );
                match closest {
                    Some(name) => d.with_fix(Fix::replace(format!("did you mean `{name}`?"), name)),
                    None => d,
                }
            }
            LookupError::BelowLeaf { index, leaf } => {
                let count = facts.segments.len().saturating_sub(index - 1);
                self.segment(
                    op,
                    facts,
                    *index,
                    count,
                    Code::UnknownNode,
                    format!("`{leaf}` is a leaf and has no children"),
                )
                .with_fix(Fix::advice("end the URI at the leaf"))
            }
            LookupError::OutsideSchema {
                path,
                scope,
                closest,
            } => {
                let d = self.whole_uri(
                    op,
                    Code::UnknownNode,
                    format!("`{path}` is not inside a tree pfw knows for the {scope} scope"),
                );
                match closest {
                    Some(name) => d.with_fix(Fix::advice(format!("did you mean `{name}`?"))),
                    None => d,
                }
            }
            other => self.whole_uri(op, Code::UnknownNode, other.to_string()),
        }
    }

    fn format_mismatch(
        &self,
        op: &Op,
        error: &TreeError,
        given: &str,
        expected: &str,
    ) -> Diagnostic {
        let Some(format) = &op.format else {
            return self.whole_uri(op, Code::FormatMismatch, error.to_string());
        };
        match self.kind {
            FileKind::Intune => {
                let type_len = json_string_chars(self.src.text(), format.start);
                let node = op.uri.as_ref().map_or("", |u| u.text.as_str());
                let d = self.raw_span(
                    format,
                    type_len,
                    Code::FormatMismatch,
                    format!(
                        "this setting type sends Format `{given}`, but `{}` is `{expected}`",
                        node.rsplit('/').next().unwrap_or(node)
                    ),
                );
                match type_for_format(expected) {
                    Some(t) => d.with_fix(Fix::replace(
                        format!("use the type #microsoft.graph.{t}"),
                        format!("#microsoft.graph.{t}"),
                    )),
                    None => d,
                }
            }
            _ => self
                .span(
                    format,
                    0,
                    format.text.chars().count(),
                    Code::FormatMismatch,
                    error.to_string(),
                )
                .with_fix(Fix::replace(format!("write `{expected}`"), expected)),
        }
    }

    pub(super) fn note_device_only(&mut self, op: &Op, error: Option<&TreeError>) {
        let note = match error {
            Some(e) => {
                let status = status_of(e);
                format!("pfw answers {} {}", status.code(), status.reason())
            }
            None => "pfw accepts the URI, but only as a TenantId with that name: the setting \
                     it means is not made"
                .to_owned(),
        };
        let line = op
            .uri
            .as_ref()
            .map(|u| self.src.position(u.start).0)
            .unwrap_or(0);
        if let Some(d) = self
            .out
            .iter_mut()
            .rev()
            .find(|d| d.code == Code::DeviceOnlyNode && d.line == line)
        {
            d.note = Some(note);
        }
    }
}

/// A URI without a leading `/` and without empty segments.
fn tidy_uri(text: &str) -> String {
    let (query, path) = match text.split_once('?') {
        Some((p, q)) => (Some(q), p),
        None => (None, text),
    };
    let dotted = path.starts_with("./");
    let body = path.trim_start_matches("./").trim_start_matches('/');
    let segments: Vec<&str> = body.split('/').filter(|s| !s.is_empty()).collect();
    let mut out = format!(
        "{}{}",
        if dotted || text.starts_with('/') {
            "./"
        } else {
            ""
        },
        segments.join("/")
    );
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A fix for a value pfw refuses, when an obvious one exists.
fn value_fix(kind: &ValueErrorKind, given: &str) -> Option<Fix> {
    match kind {
        ValueErrorKind::NotBool(_) => {
            let truth = match given.trim().to_ascii_lowercase().as_str() {
                "1" | "yes" | "on" | "enabled" | "<enabled/>" => "true",
                "0" | "no" | "off" | "disabled" | "<disabled/>" => "false",
                _ => return Some(Fix::advice("write true or false")),
            };
            Some(Fix::replace(format!("write `{truth}`"), truth))
        }
        ValueErrorKind::NotAllowed { allowed, got } => allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(got))
            .map(|a| Fix::replace(format!("write `{a}`"), a.clone()))
            .or_else(|| Some(Fix::advice(format!("use one of {}", allowed.join(", "))))),
        ValueErrorKind::OutOfRange { min, max, .. } => {
            Some(Fix::advice(format!("use a value from {min} to {max}")))
        }
        _ => None,
    }
}

/// Characters from a JSON string's first character to its closing quote.
fn json_string_chars(text: &str, start: usize) -> usize {
    let mut n = 0;
    let mut escaped = false;
    for c in text.get(start..).unwrap_or_default().chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            break;
        }
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_uris() {
        let cases: &[(&str, &str)] = &[
            ("/Vendor/MSFT/X", "./Vendor/MSFT/X"),
            ("./Vendor//MSFT/X/", "./Vendor/MSFT/X"),
            ("Vendor/MSFT/X/?list=Struct", "Vendor/MSFT/X?list=Struct"),
        ];
        for (given, expected) in cases {
            assert_eq!(tidy_uri(given), *expected, "{given}");
        }
    }

    #[test]
    fn bool_fixes() {
        let fix = |v: &str| {
            value_fix(&ValueErrorKind::NotBool(v.to_owned()), v).and_then(|f| f.replacement)
        };
        assert_eq!(fix("1").as_deref(), Some("true"));
        assert_eq!(fix("0").as_deref(), Some("false"));
        assert_eq!(fix("maybe"), None);
    }
}
