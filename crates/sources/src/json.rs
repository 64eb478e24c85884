//! A small JSON (RFC 8259) reader that keeps where every value starts, so a message about an
//! Intune setting can point at its `settingDefinitionId` or `value`. `serde_json` does not keep
//! positions. pfw-lint reads Intune custom profiles with it too.
//!
//! It is strict (no comments, no trailing commas, no lone surrogates), recursive with a depth
//! bound, and linear in the input. Members of an object keep their order; a repeated key is
//! kept twice, and [`Json::get`] returns the last one, as most JSON readers do.

use crate::error::JsonSyntax;

/// A JSON value and the byte offset where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Json {
    /// The value.
    pub value: Value,
    /// The byte offset where it starts.
    pub start: usize,
}

/// A JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// An array.
    Array(Vec<Json>),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// The number's text, as written.
    Number(String),
    /// An object's members, in order.
    Object(Vec<(Str, Json)>),
    /// A string.
    String(Str),
}

/// A decoded string and the byte offset of its first character (just past the quote).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Str {
    /// The decoded text.
    pub text: String,
    /// The byte offset of its first character (just past the quote).
    pub content_start: usize,
}

/// A syntax error and the byte offset where it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// What is wrong.
    pub syntax: JsonSyntax,
    /// The byte offset where it is.
    pub offset: usize,
}

/// Parses a whole JSON text.
pub fn parse(text: &str) -> Result<Json, JsonError> {
    let mut p = Parser { text, i: 0 };
    p.skip_ws();
    let value = p.value(0)?;
    p.skip_ws();
    if p.i < text.len() {
        return Err(p.error(JsonSyntax::TrailingContent));
    }
    Ok(value)
}

impl Json {
    /// The member `key` of an object (the last, if repeated).
    pub fn get(&self, key: &str) -> Option<&Self> {
        match &self.value {
            Value::Object(members) => members
                .iter()
                .rev()
                .find(|(k, _)| k.text == key)
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&Str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// What kind of value this is, for messages.
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Array(_) => "an array",
            Value::Bool(_) => "a boolean",
            Value::Null => "null",
            Value::Number(_) => "a number",
            Value::Object(_) => "an object",
            Value::String(_) => "a string",
        }
    }
}

struct Parser<'t> {
    text: &'t str,
    i: usize,
}

impl Parser<'_> {
    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth >= MAX_DEPTH {
            return Err(self.error(JsonSyntax::TooDeep(MAX_DEPTH)));
        }
        let start = self.i;
        let value = match self.peek() {
            None => return Err(self.error(JsonSyntax::UnexpectedEnd)),
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => self.literal("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => Value::Number(self.number()?),
            Some(_) => return Err(self.unexpected()),
        };
        Ok(Json { value, start })
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        let mut members = Vec::new();
        self.items(b'}', |p| {
            if p.peek() != Some(b'"') {
                return Err(p.unexpected());
            }
            let key = p.string()?;
            p.skip_ws();
            if p.peek() != Some(b':') {
                return Err(p.unexpected());
            }
            p.i += 1;
            p.skip_ws();
            members.push((key, p.value(depth + 1)?));
            Ok(())
        })?;
        Ok(Value::Object(members))
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        let mut items = Vec::new();
        self.items(b']', |p| {
            items.push(p.value(depth + 1)?);
            Ok(())
        })?;
        Ok(Value::Array(items))
    }

    /// The comma-separated items after an opening bracket up to `close`, each read by `item`
    /// from its first non-blank byte; leaves the reader past `close`.
    fn items(
        &mut self,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Result<(), JsonError>,
    ) -> Result<(), JsonError> {
        self.i += 1;
        self.skip_ws();
        if self.peek() == Some(close) {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            item(self)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(c) if c == close => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(self.unexpected()),
            }
        }
    }

    fn string(&mut self) -> Result<Str, JsonError> {
        self.i += 1;
        let content_start = self.i;
        let mut text = String::new();
        loop {
            let rest = self.text.get(self.i..).unwrap_or_default();
            // Copy the run up to the next quote, backslash or control character at once.
            let run = rest
                .find(|c: char| c == '"' || c == '\\' || c < ' ')
                .unwrap_or(rest.len());
            text.push_str(rest.get(..run).unwrap_or_default());
            self.i += run;
            match self.peek() {
                None => return Err(self.error(JsonSyntax::UnexpectedEnd)),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(Str {
                        text,
                        content_start,
                    });
                }
                Some(b'\\') => text.push(self.escape()?),
                Some(_) => return Err(self.error(JsonSyntax::ControlInString)),
            }
        }
    }

    fn escape(&mut self) -> Result<char, JsonError> {
        let at = self.i;
        self.i += 1;
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.i += 1;
                let high = self.hex4().ok_or(JsonError {
                    syntax: JsonSyntax::BadEscape,
                    offset: at,
                })?;
                let code = if (0xD800..0xDC00).contains(&high) {
                    let low = match self.text.get(self.i..self.i + 2) {
                        Some("\\u") => {
                            self.i += 2;
                            self.hex4()
                        }
                        _ => None,
                    }
                    .filter(|l| (0xDC00..0xE000).contains(l));
                    let low = low.ok_or(JsonError {
                        syntax: JsonSyntax::BadEscape,
                        offset: at,
                    })?;
                    0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    high
                };
                return char::from_u32(code).ok_or(JsonError {
                    syntax: JsonSyntax::BadEscape,
                    offset: at,
                });
            }
            None => return Err(self.error(JsonSyntax::UnexpectedEnd)),
            Some(_) => {
                return Err(JsonError {
                    syntax: JsonSyntax::BadEscape,
                    offset: at,
                });
            }
        };
        self.i += 1;
        Ok(c)
    }

    /// Four hexadecimal digits, consumed.
    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.i..self.i + 4)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.i += 4;
        u32::from_str_radix(digits, 16).ok()
    }

    fn number(&mut self) -> Result<String, JsonError> {
        let start = self.i;
        let bytes = self.text.as_bytes();
        let digits = |i: &mut usize| {
            let from = *i;
            while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > from
        };
        let mut i = self.i;
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        match bytes.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                digits(&mut i);
            }
            _ => return Err(self.error_at(JsonSyntax::BadNumber, start)),
        }
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            if !digits(&mut i) {
                return Err(self.error_at(JsonSyntax::BadNumber, start));
            }
        }
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(bytes.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !digits(&mut i) {
                return Err(self.error_at(JsonSyntax::BadNumber, start));
            }
        }
        self.i = i;
        Ok(self.text.get(start..i).unwrap_or_default().to_owned())
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, JsonError> {
        if self
            .text
            .get(self.i..)
            .is_some_and(|rest| rest.starts_with(word))
        {
            self.i += word.len();
            Ok(value)
        } else {
            Err(self.unexpected())
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.i).copied()
    }

    fn unexpected(&self) -> JsonError {
        match self.text.get(self.i..).and_then(|r| r.chars().next()) {
            Some(c) => self.error(JsonSyntax::UnexpectedChar(c)),
            None => self.error(JsonSyntax::UnexpectedEnd),
        }
    }

    fn error(&self, syntax: JsonSyntax) -> JsonError {
        self.error_at(syntax, self.i)
    }

    fn error_at(&self, syntax: JsonSyntax, offset: usize) -> JsonError {
        JsonError { syntax, offset }
    }
}

/// Deepest nesting of arrays and objects accepted (Graph's profiles nest three levels).
const MAX_DEPTH: usize = crate::limits::SourceLimits::DEFAULT.max_depth;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_offsets() {
        let text = r#" {"a": [1, -2.5e3, "x\u00e9\/"], "b": {"c": null, "d": true}, "a": false}"#;
        let json = parse(text).unwrap();
        assert_eq!(json.start, 1);
        // The last of a repeated key wins.
        assert_eq!(json.get("a").unwrap().value, Value::Bool(false));
        let Some((_, first)) = (match &json.value {
            Value::Object(m) => m.first(),
            _ => None,
        }) else {
            panic!("an object")
        };
        let Value::Array(items) = &first.value else {
            panic!("an array")
        };
        assert_eq!(items[1].value, Value::Number("-2.5e3".to_owned()));
        let s = items[2].as_str().unwrap();
        assert_eq!(s.text, "xé/");
        assert_eq!(&text[s.content_start..s.content_start + 1], "x");
        let d = json.get("b").unwrap().get("d").unwrap();
        assert_eq!(&text[d.start..d.start + 4], "true");
    }

    #[test]
    fn refusals_name_their_place() {
        let cases: &[(&str, JsonSyntax, usize)] = &[
            ("", JsonSyntax::UnexpectedEnd, 0),
            ("{\"a\":1,}", JsonSyntax::UnexpectedChar('}'), 7),
            ("[1 2]", JsonSyntax::UnexpectedChar('2'), 3),
            ("01", JsonSyntax::TrailingContent, 1),
            ("-", JsonSyntax::BadNumber, 0),
            ("1.", JsonSyntax::BadNumber, 0),
            ("\"a\\x\"", JsonSyntax::BadEscape, 2),
            ("\"\\ud800\"", JsonSyntax::BadEscape, 1),
            ("\"a\nb\"", JsonSyntax::ControlInString, 2),
            ("\"abc", JsonSyntax::UnexpectedEnd, 4),
            ("// c\n{}", JsonSyntax::UnexpectedChar('/'), 0),
            ("{} x", JsonSyntax::TrailingContent, 3),
            ("tru", JsonSyntax::UnexpectedChar('t'), 0),
        ];
        for (text, syntax, offset) in cases {
            let err = parse(text).unwrap_err();
            assert_eq!((err.syntax, err.offset), (*syntax, *offset), "{text:?}");
        }
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "[".repeat(10_000);
        let err = parse(&deep).unwrap_err();
        assert_eq!(err.syntax, JsonSyntax::TooDeep(MAX_DEPTH));
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }
}
