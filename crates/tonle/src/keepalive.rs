//! A lean keep-alive HTTP/1.1 client for load generation (`tonle bench http`): one blocking TCP connection,
//! each request written with one system call from bytes built once, each answer's head parsed by `httparse`.
//! A load generator on the same cores as the server it measures should spend as little of them as it can, as
//! wrk does; a general client (ureq) spent 70-100 µs of CPU per request here.

use std::io::{Read, Write};
use std::net::TcpStream;

use anyhow::{bail, Context, Result};

/// Where requests go: `host:port` and the path prefix, from an `http://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `host:port` (port 80 if the URL gives none).
    pub address: String,
    /// The URL's path, without a trailing slash (empty for the root).
    pub base_path: String,
}

impl Target {
    /// Reads `http://HOST[:PORT][/PATH]`. HTTPS is not supported.
    pub fn parse(url: &str) -> Result<Target> {
        let Some(rest) = url.strip_prefix("http://") else {
            bail!("{url:?}: expected an http:// URL (the load generator speaks plain HTTP/1.1)");
        };
        let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
        if authority.is_empty() {
            bail!("{url:?}: no host");
        }
        let address = if authority.rsplit_once(':').is_some_and(|(_, port)| port.parse::<u16>().is_ok()) {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        let path = path.trim_end_matches('/');
        Ok(Target { address, base_path: if path.is_empty() { String::new() } else { format!("/{path}") } })
    }
}

/// The head of a JSON POST to `path`, up to its blank line, for a body of `length` bytes.
pub fn post_head(target: &Target, path: &str, authorization: &str, length: usize) -> String {
    format!(
        "POST {}{path} HTTP/1.1\r\nhost: {}\r\nauthorization: {authorization}\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n",
        target.base_path, target.address
    )
}

/// An answer: its status and body.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status code.
    pub status: u16,
    /// The body, as text (lossy if not UTF-8).
    pub body: String,
}

/// One keep-alive connection, reconnected after any failure.
pub struct Connection {
    address: String,
    stream: Option<TcpStream>,
    /// What was read past the last answer's end, and room for the next.
    buffer: Vec<u8>,
    /// The request being written: head and body together.
    request: Vec<u8>,
}

impl Connection {
    /// A connection to `target`, opened on first use.
    pub fn new(target: &Target) -> Connection {
        Connection {
            address: target.address.clone(),
            stream: None,
            buffer: Vec::with_capacity(16 * 1024),
            request: Vec::new(),
        }
    }

    /// Sends one request (`head` then `body`) and reads its answer. After an error the connection is closed and
    /// the next request opens a new one.
    pub fn send(&mut self, head: &[u8], body: &[u8]) -> Result<Answer> {
        let answer = self.exchange(head, body);
        if answer.is_err() {
            self.stream = None;
            self.buffer.clear();
        }
        answer
    }

    fn exchange(&mut self, head: &[u8], body: &[u8]) -> Result<Answer> {
        if self.stream.is_none() {
            let stream =
                TcpStream::connect(&self.address).with_context(|| format!("cannot connect to {}", self.address))?;
            stream.set_nodelay(true).context("setting TCP_NODELAY")?;
            self.stream = Some(stream);
            self.buffer.clear();
        }
        let stream = self.stream.as_mut().expect("opened above");
        self.request.clear();
        self.request.extend_from_slice(head);
        self.request.extend_from_slice(body);
        stream.write_all(&self.request).context("sending the request")?;
        // Read until the head is complete, then until the body is.
        let (status, head_length, body_length, close) = loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(&self.buffer).context("reading the answer's head")? {
                httparse::Status::Complete(head_length) => {
                    let status = response.code.unwrap_or(0);
                    let mut body_length = None;
                    let mut close = false;
                    for header in response.headers.iter() {
                        if header.name.eq_ignore_ascii_case("content-length") {
                            let text = std::str::from_utf8(header.value).unwrap_or("");
                            body_length =
                                Some(text.trim().parse::<usize>().with_context(|| format!("content-length {text:?}"))?);
                        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
                            bail!("the answer is chunked; this client reads only answers with a content-length");
                        } else if header.name.eq_ignore_ascii_case("connection") {
                            close = header.value.eq_ignore_ascii_case(b"close");
                        }
                    }
                    let Some(body_length) = body_length else {
                        bail!("the answer (status {status}) has no content-length");
                    };
                    break (status, head_length, body_length, close);
                }
                httparse::Status::Partial => read_more(stream, &mut self.buffer)?,
            }
        };
        while self.buffer.len() < head_length + body_length {
            read_more(stream, &mut self.buffer)?;
        }
        let body = String::from_utf8_lossy(&self.buffer[head_length..head_length + body_length]).into_owned();
        self.buffer.drain(..head_length + body_length);
        if close {
            self.stream = None;
        }
        Ok(Answer { status, body })
    }
}

/// Appends what the stream has to `buffer`; an error if it has closed.
fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Result<()> {
    let mut chunk = [0u8; 16 * 1024];
    let read = stream.read(&mut chunk).context("reading the answer")?;
    if read == 0 {
        bail!("the server closed the connection");
    }
    buffer.extend_from_slice(&chunk[..read]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn urls_are_read_into_an_address_and_a_base_path() {
        let target = Target::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(target, Target { address: "127.0.0.1:8080".into(), base_path: String::new() });
        let target = Target::parse("http://example.test/tonle/").unwrap();
        assert_eq!(target, Target { address: "example.test:80".into(), base_path: "/tonle".into() });
        assert!(Target::parse("https://127.0.0.1:8443").unwrap_err().to_string().contains("http://"));
        assert!(Target::parse("http:///x").is_err());
    }

    /// A server that answers each request on one connection with the given raw answers, in turn, and records
    /// what it was sent.
    fn serve(answers: Vec<&'static [u8]>) -> (Target, std::thread::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let handle = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut seen = Vec::new();
            // Where the request being read starts in `seen`.
            let mut start = 0;
            for answer in answers {
                // Read one request: up to the head's end plus its content-length.
                loop {
                    let mut headers = [httparse::EMPTY_HEADER; 16];
                    let mut request = httparse::Request::new(&mut headers);
                    if let Ok(httparse::Status::Complete(head)) = request.parse(&seen[start..]) {
                        let length: usize = request
                            .headers
                            .iter()
                            .find(|h| h.name == "content-length")
                            .map(|h| std::str::from_utf8(h.value).unwrap().parse().unwrap())
                            .unwrap();
                        if seen.len() >= start + head + length {
                            start += head + length;
                            break;
                        }
                    }
                    let mut chunk = [0u8; 4096];
                    let read = stream.read(&mut chunk).unwrap();
                    assert!(read > 0, "the client closed early");
                    seen.extend_from_slice(&chunk[..read]);
                }
                // Answers may arrive in pieces.
                let (first, rest) = answer.split_at(answer.len() / 2);
                stream.write_all(first).unwrap();
                stream.flush().unwrap();
                std::thread::sleep(std::time::Duration::from_millis(5));
                stream.write_all(rest).unwrap();
            }
            seen
        });
        (Target { address, base_path: String::new() }, handle)
    }

    #[test]
    fn answers_are_read_whole_and_the_connection_is_kept() {
        let (target, server) = serve(vec![
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{\"ok\":true}",
            b"HTTP/1.1 422 Unprocessable Entity\r\nContent-Length: 13\r\n\r\n{\"error\":\"x\"}",
        ]);
        let mut connection = Connection::new(&target);
        let body = br#"{"id":"T1"}"#;
        let head = post_head(&target, "/v1/transactions", "Bearer k", body.len());
        let first = connection.send(head.as_bytes(), body).unwrap();
        assert_eq!((first.status, first.body.as_str()), (200, r#"{"ok":true}"#));
        let second = connection.send(head.as_bytes(), body).unwrap();
        assert_eq!((second.status, second.body.as_str()), (422, r#"{"error":"x"}"#));
        let seen = String::from_utf8(server.join().unwrap()).unwrap();
        assert_eq!(seen.matches("POST /v1/transactions HTTP/1.1\r\n").count(), 2);
        assert!(seen.contains("authorization: Bearer k\r\n"));
        assert!(seen.ends_with(r#"{"id":"T1"}"#));
    }

    #[test]
    fn an_answer_without_a_length_is_an_error_not_a_hang() {
        let (target, server) = serve(vec![b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n"]);
        let mut connection = Connection::new(&target);
        let head = post_head(&target, "/x", "Bearer k", 2);
        let error = connection.send(head.as_bytes(), b"{}").unwrap_err();
        assert!(error.to_string().contains("chunked"), "{error}");
        server.join().unwrap();
    }
}
