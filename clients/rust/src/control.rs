//! The typed calls of the control API (`/__fakereg/…`, docs/how-to/other-languages.md).

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::filter::RequestFilter;
use crate::records::{CrateInfo, CrateVersion, Fault, PublishRecord, RecordedRequest, User};
use crate::specs::{CrateSpec, FaultSpec, TokenSpec};
use crate::Registry;

/// How long a control call may take to answer (a wait: its timeout and this).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Deserialize)]
struct Requests {
    requests: Vec<RecordedRequest>,
    last_seq: u64,
}

#[derive(Deserialize)]
struct Publishes {
    publishes: Vec<PublishRecord>,
}

#[derive(Deserialize)]
struct Token {
    token: String,
}

/// The `detail`s of Cargo's error shape, or the body as text.
fn explanation(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body).into_owned();
    let details: Option<Vec<String>> = serde_json::from_str::<Value>(&text).ok().and_then(|v| {
        v.get("errors")?.as_array().map(|errors| {
            errors
                .iter()
                .filter_map(|e| e.get("detail")?.as_str().map(String::from))
                .collect()
        })
    });
    match details {
        Some(details) if !details.is_empty() => details.join("; "),
        _ => text,
    }
}

impl Registry {
    fn call_with(
        &self,
        method: &str,
        route: &str,
        body: Option<&[u8]>,
        timeout: Duration,
    ) -> Result<Value> {
        let answer = self
            .endpoint
            .send(route, method, &self.ready.admin_token, body, timeout)?;
        if !(200..300).contains(&answer.status) {
            return Err(Error::Api {
                status: answer.status,
                message: explanation(&answer.body),
            });
        }
        Ok(serde_json::from_slice(&answer.body)?)
    }

    /// Any control API call: `method` on `route` (after `/__fakereg`, such as `"/teams"`)
    /// with an optional JSON body; the JSON answer, or [`Error::Api`] for a refusal. For
    /// the routes without a typed call (teams, invitations, trusted publishing, …).
    ///
    /// ```no_run
    /// # let reg = fakereg::Registry::start()?;
    /// let teams = reg.control("GET", "/teams", None)?;
    /// # Ok::<(), fakereg::Error>(())
    /// ```
    pub fn control(&self, method: &str, route: &str, body: Option<&Value>) -> Result<Value> {
        let bytes = body.map(serde_json::to_vec).transpose()?;
        self.call_with(method, route, bytes.as_deref(), ANSWER_TIMEOUT)
    }

    pub(crate) fn typed<T: DeserializeOwned>(
        &self,
        method: &str,
        route: &str,
        body: Option<&Value>,
    ) -> Result<T> {
        Ok(serde_json::from_value(self.control(method, route, body)?)?)
    }

    /// `GET /health`: `{"status": "ok", "name", "url", "protocol"}`.
    pub fn health(&self) -> Result<Value> {
        self.control("GET", "/health", None)
    }

    /// Add a crate version (Python's `reg.add_crate`); a dependency on a crate the registry
    /// lacks is stored as it is, unless the registry is `strict` (then a 400).
    ///
    /// ```no_run
    /// # use fakereg::{CrateSpec, Registry};
    /// # let reg = Registry::start()?;
    /// reg.add_crate(CrateSpec::new("b", "1.0.0"))?;
    /// let a = reg.add_crate(CrateSpec::new("a", "1.0.0").dep("b@1"))?;
    /// assert_eq!(a.version, "1.0.0");
    /// # Ok::<(), fakereg::Error>(())
    /// ```
    pub fn add_crate(&self, spec: CrateSpec) -> Result<CrateVersion> {
        self.typed("POST", "/crates", Some(&spec.to_json()))
    }

    /// Add several crate versions in one index change, all or none.
    pub fn add_crates<I: IntoIterator<Item = CrateSpec>>(
        &self,
        specs: I,
    ) -> Result<Vec<CrateVersion>> {
        let list: Vec<Value> = specs.into_iter().map(|s| s.to_json()).collect();
        self.typed("POST", "/crates", Some(&Value::Array(list)))
    }

    /// Import a `.crate` file's bytes (as Python's `reg.import_crates`); `None` when that very
    /// version is already there.
    pub fn import_crate(&self, data: &[u8]) -> Result<Option<CrateVersion>> {
        let answer = self.call_with("PUT", "/crates", Some(data), ANSWER_TIMEOUT)?;
        if answer.get("added") == Some(&Value::Bool(false)) {
            return Ok(None);
        }
        Ok(Some(serde_json::from_value(answer)?))
    }

    /// Every crate with its owners and versions.
    pub fn crates(&self) -> Result<Vec<CrateInfo>> {
        let answer = self.control("GET", "/crates", None)?;
        Ok(serde_json::from_value(
            answer.get("crates").cloned().unwrap_or(Value::Null),
        )?)
    }

    /// Create a user (Python's `reg.add_user`); the answer holds its API token.
    pub fn add_user(&self, login: &str) -> Result<User> {
        self.typed("POST", "/users", Some(&json!({ "login": login })))
    }

    /// Make an API token (Python's `reg.add_token`): scoped, expiring, named.
    ///
    /// ```no_run
    /// # use fakereg::{Registry, TokenSpec};
    /// # let reg = Registry::start()?;
    /// reg.add_user("alice")?;
    /// let token = reg.add_token(TokenSpec::new("alice").scopes(["yank"]))?;
    /// # Ok::<(), fakereg::Error>(())
    /// ```
    pub fn add_token(&self, spec: TokenSpec) -> Result<String> {
        Ok(self
            .typed::<Token>("POST", "/tokens", Some(&spec.to_json()))?
            .token)
    }

    /// Revoke a token (a 404 [`Error::Api`] if nobody holds it).
    pub fn revoke_token(&self, token: &str) -> Result<()> {
        self.control("DELETE", "/tokens", Some(&json!({ "token": token })))
            .map(drop)
    }

    /// Inject a fault (Python's `reg.fail`); it stays in force until spent, removed or reset.
    ///
    /// ```no_run
    /// # use fakereg::{FaultSpec, Registry};
    /// # let reg = Registry::start()?;
    /// let fault = reg.fail(FaultSpec::new("download").status(503).times(1))?;
    /// // … run cargo …
    /// reg.remove_fault(fault.id)?;
    /// # Ok::<(), fakereg::Error>(())
    /// ```
    pub fn fail(&self, spec: FaultSpec) -> Result<Fault> {
        self.typed("POST", "/faults", Some(&spec.to_json()))
    }

    /// The faults in force, with their counts.
    pub fn faults(&self) -> Result<Vec<Fault>> {
        let answer = self.control("GET", "/faults", None)?;
        Ok(serde_json::from_value(
            answer.get("faults").cloned().unwrap_or(Value::Null),
        )?)
    }

    /// End a fault.
    pub fn remove_fault(&self, id: u64) -> Result<()> {
        self.control("DELETE", &format!("/faults/{id}"), None)
            .map(drop)
    }

    /// Hold new index entries back (Python's `reg.delay_index_updates`): for `seconds`,
    /// and/or for `polls` index reads; `(None, None)` stops delaying.
    pub fn delay_index_updates(&self, seconds: Option<f64>, polls: Option<u32>) -> Result<()> {
        let mut body = serde_json::Map::new();
        if let Some(seconds) = seconds {
            body.insert("seconds".into(), json!(seconds));
        }
        if let Some(polls) = polls {
            body.insert("polls".into(), json!(polls));
        }
        self.control("POST", "/index-delay", Some(&Value::Object(body)))
            .map(drop)
    }

    /// The recorded requests that match `filter`, oldest first.
    ///
    /// ```no_run
    /// # use fakereg::{Registry, RequestFilter};
    /// # let reg = Registry::start()?;
    /// for request in reg.requests(RequestFilter::kind("download"))? {
    ///     println!("{} {} -> {}", request.method, request.path, request.status);
    /// }
    /// # Ok::<(), fakereg::Error>(())
    /// ```
    pub fn requests(&self, filter: RequestFilter) -> Result<Vec<RecordedRequest>> {
        let answer: Requests = self.typed("GET", &format!("/requests?{}", filter.query()), None)?;
        Ok(answer.requests)
    }

    /// The journal's last sequence number: [`RequestFilter::since`] it for "what comes next".
    pub fn last_seq(&self) -> Result<u64> {
        // A path no request has: nothing listed, the journal's end still told.
        let answer: Requests = self.typed("GET", "/requests?path=%00", None)?;
        Ok(answer.last_seq)
    }

    /// Every publish received, accepted or refused.
    pub fn publishes(&self) -> Result<Vec<PublishRecord>> {
        Ok(self
            .typed::<Publishes>("GET", "/publishes", None)?
            .publishes)
    }

    /// Wait until a request matching `filter` arrives (at least [`RequestFilter::at_least`]
    /// of them) and answer the matching ones. A timeout is an [`Error::Api`] with status
    /// 408 and, as its message, the closest requests (the words of Python's failure).
    ///
    /// ```no_run
    /// # use fakereg::{Registry, RequestFilter};
    /// # use std::time::Duration;
    /// # let reg = Registry::start()?;
    /// let next = RequestFilter::kind("publish").since(reg.last_seq()?);
    /// // … start a `cargo publish` in the background …
    /// let seen = reg.wait_for(next, Duration::from_secs(30))?;
    /// # Ok::<(), fakereg::Error>(())
    /// ```
    pub fn wait_for(
        &self,
        filter: RequestFilter,
        timeout: Duration,
    ) -> Result<Vec<RecordedRequest>> {
        let body = serde_json::to_vec(&filter.wait_body(timeout.as_secs_f64()))?;
        let answer = self.call_with("POST", "/wait", Some(&body), timeout + ANSWER_TIMEOUT)?;
        Ok(serde_json::from_value::<Requests>(json!({
            "requests": answer.get("requests").cloned().unwrap_or(Value::Null),
            "last_seq": 0,
        }))?
        .requests)
    }

    /// Panic unless the journal holds a request matching `filter` (at least
    /// [`RequestFilter::at_least`] of them); the panic message is the server's explanation
    /// with the closest requests, as Python's `reg.assert_requested` words it.
    ///
    /// ```no_run
    /// # use fakereg::{Registry, RequestFilter};
    /// # let reg = Registry::start()?;
    /// reg.assert_requested(RequestFilter::kind("download").krate("a").status(200));
    /// # Ok::<(), fakereg::Error>(())
    /// ```
    #[track_caller]
    pub fn assert_requested(&self, filter: RequestFilter) -> Vec<RecordedRequest> {
        match self.wait_for(filter, Duration::ZERO) {
            Ok(found) => found,
            Err(Error::Api {
                status: 408,
                message,
            }) => panic!("{message}"),
            Err(error) => panic!("assert_requested could not ask the registry: {error}"),
        }
    }

    /// Forget the recorded traffic and the faults, end index delays (Python's `reg.reset`).
    pub fn reset(&self) -> Result<()> {
        self.control("POST", "/reset", Some(&json!({}))).map(drop)
    }

    /// [`Registry::reset`], and remove every crate too.
    pub fn reset_crates(&self) -> Result<()> {
        self.control("POST", "/reset", Some(&json!({ "crates": true })))
            .map(drop)
    }
}
