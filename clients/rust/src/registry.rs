//! The registry handle: the accessors and cargo's environment.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::builder::RegistryBuilder;
use crate::error::Result;
use crate::http::Endpoint;
use crate::process::{Process, Ready};

/// A fake Cargo registry, served by `python -m fakereg` for as long as this value lives
/// (dropping it stops the server and removes its state, also when a test panics).
///
/// ```no_run
/// use fakereg::{CrateSpec, Registry, RequestFilter};
///
/// let reg = Registry::builder().start()?;
/// reg.add_crate(CrateSpec::new("a", "1.0.0"))?;
/// let output = reg.cargo().args(["search", "--registry", reg.name(), "a"]).output()?;
/// assert!(output.status.success());
/// reg.assert_requested(RequestFilter::kind("search"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Registry {
    process: Process,
    pub(crate) ready: Ready,
    pub(crate) endpoint: Endpoint,
    settings: RegistryBuilder,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No token here: tokens never appear in logs.
        f.debug_struct("Registry")
            .field("name", &self.ready.name)
            .field("url", &self.ready.url)
            .field("protocol", &self.ready.protocol)
            .finish_non_exhaustive()
    }
}

/// Host names cargo must reach directly, whatever proxy the environment names.
const LOOPBACK: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

impl Registry {
    /// Start `python -m fakereg` with `settings` and wait until it serves.
    pub(crate) fn launch(settings: RegistryBuilder) -> Result<Registry> {
        let python = settings.interpreter();
        let (process, ready) = Process::start(&python, &settings.args, settings.startup_timeout)?;
        let endpoint = Endpoint::new(&ready.admin_url, ready.ca_path.as_deref())?;
        Ok(Registry {
            process,
            ready,
            endpoint,
            settings,
        })
    }

    /// A builder with Python's defaults: a sparse registry named `fakereg`.
    pub fn builder() -> RegistryBuilder {
        RegistryBuilder::default()
    }

    /// Start a registry with the defaults (`Registry::builder().start()`).
    pub fn start() -> Result<Registry> {
        Self::builder().start()
    }

    /// The registry's base URL, `http://127.0.0.1:PORT` (`https://` with
    /// [`tls`](RegistryBuilder::tls)).
    pub fn url(&self) -> &str {
        &self.ready.url
    }

    /// The registry's name in cargo's config.
    pub fn name(&self) -> &str {
        &self.ready.name
    }

    /// `"sparse"` or `"git"`.
    pub fn protocol(&self) -> &str {
        &self.ready.protocol
    }

    /// The index URL cargo is configured with (`sparse+http://…` or the git one).
    pub fn index_url(&self) -> &str {
        &self.ready.index_url
    }

    /// The sparse index URL (served whatever the protocol).
    pub fn sparse_index_url(&self) -> &str {
        &self.ready.sparse_index_url
    }

    /// The git index URL, if the registry serves one.
    pub fn git_index_url(&self) -> Option<&str> {
        self.ready.git_index_url.as_deref()
    }

    /// The default user's API token (the cargo home holds it already).
    pub fn token(&self) -> &str {
        &self.ready.token
    }

    /// The default user's login.
    pub fn login(&self) -> &str {
        &self.ready.login
    }

    /// The token of a user created with [`RegistryBuilder::user`].
    pub fn user_token(&self, login: &str) -> Option<&str> {
        self.ready.users.get(login).map(String::as_str)
    }

    /// The control API's base URL (`<url>/__fakereg`).
    pub fn admin_url(&self) -> &str {
        &self.ready.admin_url
    }

    /// The registry's web page.
    pub fn page_url(&self) -> &str {
        &self.ready.page_url
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.ready.pid
    }

    /// The PEM file of the registry's certificate authority with
    /// [`tls`](RegistryBuilder::tls) (`None` for an HTTP registry): hand it to the HTTPS
    /// client of the tool under test.
    pub fn ca_path(&self) -> Option<&Path> {
        self.ready.ca_path.as_deref()
    }

    /// Where the server keeps its state.
    pub fn root(&self) -> &Path {
        &self.ready.root
    }

    /// A `CARGO_HOME` that holds the registry's `config.toml` and `credentials.toml`.
    pub fn cargo_home(&self) -> &Path {
        &self.ready.cargo_home
    }

    /// A scratch folder of this registry's own (made if need be), removed with it: a place
    /// for test packages.
    pub fn scratch(&self) -> PathBuf {
        let dir = self.process.dir().join("work");
        let _ = std::fs::create_dir_all(&dir);
        dir
    }

    /// What cargo needs to use this registry, as pairs for [`Command::envs`]: `CARGO_HOME`,
    /// loopback in `NO_PROXY`, no colours, the retry sleep and publish timeout settings, and
    /// with [`tls`](RegistryBuilder::tls) `GIT_SSL_CAINFO` (git trusts the registry's CA, as
    /// cargo does through its cargo home) (as Python's `reg.env`). [`Registry::cargo`] also removes the `CARGO_REGISTRIES_*`
    /// and `CARGO_REGISTRY_*` variables of the environment, which would point cargo elsewhere.
    ///
    /// ```no_run
    /// # let reg = fakereg::Registry::start()?;
    /// let status = std::process::Command::new("cargo")
    ///     .args(["search", "--registry", reg.name(), "x"])
    ///     .envs(reg.env())
    ///     .status()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            (
                "CARGO_HOME".to_string(),
                self.cargo_home().to_string_lossy().into_owned(),
            ),
            ("CARGO_TERM_COLOR".to_string(), "never".to_string()),
        ];
        for key in ["NO_PROXY", "no_proxy"] {
            let present = std::env::var(key).unwrap_or_default();
            let mut hosts: Vec<&str> = present.split(',').filter(|h| !h.is_empty()).collect();
            for host in LOOPBACK {
                if !hosts.contains(&host) {
                    hosts.push(host);
                }
            }
            env.push((key.to_string(), hosts.join(",")));
        }
        if let Some(ca_path) = self.ca_path() {
            env.push((
                "GIT_SSL_CAINFO".to_string(),
                ca_path.to_string_lossy().into_owned(),
            ));
        }
        if let Some(millis) = self.settings.retry_sleep_ms {
            env.push((
                "__CARGO_TEST_FIXED_RETRY_SLEEP_MS".to_string(),
                millis.to_string(),
            ));
        }
        if let Some(seconds) = self.settings.publish_timeout {
            // publish.timeout is unstable: cargo's own tests enable it on stable this way.
            env.push((
                "__CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS".into(),
                "nightly".into(),
            ));
            env.push(("CARGO_UNSTABLE_PUBLISH_TIMEOUT".into(), "true".into()));
            env.push(("CARGO_PUBLISH_TIMEOUT".into(), seconds.max(1).to_string()));
        }
        env
    }

    /// A [`Command`] running cargo (`FAKEREG_CARGO`, else `cargo` from `PATH`) with
    /// [`Registry::env`], as Python's `reg.cargo()`: add the arguments and run it.
    ///
    /// ```no_run
    /// # let reg = fakereg::Registry::start()?;
    /// let output = reg.cargo().arg("generate-lockfile").current_dir("my-package").output()?;
    /// assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cargo(&self) -> Command {
        let cargo = std::env::var("FAKEREG_CARGO")
            .ok()
            .filter(|c| !c.is_empty());
        let mut command = Command::new(cargo.unwrap_or_else(|| "cargo".to_string()));
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if key == "CARGO_HTTP_PROXY"
                || key.starts_with("CARGO_REGISTRIES_")
                || key.starts_with("CARGO_REGISTRY_")
            {
                command.env_remove(key.as_ref());
            }
        }
        command.envs(self.env());
        command
    }
}
