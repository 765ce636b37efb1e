//! A minimal client of fakereg's control API over `std::net::TcpStream` (std only:
//! the example must build offline). Used by `tests/registry.rs`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `python -m fakereg` started for a test, stopped when dropped.
pub struct Registry {
    child: Child,
    /// The ready file's JSON text: `field` reads it.
    pub ready: String,
}

impl Registry {
    /// Start fakereg on a free port with its state under `work`, and wait until it answers.
    pub fn start(work: &Path) -> Registry {
        let ready_file = work.join("ready.json");
        let python = std::env::var("FAKEREG_PYTHON").unwrap_or_else(|_| "python3".into());
        let child = Command::new(python)
            .args(["-m", "fakereg", "--port", "0", "--quiet", "--root"])
            .arg(work.join("root"))
            .arg("--ready-file")
            .arg(&ready_file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python -m fakereg starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !ready_file.exists() {
            assert!(Instant::now() < deadline, "fakereg wrote no ready file");
            std::thread::sleep(Duration::from_millis(50));
        }
        let ready = std::fs::read_to_string(&ready_file).expect("ready file");
        Registry { child, ready }
    }

    /// A string field of the ready file (`"name": "value"`; no escapes in these).
    pub fn field(&self, name: &str) -> String {
        let key = format!("\"{name}\": \"");
        let start = self.ready.find(&key).expect("field in the ready file") + key.len();
        let end = start + self.ready[start..].find('"').expect("end of the field");
        self.ready[start..end].to_string()
    }

    /// One control API request: `(status, body)`.
    pub fn control(&self, method: &str, route: &str, body: &str) -> (u16, String) {
        let url = self.field("admin_url");
        let rest = url.strip_prefix("http://").expect("an http URL");
        let (host, path) = rest.split_once('/').expect("a path");
        let mut stream = TcpStream::connect(host).expect("connect");
        let request = format!(
            "{method} /{path}{route} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.field("admin_token"),
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        let status = answer[9..12].parse().expect("a status code");
        let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        (status, body)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
