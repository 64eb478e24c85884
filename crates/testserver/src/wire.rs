//! HTTP/1.1 as the test server needs it: read a request (head bounded, body by
//! `Content-Length`, bounded), write its response, then close or (keep-alive) read the next.
//! No pipelining, no chunked request bodies (the device never sends them).

use std::io::{self, Read, Write};

/// One request as read from the wire.
#[derive(Debug, Clone)]
pub(crate) struct HttpRequest {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl HttpRequest {
    /// The first value of a header, by case-insensitive name.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one request.
pub(crate) fn read_request(stream: &mut impl Read) -> io::Result<HttpRequest> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = find(&buf, b"\r\n\r\n") {
            break at;
        }
        if buf.len() > MAX_HEAD {
            return Err(invalid("request head too large"));
        }
        read_more(stream, &mut chunk, &mut buf, "before a full request head")?;
    };
    // `head_end` is where "\r\n\r\n" starts in `buf`, so it and `head_end + 4` are in range.
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| invalid("head not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("bad request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(invalid("not HTTP/1.x"));
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (target.to_owned(), None),
    };
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(':').ok_or_else(|| invalid("bad header"))?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let mut request = HttpRequest {
        method: method.to_owned(),
        path,
        query,
        headers,
        body: Vec::new(),
    };
    let length = match request.header("content-length") {
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| invalid("bad Content-Length"))?,
        None => 0,
    };
    if length > MAX_BODY {
        return Err(invalid("request body too large"));
    }
    let mut body = buf.split_off(head_end + 4);
    while body.len() < length {
        read_more(stream, &mut chunk, &mut body, "inside the request body")?;
    }
    body.truncate(length);
    request.body = body;
    Ok(request)
}

/// Writes one response with `Content-Length`, and `Connection: close` when `close`.
pub(crate) fn write_response(
    stream: &mut impl Write,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
    close: bool,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: {}\r\n\r\n",
        body.len(),
        if close { "close" } else { "keep-alive" }
    ));
    // One write: head and body in one TLS record where they fit.
    let mut message = head.into_bytes();
    message.extend_from_slice(body);
    stream.write_all(&message)?;
    stream.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads what `stream` has next into `into` (through `chunk`); the end of the stream is an
/// error: the connection closed `when`.
fn read_more(
    stream: &mut impl Read,
    chunk: &mut [u8],
    into: &mut Vec<u8>,
    when: &str,
) -> io::Result<()> {
    let n = stream.read(chunk)?;
    if n == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("connection closed {when}"),
        ));
    }
    // `read` returns at most the buffer's length.
    into.extend_from_slice(&chunk[..n]);
    Ok(())
}

fn invalid(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

/// Largest request head accepted.
const MAX_HEAD: usize = 32 * 1024;
/// Largest request body accepted.
const MAX_BODY: usize = 2 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_is_read_with_body_and_query() {
        let raw =
            b"POST /a/b?mode=Maintenance HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
        let req = read_request(&mut &raw[..]).unwrap();
        assert_eq!(req.method, "POST");
        assert_eq!(req.path, "/a/b");
        assert_eq!(req.query.as_deref(), Some("mode=Maintenance"));
        assert_eq!(req.header("HOST"), Some("x"));
        assert_eq!(req.body, b"hello");
    }

    #[test]
    fn short_body_is_an_error() {
        let raw = b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc";
        assert!(read_request(&mut &raw[..]).is_err());
    }

    #[test]
    fn response_has_length_and_close() {
        let mut out = Vec::new();
        write_response(&mut out, 429, &[("Retry-After", "2")], b"", true).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 429 Too Many Requests\r\n"));
        assert!(text.contains("Retry-After: 2\r\n"));
        assert!(text.contains("Content-Length: 0\r\nConnection: close\r\n\r\n"));
        let mut out = Vec::new();
        write_response(&mut out, 200, &[], b"x", false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with("Content-Length: 1\r\nConnection: keep-alive\r\n\r\nx"));
    }
}
