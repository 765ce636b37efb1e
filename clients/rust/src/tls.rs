//! HTTPS to a registry started with `tls(true)`: rustls, trusting the registry's own CA and
//! nothing else (the `tls` feature).

use std::fs::File;
use std::io::BufReader;
use std::net::{IpAddr, TcpStream};
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Arc;

use rustls::{Certificate, ClientConfig, ClientConnection, RootCertStore, ServerName, StreamOwned};

use crate::error::{Error, Result};

/// The name the server's certificate is checked against when the URL's host is an IP
/// address: fakereg's certificate names `127.0.0.1`, `::1` and `localhost`, and the
/// certificate checks of rustls 0.20 (webpki 0.22) match DNS names only.
const LOOPBACK_NAME: &str = "localhost";

/// A client configuration that trusts one registry's CA, and the name to check.
pub(crate) struct Tls {
    /// Built once and then only read. rustls's trait objects in it are not `RefUnwindSafe`,
    /// and a [`Registry`](crate::Registry) is (tests use it across `catch_unwind`): the one
    /// mutable part, the session cache, is behind rustls's own lock.
    config: AssertUnwindSafe<Arc<ClientConfig>>,
    name: ServerName,
}

impl Tls {
    /// Trust the PEM certificates in `ca_path` for the server at `host` (`host:port`).
    pub(crate) fn trusting(ca_path: &Path, host: &str) -> Result<Tls> {
        let unreadable = |why: String| {
            Error::Startup(format!("the registry's CA at {}: {why}", ca_path.display()))
        };
        let file = File::open(ca_path).map_err(|e| unreadable(e.to_string()))?;
        let certificates = rustls_pemfile::certs(&mut BufReader::new(file))
            .map_err(|e| unreadable(e.to_string()))?;
        let mut roots = RootCertStore::empty();
        for der in certificates {
            roots
                .add(&Certificate(der))
                .map_err(|e| unreadable(e.to_string()))?;
        }
        if roots.is_empty() {
            return Err(unreadable("no PEM certificate in it".to_string()));
        }
        let config = ClientConfig::builder()
            .with_safe_defaults()
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Tls {
            config: AssertUnwindSafe(Arc::new(config)),
            name: server_name(host)?,
        })
    }

    /// `stream` with the TLS session on it (the handshake runs on the first write).
    pub(crate) fn wrap(
        &self,
        stream: TcpStream,
    ) -> Result<StreamOwned<ClientConnection, TcpStream>> {
        let connection = ClientConnection::new(Arc::clone(&*self.config), self.name.clone())
            .map_err(|e| Error::Io(std::io::Error::other(e)))?;
        Ok(StreamOwned::new(connection, stream))
    }
}

/// The DNS name of `host` (`name:port`, `1.2.3.4:port` or `[::1]:port`) to check the
/// certificate against.
fn server_name(host: &str) -> Result<ServerName> {
    let bare = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let bare = bare.trim_start_matches('[').trim_end_matches(']');
    let name = if bare.parse::<IpAddr>().is_ok() {
        LOOPBACK_NAME
    } else {
        bare
    };
    ServerName::try_from(name)
        .map_err(|_| Error::Startup(format!("`{name}` is not a host name TLS can check")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_hosts_are_checked_as_localhost() {
        let expected = ServerName::try_from("localhost").unwrap();
        assert_eq!(server_name("127.0.0.1:8443").unwrap(), expected);
        assert_eq!(server_name("[::1]:8443").unwrap(), expected);
        assert_eq!(
            server_name("registry.test:8443").unwrap(),
            ServerName::try_from("registry.test").unwrap()
        );
    }

    #[test]
    fn a_file_without_certificates_is_refused() {
        let dir = std::env::temp_dir().join(format!("fakereg-rs-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let refused = Tls::trusting(&empty, "127.0.0.1:1").err().unwrap();
        let missing = Tls::trusting(&dir.join("missing.pem"), "127.0.0.1:1")
            .err()
            .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            refused.to_string().contains("no PEM certificate"),
            "{refused}"
        );
        assert!(missing.to_string().contains("missing.pem"), "{missing}");
    }
}
