//! What the typed calls answer: recorded requests, publishes, added crates, faults, users.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// One request the registry answered, as its journal keeps it (Python's `RecordedRequest`).
/// The `Authorization` header is redacted.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct RecordedRequest {
    /// Its number in the journal (1, 2, …; never reused, also after a reset).
    pub seq: u64,
    /// The HTTP method.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string (without `?`).
    pub query: String,
    /// The request's headers (repeated ones joined with `, `).
    pub headers: BTreeMap<String, String>,
    /// The body as text when it is UTF-8 …
    pub body: Option<String>,
    /// … else in base64.
    pub body_base64: Option<String>,
    /// The status answered.
    pub status: u16,
    /// The kind of request (`"index"`, `"git"`, `"download"`, `"publish"`, …).
    pub kind: String,
    /// The answer's body as text when it is UTF-8 …
    pub response_body: Option<String>,
    /// … else in base64.
    pub response_body_base64: Option<String>,
    /// Seconds it took to answer.
    pub duration: f64,
    /// The crate it was about, if any.
    #[serde(rename = "crate")]
    pub krate: Option<String>,
    /// The version it was about, if any.
    pub version: Option<String>,
    /// The fault that shaped the answer, described, if one did.
    pub fault: Option<String>,
    /// When it arrived (seconds since the Unix epoch).
    pub at: f64,
    /// `HTTP/1.1` or `HTTP/2`.
    pub http_version: String,
    /// The size of the request's body.
    pub body_size: u64,
    /// The body's sha256 when it was too large to keep.
    pub body_sha256: Option<String>,
    /// The size of the answer's body.
    pub response_body_size: u64,
    /// The answer's sha256 when it was too large to keep.
    pub response_body_sha256: Option<String>,
}

/// One publish the registry received, accepted or not (Python's `PublishRecord`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct PublishRecord {
    /// Its number in the journal of publishes.
    pub seq: u64,
    /// The status answered.
    pub status: u16,
    /// Whether the version was added.
    pub accepted: bool,
    /// Why it was refused, if it was.
    pub error: Option<String>,
    /// The user that published, if known.
    pub login: Option<String>,
    /// The crate's name, if the publish named one.
    pub name: Option<String>,
    /// The version, if the publish named one.
    pub version: Option<String>,
    /// The publish metadata cargo sent (JSON), if it could be read.
    pub metadata: Option<Value>,
    /// The paths in the `.crate`.
    pub files: Vec<String>,
    /// The `.crate`'s `Cargo.toml` as JSON, if there was one.
    pub manifest: Option<Value>,
    /// The `.crate`, in base64.
    pub crate_base64: String,
    /// The trusted publishing claims, when the publish used a trusted publishing token.
    pub trusted_publishing: Option<Value>,
}

/// A crate version the registry now has (what `add_crate` answers).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct CrateVersion {
    /// The crate's name.
    pub name: String,
    /// The version.
    pub version: String,
    /// The `.crate`'s sha256, as the index lists it.
    pub cksum: String,
}

/// A crate of the registry with its versions (what [`Registry::crates`](crate::Registry::crates) lists).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct CrateInfo {
    /// The crate's name.
    pub name: String,
    /// The logins of its owners, first owner first.
    pub owners: Vec<String>,
    /// Its versions, oldest first.
    pub versions: Vec<VersionInfo>,
}

/// A version of a [`CrateInfo`].
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct VersionInfo {
    /// The version.
    pub num: String,
    /// Whether it is yanked.
    pub yanked: bool,
    /// The `.crate`'s sha256.
    pub cksum: String,
}

/// A fault in force (what [`Registry::fail`](crate::Registry::fail) answers).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Fault {
    /// Its id, for [`Registry::remove_fault`](crate::Registry::remove_fault).
    pub id: u64,
    /// The kind of request it applies to.
    pub kind: String,
    /// What it does, in short (`status=503`).
    pub description: String,
    /// Only requests about this crate, if given.
    #[serde(rename = "crate")]
    pub krate: Option<String>,
    /// Only requests about this version, if given.
    pub version: Option<String>,
    /// Only requests with this method, if given.
    pub method: Option<String>,
    /// How many times it fires (None: always).
    pub times: Option<u64>,
    /// How many matching requests it lets through first.
    pub after: u64,
    /// How many times it fired.
    pub hits: u64,
    /// How many matching requests it saw.
    pub seen: u64,
    /// False once spent or removed.
    pub active: bool,
}

/// A user and its token (what [`Registry::add_user`](crate::Registry::add_user) answers).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct User {
    /// The login.
    pub login: String,
    /// An API token of the user, for `cargo` (`CARGO_REGISTRIES_<NAME>_TOKEN`).
    pub token: String,
}
