//! The builder: the settings of a registry to start, as `python -m fakereg` takes them.

use std::path::Path;
use std::time::Duration;

use crate::error::Result;
use crate::registry::Registry;

/// How cargo reads the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// The sparse protocol (`sparse+http://…/index/`), cargo's default for crates.io.
    #[default]
    Sparse,
    /// The git protocol: cargo clones and fetches the index repository.
    Git,
}

impl Protocol {
    /// The name `python -m fakereg --protocol` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Sparse => "sparse",
            Protocol::Git => "git",
        }
    }
}

/// The settings of a registry to start; made by [`Registry::builder`].
///
/// ```no_run
/// use fakereg::{Protocol, Registry};
/// let reg = Registry::builder()
///     .name("company")
///     .protocol(Protocol::Git)
///     .auth_required(true)
///     .user("alice")
///     .start()?;
/// # Ok::<(), fakereg::Error>(())
/// ```
#[derive(Clone)]
#[must_use = "a builder does nothing until .start()"]
pub struct RegistryBuilder {
    python: Option<String>,
    pub(crate) args: Vec<String>,
    pub(crate) retry_sleep_ms: Option<u32>,
    pub(crate) publish_timeout: Option<u32>,
    pub(crate) startup_timeout: Duration,
}

impl Default for RegistryBuilder {
    fn default() -> Self {
        RegistryBuilder {
            python: None,
            args: Vec::new(),
            retry_sleep_ms: Some(10),
            publish_timeout: None,
            startup_timeout: Duration::from_secs(60),
        }
    }
}

impl std::fmt::Debug for RegistryBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token given to `token()` is not shown: tokens never appear in logs.
        let args: Vec<&str> = self
            .args
            .iter()
            .enumerate()
            .map(
                |(i, arg)| match i.checked_sub(1).map(|before| &self.args[before]) {
                    Some(flag) if flag == "--token" => "<redacted>",
                    _ => arg.as_str(),
                },
            )
            .collect();
        f.debug_struct("RegistryBuilder")
            .field("python", &self.python)
            .field("args", &args)
            .field("retry_sleep_ms", &self.retry_sleep_ms)
            .field("publish_timeout", &self.publish_timeout)
            .field("startup_timeout", &self.startup_timeout)
            .finish()
    }
}

impl RegistryBuilder {
    /// A flag without a value, on or off (the last call decides).
    fn switch(mut self, flag: &str, on: bool) -> Self {
        self.args.retain(|arg| arg != flag);
        if on {
            self.args.push(flag.to_string());
        }
        self
    }

    /// A flag and its value (repeatable flags repeat; for the others the last one counts,
    /// as `python -m fakereg` reads them).
    fn arg(mut self, flag: &str, value: &str) -> Self {
        self.args.push(flag.to_string());
        self.args.push(value.to_string());
        self
    }

    /// The registry's name in cargo's config (`fakereg` by default): `--registry NAME`.
    pub fn name(self, name: &str) -> Self {
        self.arg("--name", name)
    }

    /// The index protocol cargo is configured with (sparse by default).
    pub fn protocol(self, protocol: Protocol) -> Self {
        self.arg("--protocol", protocol.as_str())
    }

    /// Serve HTTPS (and HTTP/2 by ALPN) with a certificate authority made for this
    /// registry: [`Registry::ca_path`]. The cargo home trusts it (`http.cainfo`),
    /// [`Registry::env`] makes git trust it too, and the control calls check the server
    /// against it (rustls; the `tls` feature, on by default).
    ///
    /// ```no_run
    /// let reg = fakereg::Registry::builder().tls(true).start()?;
    /// assert!(reg.url().starts_with("https://"));
    /// # Ok::<(), fakereg::Error>(())
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls(self, on: bool) -> Self {
        self.switch("--tls", on)
    }

    /// Offer HTTP/2 (by ALPN with [`tls`](RegistryBuilder::tls), by prior knowledge and
    /// h2c without): on by default; `false` speaks HTTP/1.1 only.
    pub fn http2(self, on: bool) -> Self {
        self.switch("--no-http2", !on)
    }

    /// A private registry: reading the index and downloads needs a token.
    pub fn auth_required(self, on: bool) -> Self {
        self.switch("--auth-required", on)
    }

    /// Apply crates.io's metadata and dependency rules to publishes and `add_crate`.
    pub fn strict(self, on: bool) -> Self {
        self.switch("--strict", on)
    }

    /// Adding an owner invites them, as on crates.io.
    pub fn owner_invitations(self, on: bool) -> Self {
        self.switch("--owner-invitations", on)
    }

    /// The cargo home makes this registry stand in for crates.io.
    pub fn replace_crates_io(self, on: bool) -> Self {
        self.switch("--replace-crates-io", on)
    }

    /// The default user's API token (generated otherwise).
    pub fn token(self, token: &str) -> Self {
        self.arg("--token", token)
    }

    /// Create this user at start; [`Registry::user_token`] gives its token (repeatable).
    pub fn user(self, login: &str) -> Self {
        self.arg("--user", login)
    }

    /// Import `.crate` files or unpacked crate folders at start (repeatable).
    pub fn seed(self, path: impl AsRef<Path>) -> Self {
        let path = path.as_ref().to_string_lossy().into_owned();
        self.arg("--seed", &path)
    }

    /// An index URL whose dependencies [`seed`](Self::seed) takes from this registry
    /// (crates packaged against another registry; repeatable).
    pub fn local_registry(self, url: &str) -> Self {
        self.arg("--local-registry", url)
    }

    /// Let `login` (created if need be) sign cargo's asymmetric tokens with `key`, the
    /// `k3.public.…` key `cargo login` prints with `cargo:paseto` (repeatable).
    pub fn public_key(self, login: &str, key: &str) -> Self {
        self.arg("--public-key", &format!("{login}={key}"))
    }

    /// The address to bind (127.0.0.1 by default).
    pub fn host(self, host: &str) -> Self {
        self.arg("--host", host)
    }

    /// The port to bind (a free one by default).
    pub fn port(self, port: u16) -> Self {
        self.arg("--port", &port.to_string())
    }

    /// A folder that keeps the state, kept after the registry stops (a scratch folder
    /// removed at drop by default). A second start on it sees the same crates and tokens.
    pub fn root(self, path: impl AsRef<Path>) -> Self {
        let path = path.as_ref().to_string_lossy().into_owned();
        self.arg("--root", &path)
    }

    /// A host name requests may name besides 127.0.0.1 and localhost (repeatable).
    pub fn allowed_host(self, name: &str) -> Self {
        self.arg("--allowed-host", name)
    }

    /// HTTP/2 streams a client may have open at once (100 by default).
    pub fn max_concurrent_streams(self, streams: u32) -> Self {
        self.arg("--max-concurrent-streams", &streams.to_string())
    }

    /// Requests the journal keeps, the oldest dropped (100,000 by default).
    pub fn max_recorded(self, requests: u64) -> Self {
        self.arg("--max-recorded", &requests.to_string())
    }

    /// Bodies over this many bytes are recorded as size and sha256 only (1 MiB by default).
    pub fn max_recorded_body(self, bytes: u64) -> Self {
        self.arg("--max-recorded-body", &bytes.to_string())
    }

    /// Cargo's sleep between retries in [`Registry::env`] (10 ms by default, as in Python;
    /// `None` keeps cargo's own 0.5 s to 10 s schedule).
    pub fn retry_sleep_ms(mut self, millis: Option<u32>) -> Self {
        self.retry_sleep_ms = millis;
        self
    }

    /// How long `cargo publish` run with [`Registry::env`] waits for the index (cargo's 60 s
    /// when not set).
    pub fn publish_timeout(mut self, seconds: u32) -> Self {
        self.publish_timeout = Some(seconds);
        self
    }

    /// The Python interpreter to run (else `FAKEREG_PYTHON`, else `python3`).
    pub fn python(mut self, python: &str) -> Self {
        self.python = Some(python.to_string());
        self
    }

    /// How long to wait for the server to be ready (60 s by default).
    pub fn startup_timeout(mut self, timeout: Duration) -> Self {
        self.startup_timeout = timeout;
        self
    }

    /// Start `python -m fakereg` with these settings and wait until it serves.
    ///
    /// Fails with [`Error::NotInstalled`](crate::Error::NotInstalled) when the interpreter
    /// lacks the `fakereg` package, [`Error::Spawn`](crate::Error::Spawn) when it cannot be
    /// run, and [`Error::Startup`](crate::Error::Startup) with the server's words otherwise.
    pub fn start(self) -> Result<Registry> {
        Registry::launch(self)
    }

    /// The interpreter to run: [`python`](Self::python), else `FAKEREG_PYTHON`, else
    /// `python3`.
    pub(crate) fn interpreter(&self) -> String {
        self.python
            .clone()
            .or_else(|| {
                std::env::var("FAKEREG_PYTHON")
                    .ok()
                    .filter(|p| !p.is_empty())
            })
            .unwrap_or_else(|| "python3".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_builders_debug_form_hides_its_token() {
        let shown = format!("{:?}", Registry::builder().token("secret-token").name("x"));
        assert!(!shown.contains("secret-token"), "{shown}");
        assert!(
            shown.contains("\"--token\", \"<redacted>\", \"--name\", \"x\""),
            "{shown}"
        );
    }

    #[test]
    fn settings_become_the_servers_flags() {
        let builder = Registry::builder()
            .name("company")
            .public_key("erin", "k3.public.x")
            .local_registry("sparse+https://example.test/index/")
            .port(8080)
            .allowed_host("registry.test")
            .max_recorded(3)
            .max_recorded_body(10)
            .max_concurrent_streams(7)
            .http2(true)
            .http2(false)
            .strict(true)
            .strict(false);
        assert_eq!(
            builder.args,
            [
                "--name",
                "company",
                "--public-key",
                "erin=k3.public.x",
                "--local-registry",
                "sparse+https://example.test/index/",
                "--port",
                "8080",
                "--allowed-host",
                "registry.test",
                "--max-recorded",
                "3",
                "--max-recorded-body",
                "10",
                "--max-concurrent-streams",
                "7",
                "--no-http2",
            ]
        );
    }
}
