//! HTTP/1.1 to the control API on 127.0.0.1: over a `TcpStream`, or over TLS (rustls, the
//! `tls` feature) for a registry started with `tls(true)`.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use crate::error::{Error, Result};

/// An answer: status and body.
pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Where control calls go: `host:port`, the path prefix (`/__fakereg`), and for an
/// `https://` URL the TLS settings that trust the registry's CA.
pub(crate) struct Endpoint {
    host: String,
    prefix: String,
    #[cfg(feature = "tls")]
    tls: Option<crate::tls::Tls>,
}

impl Endpoint {
    /// The endpoint of `url` (`http://host:port/prefix`, or `https://…` trusting the CA
    /// certificate in `ca_path`).
    pub(crate) fn new(url: &str, ca_path: Option<&Path>) -> Result<Endpoint> {
        let (secure, rest) = if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else {
            return Err(Error::Startup(format!(
                "the control API is at {url}: not an http:// or https:// URL"
            )));
        };
        let (host, prefix) = match rest.split_once('/') {
            Some((host, path)) => (host.to_string(), format!("/{path}")),
            None => (rest.to_string(), String::new()),
        };
        if !secure {
            return Ok(Endpoint {
                host,
                prefix,
                #[cfg(feature = "tls")]
                tls: None,
            });
        }
        #[cfg(feature = "tls")]
        {
            let ca_path = ca_path.ok_or_else(|| {
                Error::Startup(format!(
                    "the control API is at {url}, and the ready file names no CA (ca_path)"
                ))
            })?;
            let tls = crate::tls::Tls::trusting(ca_path, &host)?;
            Ok(Endpoint {
                host,
                prefix,
                tls: Some(tls),
            })
        }
        #[cfg(not(feature = "tls"))]
        {
            let _ = (ca_path, host, prefix);
            Err(Error::Startup(format!(
                "the control API is at {url}: HTTPS needs the fakereg crate's `tls` feature"
            )))
        }
    }

    /// One request to `route` (after the prefix) with `Connection: close`; the whole
    /// answer is read.
    pub(crate) fn send(
        &self,
        route: &str,
        method: &str,
        token: &str,
        body: Option<&[u8]>,
        timeout: Duration,
    ) -> Result<Answer> {
        let mut stream = TcpStream::connect(&self.host)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        let body = body.unwrap_or(b"");
        let head = format!(
            "{method} {}{route} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nAccept: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.prefix,
            self.host,
            body.len()
        );
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.tls {
            return exchange(&mut tls.wrap(stream)?, head.as_bytes(), body);
        }
        exchange(&mut stream, head.as_bytes(), body)
    }
}

/// Write the request, read the answer to its end (the server closes: `Connection: close`).
fn exchange(stream: &mut (impl Read + Write), head: &[u8], body: &[u8]) -> Result<Answer> {
    let mut request = Vec::with_capacity(head.len() + body.len());
    request.extend_from_slice(head);
    request.extend_from_slice(body);
    stream.write_all(&request)?;
    stream.flush()?;
    let mut raw = Vec::new();
    match stream.read_to_end(&mut raw) {
        Ok(_) => {}
        // A TLS peer that closes without close_notify: what arrived is checked below
        // (`parse` refuses a body shorter than its Content-Length).
        Err(error) if error.kind() == ErrorKind::UnexpectedEof && !raw.is_empty() => {}
        Err(error) => return Err(error.into()),
    }
    parse(&raw)
}

fn bad(what: &str) -> Error {
    Error::Io(std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        what.to_string(),
    ))
}

fn parse(raw: &[u8]) -> Result<Answer> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("an HTTP answer without a blank line after its headers"))?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| bad("an HTTP answer without a status line"))?;
    let mut chunked = false;
    let mut length = None;
    for line in lines {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        } else if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let rest = &raw[end + 4..];
    let body = if chunked {
        dechunk(rest)?
    } else {
        match length {
            Some(length) if rest.len() < length => {
                return Err(bad("an HTTP answer shorter than its Content-Length"))
            }
            Some(length) => rest[..length].to_vec(),
            None => rest.to_vec(),
        }
    };
    Ok(Answer { status, body })
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| bad("a truncated chunk"))?;
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| bad("a bad chunk size"))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if data.len() < size {
            return Err(bad("a truncated chunk"));
        }
        body.extend_from_slice(&data[..size]);
        data = data.get(size + 2..).unwrap_or(&[]);
    }
}

/// `value` percent-encoded for a query string.
pub(crate) fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `data` in standard base64 (with padding).
pub(crate) fn base64(data: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"\xff\xfe\xfa"), "//76");
    }

    #[test]
    fn answers_are_parsed_chunked_or_not() {
        let plain = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}").unwrap();
        assert_eq!((plain.status, plain.body.as_slice()), (200, &b"{}"[..]));
        let chunked = parse(
            b"HTTP/1.1 408 X\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n1\r\n \r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(
            (chunked.status, chunked.body.as_slice()),
            (408, &b"{} "[..])
        );
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
        assert!(parse(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n{}").is_err());
    }

    #[test]
    fn endpoints_split_host_and_prefix() {
        let endpoint = Endpoint::new("http://127.0.0.1:8080/__fakereg", None).unwrap();
        assert_eq!(
            (endpoint.host.as_str(), endpoint.prefix.as_str()),
            ("127.0.0.1:8080", "/__fakereg")
        );
        let refused = Endpoint::new("ftp://127.0.0.1/__fakereg", None)
            .err()
            .unwrap();
        assert!(refused.to_string().contains("not an http"), "{refused}");
        let no_ca = Endpoint::new("https://127.0.0.1:8443/__fakereg", None)
            .err()
            .unwrap();
        #[cfg(feature = "tls")]
        assert!(no_ca.to_string().contains("no CA"), "{no_ca}");
        #[cfg(not(feature = "tls"))]
        assert!(no_ca.to_string().contains("`tls` feature"), "{no_ca}");
    }
}
