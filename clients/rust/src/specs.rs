//! What the typed calls send: crates to add, faults to inject, tokens to make.

use serde_json::{json, Map, Value};

use crate::http::base64;

/// A dependency of a [`CrateSpec`] with more than a name and a requirement
/// (`CrateSpec::dep("b@1")` covers the simple case). Python's `fakereg.Dependency`.
///
/// ```
/// use fakereg::{CrateSpec, Dependency};
/// let spec = CrateSpec::new("app", "1.0.0")
///     .dependency(Dependency::new("serde", "1").features(["derive"]).optional(true))
///     .dependency(Dependency::new("tester", "0.1").kind("dev"));
/// # let _ = spec;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Dependency(Map<String, Value>);

impl Dependency {
    /// A dependency on crate `name` with the version requirement `req` (`"1"`, `"^0.2"`, `"*"`).
    pub fn new(name: &str, req: &str) -> Self {
        let mut map = Map::new();
        map.insert("name".into(), json!(name));
        map.insert("req".into(), json!(req));
        Dependency(map)
    }

    fn set(mut self, key: &str, value: Value) -> Self {
        self.0.insert(key.into(), value);
        self
    }

    /// Features of the dependency to enable.
    pub fn features<I: IntoIterator<Item = S>, S: Into<String>>(self, features: I) -> Self {
        let list: Vec<String> = features.into_iter().map(Into::into).collect();
        self.set("features", json!(list))
    }

    /// An optional dependency (enabled by a feature).
    pub fn optional(self, optional: bool) -> Self {
        self.set("optional", json!(optional))
    }

    /// Whether the dependency's default features are on (they are by default).
    pub fn default_features(self, on: bool) -> Self {
        self.set("default_features", json!(on))
    }

    /// `"normal"` (the default), `"dev"` or `"build"`.
    pub fn kind(self, kind: &str) -> Self {
        self.set("kind", json!(kind))
    }

    /// A platform it applies to (`cfg(unix)`, a target triple).
    pub fn target(self, target: &str) -> Self {
        self.set("target", json!(target))
    }

    /// The name the dependency goes by in the dependent's `Cargo.toml` (cargo's `package = …`).
    pub fn rename(self, rename: &str) -> Self {
        self.set("rename", json!(rename))
    }

    /// The index URL of another registry the dependency comes from (or `"crates-io"`).
    pub fn registry(self, registry: &str) -> Self {
        self.set("registry", json!(registry))
    }
}

/// A crate version to add with [`Registry::add_crate`](crate::Registry::add_crate):
/// Python's `reg.add_crate(name, version, ...)` keywords, as a builder.
///
/// ```
/// use fakereg::CrateSpec;
/// let spec = CrateSpec::new("a", "1.0.0")
///     .dep("b@1")
///     .feature("full", ["b/full"])
///     .description("the letter a")
///     .file("src/lib.rs", "pub fn a() {}");
/// assert_eq!(spec.name(), "a");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CrateSpec(Map<String, Value>);

impl CrateSpec {
    /// Crate `name` at `version` (a semver version such as `"1.0.0"`).
    pub fn new(name: &str, version: &str) -> Self {
        let mut map = Map::new();
        map.insert("name".into(), json!(name));
        map.insert("version".into(), json!(version));
        CrateSpec(map)
    }

    /// The crate's name.
    pub fn name(&self) -> &str {
        self.0
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    fn set(mut self, key: &str, value: Value) -> Self {
        self.0.insert(key.into(), value);
        self
    }

    fn push_dep(mut self, dep: Value) -> Self {
        let deps = self.0.entry("deps").or_insert_with(|| json!([]));
        if let Value::Array(list) = deps {
            list.push(dep);
        }
        self
    }

    /// A normal dependency written `"name@req"` (`"b@1"`, `"serde@^1.0"`, or `"b"` for any version).
    pub fn dep(self, dep: &str) -> Self {
        self.push_dep(json!(dep))
    }

    /// A dependency with more detail (kind, features, optional, target, …).
    pub fn dependency(self, dep: Dependency) -> Self {
        self.push_dep(Value::Object(dep.0))
    }

    /// A feature and what it enables (`feature("full", ["b/full"])`).
    pub fn feature<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        name: &str,
        enables: I,
    ) -> Self {
        let list: Vec<String> = enables.into_iter().map(Into::into).collect();
        let features = self.0.entry("features").or_insert_with(|| json!({}));
        if let Value::Object(map) = features {
            map.insert(name.into(), json!(list));
        }
        self
    }

    /// A file of the `.crate` (a `src/lib.rs` is made when none is given).
    pub fn file(mut self, path: &str, text: &str) -> Self {
        let files = self.0.entry("files").or_insert_with(|| json!({}));
        if let Value::Object(map) = files {
            map.insert(path.into(), json!(text));
        }
        self
    }

    /// The version is yanked as soon as it is added.
    pub fn yanked(self, yanked: bool) -> Self {
        self.set("yanked", json!(yanked))
    }

    /// The user that owns the crate (by login; the default user otherwise).
    pub fn owner(self, login: &str) -> Self {
        self.set("owner", json!(login))
    }

    /// The publish time of the version, ISO-8601 (the index's `pubtime`).
    pub fn pubtime(self, when: &str) -> Self {
        self.set("pubtime", json!(when))
    }

    /// `package.description`.
    pub fn description(self, text: &str) -> Self {
        self.set("description", json!(text))
    }

    /// `package.license` (an SPDX expression).
    pub fn license(self, license: &str) -> Self {
        self.set("license", json!(license))
    }

    /// `package.edition` (`"2021"` by default).
    pub fn edition(self, edition: &str) -> Self {
        self.set("edition", json!(edition))
    }

    /// `package.rust-version`: the index's `rust_version`, which cargo's resolver may honour.
    pub fn rust_version(self, version: &str) -> Self {
        self.set("rust_version", json!(version))
    }

    /// `package.links`.
    pub fn links(self, links: &str) -> Self {
        self.set("links", json!(links))
    }

    /// A proc-macro crate.
    pub fn proc_macro(self, proc_macro: bool) -> Self {
        self.set("proc_macro", json!(proc_macro))
    }

    /// Any other `add_crate` keyword, as JSON (`repository`, `keywords`, `build_rs`, …).
    pub fn option(self, key: &str, value: Value) -> Self {
        self.set(key, value)
    }

    pub(crate) fn to_json(&self) -> Value {
        Value::Object(self.0.clone())
    }
}

/// A fault to inject with [`Registry::fail`](crate::Registry::fail): Python's
/// `reg.fail(kind, ...)` keywords, as a builder. The server checks it with the same code
/// (a bad combination is an [`Error::Api`](crate::Error::Api) with status 400).
///
/// ```
/// use fakereg::FaultSpec;
/// // The second index fetch answers 503, once.
/// let fault = FaultSpec::new("git").status(503).after(1).times(1);
/// let slow = FaultSpec::new("download").krate("serde").delay(0.5);
/// # let _ = (fault, slow);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec(Map<String, Value>);

impl FaultSpec {
    /// A fault on requests of `kind` (`"index"`, `"git"`, `"download"`, `"publish"`, …: the
    /// kinds of the recorded traffic).
    pub fn new(kind: &str) -> Self {
        let mut map = Map::new();
        map.insert("kind".into(), json!(kind));
        FaultSpec(map)
    }

    fn set(mut self, key: &str, value: Value) -> Self {
        self.0.insert(key.into(), value);
        self
    }

    /// Only requests about this crate.
    pub fn krate(self, name: &str) -> Self {
        self.set("crate", json!(name))
    }

    /// Only requests about this version.
    pub fn version(self, version: &str) -> Self {
        self.set("version", json!(version))
    }

    /// Only requests with this HTTP method.
    pub fn method(self, method: &str) -> Self {
        self.set("method", json!(method))
    }

    /// Fire this many times, then answer normally again.
    pub fn times(self, times: u32) -> Self {
        self.set("times", json!(times))
    }

    /// Let this many matching requests through first.
    pub fn after(self, after: u32) -> Self {
        self.set("after", json!(after))
    }

    /// Answer with this status (Cargo's error shape naming the fault, unless a body is given).
    pub fn status(self, status: u16) -> Self {
        self.set("status", json!(status))
    }

    /// Answer Cargo's error shape with these `detail`s.
    pub fn errors<I: IntoIterator<Item = S>, S: Into<String>>(self, errors: I) -> Self {
        let list: Vec<String> = errors.into_iter().map(Into::into).collect();
        self.set("errors", json!(list))
    }

    /// Answer this text as the body.
    pub fn body(self, text: &str) -> Self {
        self.set("body", json!(text))
    }

    /// Answer these bytes as the body (sent in base64).
    pub fn body_bytes(self, data: &[u8]) -> Self {
        self.set("body_base64", json!(base64(data)))
    }

    /// Add a header to the answer.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let headers = self.0.entry("headers").or_insert_with(|| json!([]));
        if let Value::Array(list) = headers {
            list.push(json!([name, value]));
        }
        self
    }

    /// Wait this many seconds before answering.
    pub fn delay(self, seconds: f64) -> Self {
        self.set("delay", json!(seconds))
    }

    /// Send the answer slowly, over this many seconds.
    pub fn dribble(self, seconds: f64) -> Self {
        self.set("dribble", json!(seconds))
    }

    /// Close the connection without an answer.
    pub fn drop_connection(self) -> Self {
        self.set("drop", json!(true))
    }

    /// Reset the connection (TCP RST).
    pub fn reset(self) -> Self {
        self.set("reset", json!(true))
    }

    /// Never answer.
    pub fn stall(self) -> Self {
        self.set("stall", json!(true))
    }

    /// Cut the answer's body short.
    pub fn truncate(self) -> Self {
        self.set("truncate", json!(true))
    }

    /// Serve a download whose bytes do not match its checksum (`kind` `"download"`).
    pub fn corrupt(self) -> Self {
        self.set("corrupt", json!(true))
    }

    /// Serve an index file with an invalid line (`kind` `"index"`).
    pub fn invalid_line(self) -> Self {
        self.set("invalid_line", json!(true))
    }

    /// Any other `reg.fail` keyword, as JSON (`goaway`, `reset_stream`, `malicious`, …).
    pub fn option(self, key: &str, value: Value) -> Self {
        self.set(key, value)
    }

    pub(crate) fn to_json(&self) -> Value {
        Value::Object(self.0.clone())
    }
}

/// An API token to make with [`Registry::add_token`](crate::Registry::add_token): Python's
/// `reg.add_token(login, ...)`.
///
/// ```
/// use fakereg::TokenSpec;
/// let spec = TokenSpec::new("alice").scopes(["publish-update"]).crates(["a", "b-*"]);
/// # let _ = spec;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TokenSpec(Map<String, Value>);

impl TokenSpec {
    /// A token of user `login` (made with [`Registry::add_user`](crate::Registry::add_user)).
    pub fn new(login: &str) -> Self {
        let mut map = Map::new();
        map.insert("login".into(), json!(login));
        TokenSpec(map)
    }

    /// Its endpoint scopes (`publish-new`, `publish-update`, `yank`, `change-owners`).
    pub fn scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        let list: Vec<String> = scopes.into_iter().map(Into::into).collect();
        self.0.insert("scopes".into(), json!(list));
        self
    }

    /// Its crate scopes (names, or patterns ending in `*`).
    pub fn crates<I: IntoIterator<Item = S>, S: Into<String>>(mut self, crates: I) -> Self {
        let list: Vec<String> = crates.into_iter().map(Into::into).collect();
        self.0.insert("crates".into(), json!(list));
        self
    }

    /// When it expires, ISO-8601 (`2030-01-01T00:00:00Z`).
    pub fn expires(mut self, when: &str) -> Self {
        self.0.insert("expires".into(), json!(when));
        self
    }

    /// Its name, as `cargo` and the web page show it.
    pub fn name(mut self, name: &str) -> Self {
        self.0.insert("name".into(), json!(name));
        self
    }

    pub(crate) fn to_json(&self) -> Value {
        Value::Object(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_are_the_json_python_takes() {
        let crate_spec = CrateSpec::new("a", "1.0.0")
            .dep("b@1")
            .dependency(Dependency::new("c", "2").kind("dev"))
            .feature("full", ["b/full"]);
        assert_eq!(
            crate_spec.to_json(),
            json!({"name": "a", "version": "1.0.0", "features": {"full": ["b/full"]},
                   "deps": ["b@1", {"name": "c", "req": "2", "kind": "dev"}]})
        );
        let fault = FaultSpec::new("index")
            .status(503)
            .header("Retry-After", "1")
            .body_bytes(b"\xff");
        assert_eq!(
            fault.to_json(),
            json!({"kind": "index", "status": 503, "headers": [["Retry-After", "1"]],
                   "body_base64": "/w=="})
        );
    }
}
