//! The control API's accounts and publishing calls: email tokens, public keys, owner
//! invitations, teams, trusted publishers and CI job environments.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::Result;
use crate::http::encode;
use crate::Registry;

/// An owner invitation (Python's `reg.invitations()`), with the token crates.io would email.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Invitation {
    /// The crate the invitee is asked to own.
    #[serde(rename = "crate")]
    pub krate: String,
    /// The crate's id.
    pub crate_id: u64,
    /// Who is invited.
    pub invitee: String,
    /// Who invited.
    pub inviter: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When it expires (RFC 3339).
    pub expires_at: String,
    /// Whether it has expired.
    pub expired: bool,
    /// The token that accepts it.
    pub token: String,
}

/// A team (`github:org:team`) and its members (Python's `reg.add_team`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Team {
    /// The team's id.
    pub id: u64,
    /// `github:org:team`.
    pub login: String,
    /// Its display name.
    pub name: Option<String>,
    /// The logins of its members.
    pub members: Vec<String>,
}

#[derive(Deserialize)]
struct LoginToken {
    token: String,
}

#[derive(Deserialize)]
struct Kid {
    kid: String,
}

#[derive(Deserialize)]
struct Invitations {
    invitations: Vec<Invitation>,
}

#[derive(Deserialize)]
struct Teams {
    teams: Vec<Team>,
}

impl Registry {
    /// The email verification token crates.io would have mailed `login` last (Python's
    /// `reg.email_token`); an error with status 404 when the user set no address.
    pub fn email_token(&self, login: &str) -> Result<String> {
        let route = format!("/users/{}/email-token", encode(login));
        Ok(self.typed::<LoginToken>("GET", &route, None)?.token)
    }

    /// Let `login` sign asymmetric tokens with a `k3.public.…` key; returns its key id
    /// (Python's `reg.add_public_key`).
    pub fn add_public_key(&self, login: &str, key: &str) -> Result<String> {
        let body = json!({ "login": login, "key": key });
        Ok(self.typed::<Kid>("POST", "/public-keys", Some(&body))?.kid)
    }

    /// The owner invitations of `krate` (all when `None`) not yet expired, or all with
    /// `expired` (Python's `reg.invitations`).
    pub fn invitations(&self, krate: Option<&str>, expired: bool) -> Result<Vec<Invitation>> {
        let mut query = format!("expired={expired}");
        if let Some(krate) = krate {
            query.push_str(&format!("&crate={}", encode(krate)));
        }
        let route = format!("/invitations?{query}");
        Ok(self.typed::<Invitations>("GET", &route, None)?.invitations)
    }

    /// Answer `login`'s invitation to `krate` as its invitee: `"accept"`, `"decline"` or
    /// `"expire"` (Python's `reg.accept_invitation` and its siblings).
    pub fn answer_invitation(&self, krate: &str, login: &str, action: &str) -> Result<()> {
        let body = json!({ "crate": krate, "login": login, "action": action });
        self.control("POST", "/invitations", Some(&body)).map(drop)
    }

    /// Add a team (`github:org:team`) of user logins (Python's `reg.add_team`).
    pub fn add_team(&self, login: &str, members: &[&str], name: Option<&str>) -> Result<Team> {
        let body = json!({ "login": login, "members": members, "name": name });
        self.typed("POST", "/teams", Some(&body))
    }

    /// Every team.
    pub fn teams(&self) -> Result<Vec<Team>> {
        Ok(self.typed::<Teams>("GET", "/teams", None)?.teams)
    }

    /// The trusted publishing configs (of `krate`): `{"github_configs", "gitlab_configs"}`
    /// as crates.io shows them.
    pub fn trusted_publishers(&self, krate: Option<&str>) -> Result<Value> {
        let route = match krate {
            Some(krate) => format!("/trusted-publishers?crate={}", encode(krate)),
            None => "/trusted-publishers".to_string(),
        };
        self.control("GET", &route, None)
    }

    /// Add a trusted publisher: a JSON object with `reg.add_trusted_publisher`'s keys
    /// (`crate`, `repository_owner`, `repository_name`, `workflow_filename`,
    /// `environment`), or with `"provider": "gitlab"` `reg.add_gitlab_publisher`'s
    /// (`crate`, `namespace`, `project`, `workflow_filepath`); returns the config.
    pub fn add_trusted_publisher(&self, config: &Value) -> Result<Value> {
        self.control("POST", "/trusted-publishers", Some(config))
    }

    /// The environment of a GitHub Actions job (Python's `reg.github_actions_env`), its ID
    /// token request URL and token included; `options` has its keywords (`repository`,
    /// `workflow`, `ref`, `environment`, `claims`), e.g. `json!({"repository": "o/r"})`.
    pub fn github_actions_env(&self, options: &Value) -> Result<BTreeMap<String, String>> {
        self.typed("POST", "/github-actions-env", Some(options))
    }

    /// The environment of a GitLab CI/CD job (Python's `reg.gitlab_ci_env`), its ID token in
    /// `CRATES_IO_ID_TOKEN`; `options` has its keywords (`project`, `workflow_filepath`,
    /// `ref`, `environment`, `id_token_variable`, `claims`).
    pub fn gitlab_ci_env(&self, options: &Value) -> Result<BTreeMap<String, String>> {
        self.typed("POST", "/gitlab-ci-env", Some(options))
    }
}
