//! Which recorded requests a call lists, waits for or asserts on.

use serde_json::{json, Map, Value};

use crate::http::encode;

/// Which recorded requests to list, wait for or assert on: Python's `kind=`, `crate=`, … filters.
///
/// ```
/// use fakereg::RequestFilter;
/// let downloads_of_a = RequestFilter::kind("download").krate("a");
/// let failed_fetches = RequestFilter::kind("git").status(503);
/// let any = RequestFilter::any();
/// # let _ = (downloads_of_a, failed_fetches, any);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestFilter {
    pub(crate) fields: Vec<(&'static str, Value)>,
    pub(crate) since: Option<u64>,
    pub(crate) count: Option<u32>,
}

impl RequestFilter {
    /// Every request.
    pub fn any() -> Self {
        Self::default()
    }

    /// Requests of this kind (`"index"`, `"git"`, `"download"`, `"publish"`, …).
    pub fn kind(kind: &str) -> Self {
        Self::any().with("kind", json!(kind))
    }

    fn with(mut self, key: &'static str, value: Value) -> Self {
        self.fields.retain(|(k, _)| *k != key);
        self.fields.push((key, value));
        self
    }

    /// About this crate.
    pub fn krate(self, name: &str) -> Self {
        self.with("crate", json!(name))
    }

    /// About this version.
    pub fn version(self, version: &str) -> Self {
        self.with("version", json!(version))
    }

    /// With this HTTP method.
    pub fn method(self, method: &str) -> Self {
        self.with("method", json!(method))
    }

    /// For this path (exact, as recorded: `/api/v1/crates/new`).
    pub fn path(self, path: &str) -> Self {
        self.with("path", json!(path))
    }

    /// Answered with this status.
    pub fn status(self, status: u16) -> Self {
        self.with("status", json!(status))
    }

    /// Only requests after the journal's sequence number `seq` (a record's
    /// [`seq`](crate::RecordedRequest::seq), or [`Registry::last_seq`](crate::Registry::last_seq)):
    /// "the next publish".
    pub fn since(mut self, seq: u64) -> Self {
        self.since = Some(seq);
        self
    }

    /// For waits and assertions: at least this many matching requests (1 by default).
    pub fn at_least(mut self, count: u32) -> Self {
        self.count = Some(count);
        self
    }

    pub(crate) fn query(&self) -> String {
        let mut parts: Vec<String> = self
            .fields
            .iter()
            .map(|(key, value)| match value {
                Value::String(text) => format!("{key}={}", encode(text)),
                other => format!("{key}={other}"),
            })
            .collect();
        if let Some(since) = self.since {
            parts.push(format!("since={since}"));
        }
        parts.join("&")
    }

    pub(crate) fn wait_body(&self, timeout: f64) -> Value {
        let mut map: Map<String, Value> = self
            .fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        map.insert("timeout".into(), json!(timeout));
        map.insert("count".into(), json!(self.count.unwrap_or(1)));
        if let Some(since) = self.since {
            map.insert("since".into(), json!(since));
        }
        Value::Object(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_is_the_query_and_the_wait_python_takes() {
        let filter = RequestFilter::kind("download")
            .krate("a b")
            .status(200)
            .since(7)
            .at_least(2);
        assert_eq!(
            filter.query(),
            "kind=download&crate=a%20b&status=200&since=7"
        );
        assert_eq!(
            filter.wait_body(1.5),
            json!({"kind": "download", "crate": "a b", "status": 200, "timeout": 1.5,
                   "count": 2, "since": 7})
        );
    }
}
