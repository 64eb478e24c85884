//! Diagnostics for people, the way compilers write them: the severity and code, the message,
//! the file, line and column, the source line with a caret under the place, then the note and
//! the fix. Text from the profile is shown with control characters replaced, so a profile
//! cannot drive the terminal.

use std::fmt::Write as _;

use crate::diagnostic::{Diagnostic, FileReport, Severity};
use crate::source::SourceText;

/// Renders every report's diagnostics, then a summary line per file (and a total for several
/// files). `color` adds ANSI colours.
pub fn human(reports: &[FileReport], color: bool) -> String {
    let paint = Paint(color);
    let mut out = String::new();
    for report in reports {
        let src = SourceText::new(&report.source);
        for d in &report.diagnostics {
            diagnostic(&mut out, paint, &clean(&report.file), &src, d);
        }
        let _ = writeln!(out, "{}", summary(&clean(&report.file), &[report], paint));
    }
    if reports.len() > 1 {
        let _ = writeln!(
            out,
            "{}",
            summary(
                &format!("{} files", reports.len()),
                &reports.iter().collect::<Vec<_>>(),
                paint
            )
        );
    }
    out
}

fn diagnostic(out: &mut String, paint: Paint, file: &str, src: &SourceText<'_>, d: &Diagnostic) {
    let (label, colour) = match d.severity {
        Severity::Error => ("error", RED),
        Severity::Warning => ("warning", YELLOW),
        Severity::Note => ("note", CYAN),
    };
    let _ = writeln!(
        out,
        "{}{}",
        paint.wrap(&format!("{colour};1"), &format!("{label}[{}]", d.code)),
        paint.wrap("1", &format!(": {}", clean(&d.message)))
    );
    let gutter = d.line.to_string().len();
    let pad = " ".repeat(gutter);
    let bar = paint.wrap(BLUE, "|");
    let _ = writeln!(
        out,
        "{pad}{} {file}:{}:{}",
        paint.wrap(BLUE, "-->"),
        d.line,
        d.column
    );
    if let (Some(line), Some(start), Some(at)) = (
        src.line_text(d.line),
        src.offset(pfw_syncml::Pos::new(d.line, 1)),
        src.offset(pfw_syncml::Pos::new(d.line, d.column)),
    ) {
        let (shown, caret_at, caret_len) = excerpt_at(line, at - start, d.width);
        let _ = writeln!(out, "{pad} {bar}");
        let _ = writeln!(
            out,
            "{} {bar} {shown}",
            paint.wrap(BLUE, &d.line.to_string())
        );
        let carets = paint.wrap(&format!("{colour};1"), &"^".repeat(caret_len));
        let _ = writeln!(out, "{pad} {bar} {}{carets}", " ".repeat(caret_at));
    }
    if let Some(note) = &d.note {
        let _ = writeln!(out, "{pad} {} note: {}", paint.wrap(BLUE, "="), clean(note));
    }
    if let Some(fix) = &d.fix {
        let _ = writeln!(
            out,
            "{pad} {} {}: {}",
            paint.wrap(BLUE, "="),
            paint.wrap("1", "help"),
            clean(&fix.message)
        );
    }
    out.push('\n');
}

fn summary(name: &str, reports: &[&FileReport], paint: Paint) -> String {
    let count = |s| reports.iter().map(|r| r.count(s)).sum::<usize>();
    let (errors, warnings, notes) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Note),
    );
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    if errors == 0 && warnings == 0 {
        let clean = paint.wrap(GREEN, "clean");
        return match notes {
            0 => format!("{name}: {clean}"),
            n => format!("{name}: {clean} ({})", plural(n, "note")),
        };
    }
    let mut parts = vec![plural(errors, "error"), plural(warnings, "warning")];
    if notes > 0 {
        parts.push(plural(notes, "note"));
    }
    let text = format!("{name}: {}", parts.join(", "));
    paint.wrap(if errors > 0 { RED } else { YELLOW }, &text)
}

/// The line as shown (tabs expanded, control characters replaced, long lines cut around the
/// column), where the caret starts in it and how long it is.
#[cfg(test)]
fn excerpt(line: &str, column: u32, width: u32) -> (String, usize, usize) {
    let skip = usize::try_from(column.saturating_sub(1)).unwrap_or(usize::MAX);
    let at = line.char_indices().nth(skip).map_or(line.len(), |(i, _)| i);
    excerpt_at(line, at, width)
}

/// Like `excerpt`, the column given as the byte offset `at` in the line: only the characters
/// shown are looked at, so a diagnostic on a long line (a profile on one line) costs no more
/// than on a short one.
fn excerpt_at(line: &str, at: usize, width: u32) -> (String, usize, usize) {
    let mut at = at.min(line.len());
    while !line.is_char_boundary(at) {
        at -= 1;
    }
    let head = line.get(..at).unwrap_or_default();
    let short = line.len() <= 4 * MAX_SHOWN && line.chars().count() <= MAX_SHOWN;
    let from = if short {
        0
    } else {
        head.char_indices()
            .rev()
            .take(CONTEXT)
            .last()
            .map_or(at, |(i, _)| i)
    };
    let col = line.get(from..at).map_or(0, |s| s.chars().count());
    let limit = if short { usize::MAX } else { MAX_SHOWN };
    let chars: Vec<char> = line
        .get(from..)
        .unwrap_or_default()
        .chars()
        .take(limit)
        .collect();
    let to = from + chars.iter().map(|c| c.len_utf8()).sum::<usize>();
    let width = usize::try_from(width).unwrap_or(1).max(1);
    let mut shown = String::new();
    let mut caret_at = 0;
    let mut caret_len = 0;
    if from > 0 {
        shown.push('…');
    }
    for (i, c) in chars.iter().enumerate() {
        if i == col {
            caret_at = shown.chars().count();
        }
        let before = shown.chars().count();
        match c {
            '\t' => shown.push_str("    "),
            c if c.is_control() => shown.push('\u{FFFD}'),
            c => shown.push(*c),
        }
        if (col..col + width).contains(&i) {
            caret_len += shown.chars().count() - before;
        }
    }
    if col >= chars.len() {
        caret_at = shown.chars().count();
    }
    if to < line.len() {
        shown.push('…');
    }
    (shown, caret_at, caret_len.max(1))
}

/// Text from a profile with its control characters replaced.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn wrap(self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

const RED: &str = "31";
const YELLOW: &str = "33";
const CYAN: &str = "36";
const GREEN: &str = "32";
const BLUE: &str = "34;1";
/// Longest part of a source line shown.
const MAX_SHOWN: usize = 200;
/// Characters shown before the column when a long line is cut.
const CONTEXT: usize = 40;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Code, FileKind, Fix};

    #[test]
    fn caret_sits_under_the_column_with_tabs_expanded() {
        let (shown, at, len) = excerpt("\tab cdef", 5, 4);
        assert_eq!(shown, "    ab cdef");
        assert_eq!((at, len), (7, 4));
        assert_eq!(&shown[at..at + len], "cdef");
    }

    #[test]
    fn long_lines_are_cut_around_the_column() {
        let line = format!("{}X{}", "a".repeat(500), "b".repeat(500));
        let (shown, at, len) = excerpt(&line, 501, 1);
        assert!(shown.chars().count() <= MAX_SHOWN + 2);
        assert_eq!(shown.chars().nth(at), Some('X'));
        assert_eq!(len, 1);
    }

    #[test]
    fn renders_like_a_compiler_without_colour() {
        let report = FileReport {
            file: "p.xml".to_owned(),
            kind: FileKind::SyncMl,
            diagnostics: vec![
                Diagnostic::new(Code::UnknownNode, 2, 3, "`Bad` is not a child of `X`")
                    .with_width(3)
                    .with_note("pfw answers 404 Not found")
                    .with_fix(Fix::replace("did you mean `Good`?", "Good")),
            ],
            source: "<a>\n  Bad\x1b[0m\n".to_owned(),
        };
        let text = human(&[report], false);
        let expected = "error[unknown-node]: `Bad` is not a child of `X`\n \
            --> p.xml:2:3\n  |\n2 |   Bad\u{FFFD}[0m\n  |   ^^^\n  = note: pfw answers 404 Not \
            found\n  = help: did you mean `Good`?\n\np.xml: 1 error, 0 warnings\n";
        assert_eq!(text, expected);
        assert!(!text.contains('\x1b'), "no escape reaches the terminal");
    }
}
