//! Management-tree URIs: [`NodePath::parse`] turns a LocURI into a scope, decoded segments and
//! an optional query, or says exactly what is wrong with it.
//!
//! Rules (OMA DM and Microsoft's "OMA DM protocol support" page): no leading `/`; no empty
//! segment; `.` only as the first segment; no `..`; each segment percent-decoded (UTF-8) and
//! still not empty, `.`, `..` or containing `/`. The scope comes from the first segment:
//! `./Device/…` and `./User/…` name theirs, anything else (`./Vendor/…`, `./DevInfo/…`) is the
//! device's. The leading `./` may be left out (a URI is relative to the root). Other characters,
//! whitespace included, are part of the name: a name that does not exist is a lookup failure,
//! not a syntax error (Windows answers such URIs 404).

use std::borrow::Cow;
use std::fmt;

use crate::error::UriError;

/// The tree a URI addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// The device's tree (`./Device/…`, or no scope segment).
    Device,
    /// A user's tree (`./User/…`).
    User,
}

impl Scope {
    /// `device` or `user`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Device => "device",
            Self::User => "user",
        }
    }

    /// The URI prefix that names this scope (`./Device` or `./User`).
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Device => "./Device",
            Self::User => "./User",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Bounds on a URI, from the project's one table of limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UriLimits {
    /// Longest URI accepted, in bytes, as written.
    pub max_uri_bytes: usize,
    /// Longest segment (node name) accepted, in bytes, as written.
    pub max_segment_bytes: usize,
}

/// A parsed LocURI.
///
/// Its decoded segments are held in one string, joined by `/` (a decoded segment never holds
/// one), with where each ends, kept in place for a path of up to ten segments: one allocation
/// for a path, not one per segment (this is parsed
/// for every command). When no segment needs an escape, that string is also the path's state
/// key ([`NodePath::key`]), and the keys of its prefixes are borrowed from it
/// ([`NodePath::plain_key`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NodePath {
    scope: Scope,
    /// The decoded segments after the scope, joined by `/`.
    names: String,
    /// Where each segment ends in `names`.
    ends: Ends,
    /// Whether every byte of `names` is one [`encode_segment`] writes as itself (or a `/`):
    /// then `names` is the path's key.
    plain: bool,
    query: Option<Query>,
}

/// The decoded segments of a [`NodePath`], outermost first ([`NodePath::segments`]).
#[derive(Clone, Debug)]
pub struct Segments<'p> {
    names: &'p str,
    /// Where each segment not handed out yet ends in `names`.
    ends: &'p [usize],
    /// Where the next segment from the front starts in `names`.
    start: usize,
}

impl<'p> Iterator for Segments<'p> {
    type Item = &'p str;

    #[inline]
    fn next(&mut self) -> Option<&'p str> {
        let (&end, rest) = self.ends.split_first()?;
        let segment = self.names.get(self.start..end).unwrap_or_default();
        // The `/` after the segment (past the end for the last one, which is never read).
        self.start = end + 1;
        self.ends = rest;
        Some(segment)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.ends.len(), Some(self.ends.len()))
    }
}

impl DoubleEndedIterator for Segments<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        let (&end, rest) = self.ends.split_last()?;
        let start = rest.last().map_or(self.start, |&before| before + 1);
        self.ends = rest;
        Some(self.names.get(start..end).unwrap_or_default())
    }
}

impl ExactSizeIterator for Segments<'_> {}

impl NodePath {
    /// Parses `text` (already trimmed of surrounding whitespace).
    pub fn parse(text: &str, limits: UriLimits) -> Result<Self, UriError> {
        if text.len() > limits.max_uri_bytes {
            return Err(UriError::TooLong {
                len: text.len(),
                max: limits.max_uri_bytes,
            });
        }
        if text.is_empty() {
            return Err(UriError::Empty);
        }
        if text.starts_with('/') {
            return Err(UriError::LeadingSlash);
        }
        // A URI whose every byte is plain (no `?`, `%` or control byte) is read in one scan.
        let all_plain = is_plain(text.as_bytes());
        let split = if all_plain {
            None
        } else {
            text.split_once('?')
        };
        let (path, query) = match split {
            Some((path, query)) => (path, Some(Query::parse(query)?)),
            None => (text, None),
        };
        let rest = if path == "." {
            ""
        } else if let Some(rest) = path.strip_prefix("./") {
            if rest.is_empty() {
                return Err(UriError::EmptySegment { index: 1 });
            }
            rest
        } else {
            path
        };
        if rest.is_empty() {
            return Ok(Self {
                scope: Scope::Device,
                names: String::new(),
                ends: Ends::default(),
                plain: true,
                query,
            });
        }
        if all_plain || is_plain(rest.as_bytes()) {
            return Self::parse_plain(rest, limits, query);
        }
        let bytes = rest.as_bytes();
        let mut names = String::with_capacity(rest.len());
        let mut ends = Ends::default();
        let mut scope = Scope::Device;
        // Whether the path holds an escape, or a byte that may start a refused control
        // character (see `refused_control`), is found once for the whole path: a segment of a
        // path with neither is checked without decoding or scanning it again.
        let any_escape = rest.contains('%');
        let any_suspect = bytes
            .iter()
            .fold(false, |found, &b| found | may_start_control(b));
        for (i, raw) in rest.split('/').enumerate() {
            let index = i + 1;
            let was_escaped = any_escape && raw.contains('%');
            if raw.len() > limits.max_segment_bytes {
                return Err(UriError::SegmentTooLong {
                    index,
                    len: raw.len(),
                    max: limits.max_segment_bytes,
                });
            }
            // Only an escape can make a segment decode to something other than its text (a
            // `/`, a control character): a segment without one is read in place.
            let segment = if was_escaped {
                Cow::Owned(percent_decode(raw).ok_or(UriError::BadPercentEncoding { index })?)
            } else {
                Cow::Borrowed(raw)
            };
            match &*segment {
                "" => return Err(UriError::EmptySegment { index }),
                "." => return Err(UriError::DotSegment { index }),
                ".." => return Err(UriError::DotDotSegment { index }),
                s if was_escaped && s.contains('/') => {
                    return Err(UriError::EncodedSlash { index });
                }
                s if was_escaped || any_suspect => {
                    if let Some(c) = refused_control(s) {
                        return Err(UriError::ControlCharacter {
                            index,
                            code_point: u32::from(c),
                        });
                    }
                }
                _ => {}
            }
            // The first segment names the scope when it is `Device` or `User`.
            if index == 1 && segment.eq_ignore_ascii_case("User") {
                scope = Scope::User;
            } else if !(index == 1 && segment.eq_ignore_ascii_case("Device")) {
                if !ends.is_empty() {
                    names.push('/');
                }
                names.push_str(&segment);
                ends.push(names.len());
            }
        }
        let plain = is_plain(names.as_bytes());
        Ok(Self {
            scope,
            names,
            ends,
            plain,
            query,
        })
    }

    /// [`Self::parse`] of a path (after `./`, before `?`) whose every byte [`encode_segment`]
    /// writes as itself, or is a `/` (almost every path): such a path holds no escape and no
    /// control character, so its segments are checked in place and its text after the scope is
    /// its `names` as it stands.
    fn parse_plain(rest: &str, limits: UriLimits, query: Option<Query>) -> Result<Self, UriError> {
        let mut scope = Scope::Device;
        // How many bytes of `rest` the scope segment takes, with its `/`.
        let mut skip = 0;
        let mut ends = Ends::default();
        // Where the segment starts in `rest`.
        let mut start = 0;
        let bytes = rest.as_bytes();
        for (i, end) in Slashes::new(bytes)
            .chain(std::iter::once(bytes.len()))
            .enumerate()
        {
            let index = i + 1;
            let segment = bytes.get(start..end).unwrap_or_default();
            if segment.len() > limits.max_segment_bytes {
                return Err(UriError::SegmentTooLong {
                    index,
                    len: segment.len(),
                    max: limits.max_segment_bytes,
                });
            }
            match segment {
                b"" => return Err(UriError::EmptySegment { index }),
                b"." => return Err(UriError::DotSegment { index }),
                b".." => return Err(UriError::DotDotSegment { index }),
                _ => {}
            }
            // The first segment names the scope when it is `Device` or `User`; the names
            // start after it.
            if index == 1 && segment.eq_ignore_ascii_case(b"User") {
                scope = Scope::User;
                skip = end + 1;
            } else if index == 1 && segment.eq_ignore_ascii_case(b"Device") {
                skip = end + 1;
            } else {
                ends.push(end - skip);
            }
            start = end + 1;
        }
        let body = rest.get(skip..).unwrap_or_default();
        Ok(Self {
            scope,
            names: body.to_owned(),
            ends,
            plain: true,
            query,
        })
    }

    /// A path built from decoded parts.
    pub fn new(scope: Scope, segments: Vec<String>) -> Self {
        let mut names = String::with_capacity(segments.iter().map(|s| s.len() + 1).sum());
        let mut ends = Ends::default();
        for segment in &segments {
            if !ends.is_empty() {
                names.push('/');
            }
            names.push_str(segment);
            ends.push(names.len());
        }
        let plain = is_plain(names.as_bytes());
        Self {
            scope,
            names,
            ends,
            plain,
            query: None,
        }
    }

    /// The scope.
    #[inline]
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// The decoded segments after the scope (`["Vendor", "MSFT", "PassportForWork", …]`).
    #[inline]
    pub fn segments(&self) -> Segments<'_> {
        Segments {
            names: &self.names,
            ends: self.ends.as_slice(),
            start: 0,
        }
    }

    /// The query (`?list=…`, `?prop=…`), if any.
    pub fn query(&self) -> Option<&Query> {
        self.query.as_ref()
    }

    /// The path without its query.
    #[must_use]
    pub fn without_query(&self) -> Self {
        Self {
            scope: self.scope,
            names: self.names.clone(),
            ends: self.ends.clone(),
            plain: self.plain,
            query: None,
        }
    }

    /// The path of a child named `name`.
    #[must_use]
    pub fn child(&self, name: &str) -> Self {
        let mut names = String::with_capacity(self.names.len() + 1 + name.len());
        names.push_str(&self.names);
        if !self.ends.is_empty() {
            names.push('/');
        }
        names.push_str(name);
        let mut ends = self.ends.clone();
        ends.push(names.len());
        Self {
            scope: self.scope,
            names,
            ends,
            plain: self.plain && is_plain(name.as_bytes()),
            query: None,
        }
    }

    /// The parent path, or `None` at the root.
    pub fn parent(&self) -> Option<Self> {
        let (_, ends) = self.ends.as_slice().split_last()?;
        let len = ends.last().copied().unwrap_or_default();
        let names = self.names.get(..len).unwrap_or_default().to_owned();
        let plain = self.plain || is_plain(names.as_bytes());
        Some(Self {
            scope: self.scope,
            names,
            ends: Ends::from_slice(ends),
            plain,
            query: None,
        })
    }

    /// The last segment (the node's name), or `None` at the root.
    pub fn name(&self) -> Option<&str> {
        self.segments().next_back()
    }

    /// The path after the scope, segments percent-encoded and joined with `/`
    /// (`Vendor/MSFT/PassportForWork`), the form state keys use.
    pub fn key(&self) -> String {
        if self.plain {
            return self.names.clone();
        }
        let mut out = String::with_capacity(self.names.len() + self.ends.as_slice().len());
        for (i, segment) in self.segments().enumerate() {
            if i > 0 {
                out.push('/');
            }
            encode_segment_into(segment, &mut out);
        }
        out
    }

    /// The [`Self::key`] of the path's first `count` segments, borrowed from the path, when no
    /// segment of the path needs an escape (`None` otherwise, or when the path has fewer
    /// segments). `plain_key(0)` is the root's key, `""`.
    #[inline]
    pub fn plain_key(&self, count: usize) -> Option<&str> {
        if !self.plain {
            return None;
        }
        let len = match count.checked_sub(1) {
            None => 0,
            Some(last) => *self.ends.as_slice().get(last)?,
        };
        self.names.get(..len)
    }
}
impl fmt::Display for NodePath {
    /// The canonical URI: `./Device/…` or `./User/…`, segments percent-encoded, query
    /// appended.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.scope.prefix())?;
        if self.plain {
            if !self.names.is_empty() {
                write!(f, "/{}", self.names)?;
            }
        } else {
            let mut encoded = String::new();
            for segment in self.segments() {
                encoded.clear();
                encode_segment_into(segment, &mut encoded);
                write!(f, "/{encoded}")?;
            }
        }
        if let Some(query) = &self.query {
            write!(f, "?{query}")?;
        }
        Ok(())
    }
}

/// The query part of a URI.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Query {
    /// `?list=NAME` (`Struct`, `StructData`, `TNDS`, …).
    List(String),
    /// `?prop=NAME` (`Format`, `Type`, `ACL`, …).
    Prop(String),
    /// Any other `key=value`.
    Other {
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
}

impl Query {
    fn parse(text: &str) -> Result<Self, UriError> {
        let (key, value) = text.split_once('=').ok_or(UriError::BadQuery)?;
        if key.is_empty() || value.is_empty() {
            return Err(UriError::BadQuery);
        }
        let value = percent_decode(value).ok_or(UriError::BadQuery)?;
        Ok(match key {
            "list" => Self::List(value),
            "prop" => Self::Prop(value),
            _ => Self::Other {
                key: key.to_owned(),
                value,
            },
        })
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::List(v) => write!(f, "list={v}"),
            Self::Prop(v) => write!(f, "prop={v}"),
            Self::Other { key, value } => write!(f, "{key}={value}"),
        }
    }
}

/// Percent-encodes a node name for a URI: everything but ASCII letters, digits and
/// `-._~{}` is written `%XX` per UTF-8 byte. Braces stay as they are because Windows's own
/// URIs carry them unencoded (`{GUID}` names).
pub fn encode_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    encode_segment_into(name, &mut out);
    out
}

/// [`encode_segment`] appending to `out`: a name that needs no escape is copied whole.
pub fn encode_segment_into(name: &str, out: &mut String) {
    let plain = |b: u8| PLAIN[usize::from(b)];
    if name.bytes().all(plain) {
        out.push_str(name);
        return;
    }
    for &b in name.as_bytes() {
        if plain(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
}

/// Decodes one percent-encoded segment (the inverse of [`encode_segment`]); `None` when an
/// escape is malformed or the result is not UTF-8.
pub fn decode_segment(raw: &str) -> Option<String> {
    percent_decode(raw)
}

/// Whether every byte of `bytes` is one [`encode_segment`] writes as itself, or a `/`.
fn is_plain(bytes: &[u8]) -> bool {
    // Range tests folded over every byte without an early exit: the compiler turns them into
    // wide compares, several bytes at a time.
    bytes.iter().fold(true, |all, &b| all & plain_or_slash(b))
}

/// Whether [`encode_segment`] writes `b` as itself (ASCII letters, digits, `-._~{}`), or `b`
/// is a `/`: the [`PLAIN`] table with `/`, as range tests (`-./0-9`, `A-Z`, `_`, `a-z{`,
/// `}~`).
fn plain_or_slash(b: u8) -> bool {
    (b.wrapping_sub(b'-') <= b'9' - b'-')
        | (b.wrapping_sub(b'A') <= b'Z' - b'A')
        | (b == b'_')
        | (b.wrapping_sub(b'a') <= b'{' - b'a')
        | (b.wrapping_sub(b'}') <= b'~' - b'}')
}

/// A path's segment ends: in place for up to [`IN_PLACE_ENDS`] segments (every DDF path in
/// practice), else in a `Vec`. Compared and hashed as the list it holds.
#[derive(Clone)]
enum Ends {
    InPlace {
        ends: [usize; IN_PLACE_ENDS],
        len: usize,
    },
    Spilled(Vec<usize>),
}

impl Default for Ends {
    fn default() -> Self {
        Self::InPlace {
            ends: [0; IN_PLACE_ENDS],
            len: 0,
        }
    }
}

impl Ends {
    fn from_slice(ends: &[usize]) -> Self {
        let mut out = Self::default();
        for &end in ends {
            out.push(end);
        }
        out
    }

    #[inline]
    fn as_slice(&self) -> &[usize] {
        match self {
            Self::InPlace { ends, len } => ends.get(..*len).unwrap_or_default(),
            Self::Spilled(ends) => ends,
        }
    }

    fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    fn push(&mut self, end: usize) {
        match self {
            Self::InPlace { ends, len } => match ends.get_mut(*len) {
                Some(slot) => {
                    *slot = end;
                    *len += 1;
                }
                None => {
                    let mut spilled = Vec::with_capacity(2 * IN_PLACE_ENDS);
                    spilled.extend_from_slice(ends);
                    spilled.push(end);
                    *self = Self::Spilled(spilled);
                }
            },
            Self::Spilled(ends) => ends.push(end),
        }
    }
}

impl PartialEq for Ends {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Ends {}

impl std::hash::Hash for Ends {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl fmt::Debug for Ends {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

/// The index of every `/` in a byte string, in order, found eight bytes at a time.
struct Slashes<'b> {
    bytes: &'b [u8],
    /// Where the eight bytes `mask` marks start.
    base: usize,
    /// The high bit of each byte of the current eight that is a `/`.
    mask: u64,
    /// Where the next eight bytes start.
    next: usize,
}

impl<'b> Slashes<'b> {
    fn new(bytes: &'b [u8]) -> Self {
        Self {
            bytes,
            base: 0,
            mask: 0,
            next: 0,
        }
    }
}

impl Iterator for Slashes<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        const LOW7: u64 = u64::from_ne_bytes([0x7F; 8]);
        const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
        const SLASHES: u64 = u64::from_ne_bytes([b'/'; 8]);
        while self.mask == 0 {
            let rest = self.bytes.get(self.next..).unwrap_or_default();
            if rest.is_empty() {
                return None;
            }
            // The last few bytes are padded with zeros, which are not `/`.
            let mut word = [0; 8];
            let n = rest.len().min(8);
            word[..n].copy_from_slice(&rest[..n]);
            let x = u64::from_le_bytes(word) ^ SLASHES;
            // The high bit of every byte of `x` that is not zero (no carry crosses a byte:
            // each sum is at most 0x7F + 0x7F), so the others mark the `/`s.
            let nonzero = (((x & LOW7) + LOW7) | x) & HIGH;
            self.mask = !nonzero & HIGH;
            self.base = self.next;
            self.next += 8;
        }
        // `trailing_zeros` of a non-zero u64 is below 64.
        let byte = self.mask.trailing_zeros() as usize / 8;
        self.mask &= self.mask - 1;
        Some(self.base + byte)
    }
}

/// How many segment ends [`Ends`] holds in place.
const IN_PLACE_ENDS: usize = 10;

/// Whether `c` is a control character a node name may not hold: C0 controls but the XML
/// whitespace ones (tab, line feed, carriage return: part of a name, so a pasted line break is
/// a name that does not exist, as on Windows), DEL and C1 controls.
fn is_refused_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The first character of `name` that [`is_refused_control`] refuses. Control characters are
/// U+0000–U+001F and U+007F–U+009F, so only bytes below 0x20, 0x7F and the lead byte 0xC2 (of
/// U+0080–U+00BF) can start one: other bytes are skipped without decoding.
fn refused_control(name: &str) -> Option<char> {
    let bytes = name.as_bytes();
    let suspect = bytes.iter().position(|&b| may_start_control(b))?;
    name.get(suspect..)?
        .chars()
        .find(|&c| is_refused_control(c))
}

/// Whether `b` may start a character [`is_refused_control`] refuses: a byte below 0x20 but
/// tab, line feed and carriage return, 0x7F, or 0xC2 (the lead byte of U+0080–U+00BF).
fn may_start_control(b: u8) -> bool {
    (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7F || b == 0xC2
}

/// Decodes `%XX` escapes; `None` when an escape is malformed or the result is not UTF-8.
fn percent_decode(raw: &str) -> Option<String> {
    if !raw.contains('%') {
        return Some(raw.to_owned());
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = hex_value(*bytes.get(i + 1)?)?;
            let lo = hex_value(*bytes.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// The bytes [`encode_segment`] writes as they are: ASCII letters, digits and `-._~{}`.
const PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        // `b` < 256: the cast keeps its value.
        #[allow(clippy::cast_possible_truncation)]
        let byte = b as u8;
        table[b] =
            byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'{' | b'}');
        b += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: UriLimits = UriLimits {
        max_uri_bytes: 64,
        max_segment_bytes: 16,
    };

    fn parse(text: &str) -> Result<NodePath, UriError> {
        NodePath::parse(text, LIMITS)
    }

    /// Every byte is written as itself exactly when it is an ASCII letter or digit or one of
    /// `-._~{}` (the rule `encode_segment` documents), else as `%XX`.
    #[test]
    fn encode_segment_escapes_exactly_the_documented_bytes() {
        for c in (0u8..=0x7F).map(char::from).chain(['é', '€', '😀']) {
            let name = format!("a{c}b");
            let expected = if c.is_ascii_alphanumeric() || "-._~{}".contains(c) {
                name.clone()
            } else {
                let escaped: String = c.to_string().bytes().map(|b| format!("%{b:02X}")).collect();
                format!("a{escaped}b")
            };
            assert_eq!(encode_segment(&name), expected, "{c:?}");
            assert_eq!(decode_segment(&expected).as_deref(), Some(name.as_str()));
        }
    }

    /// One line per case: URI → error. Source: DESIGN.md "Checks" row 3 and Microsoft's
    /// "OMA DM protocol support" page (no leading `/`; `.` only first).
    #[test]
    fn syntax_errors() {
        let cases: &[(&str, UriError)] = &[
            ("", UriError::Empty),
            ("/Vendor/MSFT", UriError::LeadingSlash),
            ("./", UriError::EmptySegment { index: 1 }),
            ("./Vendor//MSFT", UriError::EmptySegment { index: 2 }),
            ("./Vendor/MSFT/", UriError::EmptySegment { index: 3 }),
            ("./Vendor/./MSFT", UriError::DotSegment { index: 2 }),
            ("./Vendor/../MSFT", UriError::DotDotSegment { index: 2 }),
            ("./Vendor/%2E%2E/MSFT", UriError::DotDotSegment { index: 2 }),
            ("./Vendor/%2e/MSFT", UriError::DotSegment { index: 2 }),
            ("./Vendor/a%2Fb", UriError::EncodedSlash { index: 2 }),
            ("./Vendor/a%2", UriError::BadPercentEncoding { index: 2 }),
            ("./Vendor/a%zz", UriError::BadPercentEncoding { index: 2 }),
            ("./Vendor/%FF", UriError::BadPercentEncoding { index: 2 }),
            ("./Vendor/MSFT?list", UriError::BadQuery),
            ("./Vendor/MSFT?=x", UriError::BadQuery),
            (
                "./Vendor/ABCDEFGHIJKLMNOPQ",
                UriError::SegmentTooLong {
                    index: 2,
                    len: 17,
                    max: 16,
                },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text).as_ref(), Err(expected), "{text:?}");
        }
        let long = format!("./{}", "a/".repeat(40));
        assert!(matches!(
            parse(&long),
            Err(UriError::TooLong { max: 64, .. })
        ));
    }

    /// Regression (hostile corpus, `crates/passport/tests/hostile.rs`): `%00` or `%1B` in a
    /// segment made a tenant whose name carried a NUL or an escape character into every
    /// command that prints node names (`pfw policy`, `pfw tree`), so a message could write
    /// terminal escape sequences there. Control characters are refused in names; tab, line
    /// feed and carriage return stay part of a name (a pasted line break is a name that does
    /// not exist, answered 404 as on Windows).
    #[test]
    fn control_characters_in_names_are_refused() {
        let cases: &[(&str, Option<u32>)] = &[
            ("./Vendor/a%00b", Some(0x00)),
            ("./Vendor/%1B%5B31m", Some(0x1B)),
            ("./Vendor/a%7F", Some(0x7F)),
            ("./Vendor/a%C2%9B", Some(0x9B)),
            ("./Vendor/a\u{85}b", Some(0x85)),
            ("./Vendor/a%09b", None),
            ("./Vendor/a\nb", None),
            ("./Vendor/a%0Db", None),
            ("./Vendor/%C3%A9t%C3%A9", None),
        ];
        for (text, refused) in cases {
            let result = parse(text);
            match refused {
                Some(code_point) => assert_eq!(
                    result,
                    Err(UriError::ControlCharacter {
                        index: 2,
                        code_point: *code_point
                    }),
                    "{text:?}"
                ),
                None => assert!(result.is_ok(), "{text:?}: {result:?}"),
            }
        }
    }

    #[test]
    fn scopes() {
        let cases: &[(&str, Scope, &[&str])] = &[
            ("./Vendor/MSFT", Scope::Device, &["Vendor", "MSFT"]),
            ("./Device/Vendor/MSFT", Scope::Device, &["Vendor", "MSFT"]),
            ("./User/Vendor/MSFT", Scope::User, &["Vendor", "MSFT"]),
            ("./user/Vendor", Scope::User, &["Vendor"]),
            ("./DevInfo/DevId", Scope::Device, &["DevInfo", "DevId"]),
            ("Vendor/MSFT", Scope::Device, &["Vendor", "MSFT"]),
            (".", Scope::Device, &[]),
        ];
        for (text, scope, segments) in cases {
            let path = parse(text).unwrap();
            assert_eq!(path.scope(), *scope, "{text}");
            assert_eq!(path.segments().collect::<Vec<_>>(), *segments, "{text}");
        }
    }

    #[test]
    fn percent_decoding_and_display_round_trip() {
        let path = parse("./Device/Vendor/a%20b/%7Bx%7D?list=Struct").unwrap();
        assert_eq!(
            path.segments().collect::<Vec<_>>(),
            ["Vendor", "a b", "{x}"]
        );
        assert_eq!(path.query(), Some(&Query::List("Struct".to_owned())));
        assert_eq!(path.to_string(), "./Device/Vendor/a%20b/{x}?list=Struct");
        assert_eq!(parse(&path.to_string()).unwrap(), path);
        // The parts of a path built from its pieces, and its family.
        let built = NodePath::new(
            Scope::Device,
            vec!["Vendor".into(), "a b".into(), "{x}".into()],
        );
        assert_eq!(built, path.without_query());
        assert_eq!(built.name(), Some("{x}"));
        assert_eq!(
            built.segments().rev().collect::<Vec<_>>(),
            ["{x}", "a b", "Vendor"]
        );
        assert_eq!(built.segments().len(), 3);
        assert_eq!(built.key(), "Vendor/a%20b/{x}");
        let parent = built.parent().unwrap();
        assert_eq!(parent.segments().collect::<Vec<_>>(), ["Vendor", "a b"]);
        assert_eq!(parent.child("{x}"), built);
        assert_eq!(NodePath::new(Scope::User, Vec::new()).parent(), None);
        // Whitespace inside a name is part of the name, not a syntax error.
        assert_eq!(
            parse("./Vendor/ MSFT")
                .unwrap()
                .segments()
                .collect::<Vec<_>>(),
            ["Vendor", " MSFT"]
        );
    }

    /// The range tests of `plain_or_slash` are the `PLAIN` table plus `/`, byte for byte.
    #[test]
    fn plain_or_slash_is_the_table_and_slash() {
        for b in 0..=u8::MAX {
            assert_eq!(
                plain_or_slash(b),
                PLAIN[usize::from(b)] || b == b'/',
                "{b:#04x}"
            );
        }
    }

    /// A path read in place (every byte plain) and the same path with escapes that decode to
    /// the same names are one path: same segments, key, prefix keys and URI.
    #[test]
    fn plain_and_escaped_paths_agree() {
        let plain = parse("./Device/Vendor/MSFT/{x}").unwrap();
        let escaped = parse("./Device/Vendor/MS%46T/%7Bx%7D").unwrap();
        assert_eq!(plain, escaped);
        for path in [&plain, &escaped] {
            assert_eq!(
                path.segments().collect::<Vec<_>>(),
                ["Vendor", "MSFT", "{x}"]
            );
            assert_eq!(path.key(), "Vendor/MSFT/{x}");
            assert_eq!(path.plain_key(0), Some(""));
            assert_eq!(path.plain_key(2), Some("Vendor/MSFT"));
            assert_eq!(path.plain_key(3), Some("Vendor/MSFT/{x}"));
            assert_eq!(path.plain_key(4), None);
            assert_eq!(path.to_string(), "./Device/Vendor/MSFT/{x}");
        }
        // A name that needs an escape: no borrowed key, the encoded one.
        let spaced = parse("./User/Vendor/a%20b").unwrap();
        assert_eq!(spaced.scope(), Scope::User);
        assert_eq!(spaced.plain_key(1), None);
        assert_eq!(spaced.key(), "Vendor/a%20b");
        assert_eq!(spaced.parent().unwrap().plain_key(1), Some("Vendor"));
        assert_eq!(spaced.parent().unwrap().child("a b"), spaced);
        // The scope segment is not a name, in any case, and only first.
        let user = parse("User/Device/x").unwrap();
        assert_eq!(user.scope(), Scope::User);
        assert_eq!(user.key(), "Device/x");
        assert_eq!(parse("./DEVICE").unwrap().segments().len(), 0);
    }

    /// A path of more segments than `Ends` holds in place keeps every one.
    #[test]
    fn deep_paths_keep_every_segment() {
        let limits = UriLimits {
            max_uri_bytes: 1024,
            max_segment_bytes: 16,
        };
        let names: Vec<String> = (0..40).map(|i| format!("n{i}")).collect();
        let path = NodePath::parse(&format!("./{}", names.join("/")), limits).unwrap();
        assert_eq!(path.segments().collect::<Vec<_>>(), names);
        assert_eq!(path.key(), names.join("/"));
        assert_eq!(path, NodePath::new(Scope::Device, names));
    }

    /// `Slashes` finds exactly the `/`s, at every offset of an eight-byte word, next to
    /// bytes one bit away from `/` (`.` and `-`: a carry or borrow would mark them).
    #[test]
    fn slashes_are_found_exactly() {
        for len in 0..40 {
            for text in [
                "/".repeat(len),
                "a.-/".repeat(len).chars().take(len).collect::<String>(),
                "./.-//x\u{7f}/\u{ff}"
                    .repeat(len)
                    .chars()
                    .take(len)
                    .collect(),
            ] {
                let expected: Vec<usize> = text
                    .bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'/')
                    .map(|(i, _)| i)
                    .collect();
                assert_eq!(
                    Slashes::new(text.as_bytes()).collect::<Vec<_>>(),
                    expected,
                    "{text:?}"
                );
            }
        }
        // Every byte value next to a `/`.
        for b in 0..=u8::MAX {
            let bytes = [b, b'/', b, b, b, b, b, b, b'/', b];
            let found: Vec<usize> = Slashes::new(&bytes).collect();
            let expected: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i] == b'/').collect();
            assert_eq!(found, expected, "{b:#04x}");
        }
    }
}
