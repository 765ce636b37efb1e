//! The client driving real cargo against the registry it starts (one test binary).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use fakereg::{CrateSpec, Error, FaultSpec, Protocol, Registry, RequestFilter, TokenSpec};

/// A package depending on `deps` (TOML lines) of the registry named `registry`.
fn package(dir: &Path, name: &str, registry: &str, deps: &[&str]) -> PathBuf {
    let root = dir.join(name);
    fs::create_dir_all(root.join("src")).unwrap();
    let deps: String = deps
        .iter()
        .map(|d| format!("{d} = {{ version = \"1\", registry = \"{registry}\" }}\n"))
        .collect();
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
         description = \"a test package\"\nlicense = \"MIT\"\n\n[dependencies]\n{deps}"
    );
    fs::write(root.join("Cargo.toml"), manifest).unwrap();
    fs::write(root.join("src/lib.rs"), "").unwrap();
    root
}

/// Run `command`; its output, once it succeeded (else its stderr is the panic message).
fn succeeds(command: &mut Command) -> Output {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The "Done means": git registry, two crates, a 503 on the second index fetch,
/// `cargo generate-lockfile` through `reg.cargo()`, typed filters on the journal.
#[test]
fn cargo_resolves_through_a_git_index_fetch_that_fails_once() {
    let reg = Registry::builder()
        .name("company")
        .protocol(Protocol::Git)
        .start()
        .unwrap();
    reg.add_crate(CrateSpec::new("b", "1.0.0")).unwrap();
    reg.add_crate(CrateSpec::new("a", "1.0.0").dep("b@1"))
        .unwrap();
    let fault = reg
        .fail(FaultSpec::new("git").status(503).after(1).times(1))
        .unwrap();
    let app = package(&reg.scratch(), "app", "company", &["a"]);

    let output = reg
        .cargo()
        .arg("generate-lockfile")
        .current_dir(&app)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let lock = fs::read_to_string(app.join("Cargo.lock")).unwrap();
    assert!(
        lock.contains("name = \"a\"") && lock.contains("name = \"b\""),
        "{lock}"
    );
    let failed = reg.assert_requested(RequestFilter::kind("git").status(503));
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].fault.as_deref(), Some(fault.description.as_str()));
    let fetches = reg.requests(RequestFilter::kind("git")).unwrap();
    assert!(
        fetches.len() >= 3,
        "the failed fetch was retried: {fetches:#?}"
    );
    assert_eq!(fetches[1].seq, failed[0].seq, "the second fetch failed");
    assert!(fetches.last().unwrap().status == 200);
    assert_eq!(
        reg.faults().unwrap().iter().filter(|f| f.active).count(),
        0,
        "spent"
    );
}

#[test]
fn cargo_publishes_and_the_test_waits_for_it() {
    let reg = Registry::builder().user("alice").start().unwrap();
    assert!(reg.user_token("alice").is_some());
    reg.add_crate(CrateSpec::new("a", "1.0.0").description("from Rust"))
        .unwrap();
    let hello = package(&reg.scratch(), "hello", reg.name(), &["a"]);
    let next_publish = RequestFilter::kind("publish").since(reg.last_seq().unwrap());

    let child = reg
        .cargo()
        .args(["publish", "--no-verify", "--registry", reg.name()])
        .current_dir(&hello)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let seen = reg.wait_for(next_publish, Duration::from_secs(60)).unwrap();
    assert_eq!(seen[0].krate.as_deref(), Some("hello"));
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let publishes = reg.publishes().unwrap();
    assert_eq!(publishes.len(), 1);
    assert!(publishes[0].accepted && publishes[0].name.as_deref() == Some("hello"));
    assert!(
        publishes[0].files.iter().any(|f| f == "Cargo.toml"),
        "{:?}",
        publishes[0].files
    );
    let crates = reg.crates().unwrap();
    assert_eq!(
        crates.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["a", "hello"]
    );
    let publish = &reg.requests(RequestFilter::kind("publish")).unwrap()[0];
    assert!(
        !publish.headers.values().any(|v| v.contains(reg.token())),
        "the token is redacted"
    );

    // A wait that times out, and an assertion that fails, say what came closest.
    let late = reg
        .wait_for(RequestFilter::kind("yank"), Duration::from_millis(100))
        .unwrap_err();
    assert!(matches!(late, Error::Api { status: 408, .. }), "{late}");
    let failed = std::panic::catch_unwind(|| {
        reg.assert_requested(RequestFilter::kind("publish").krate("nope"));
    })
    .unwrap_err();
    let message = failed.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("hello"),
        "the closest request is shown: {message}"
    );

    // The server's own words for a bad spec, and a reset.
    let refused = reg
        .fail(FaultSpec::new("index").drop_connection().status(500))
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Api { status: 400, message } if message.contains("sends no answer")),
        "{refused}"
    );
    reg.reset().unwrap();
    assert!(reg.requests(RequestFilter::any()).unwrap().is_empty());
}

/// `.tls(true)`: cargo and git reach the registry over HTTPS trusting its own CA (the
/// cargo home and `env()`), HTTP/2 by ALPN; the control calls check the server against
/// the CA too.
#[cfg(feature = "tls")]
#[test]
fn a_tls_registry_serves_cargo_and_git_over_https() {
    let reg = Registry::builder()
        .name("company")
        .protocol(Protocol::Git)
        .tls(true)
        .start()
        .unwrap();
    assert!(reg.url().starts_with("https://127.0.0.1:"), "{}", reg.url());
    assert!(
        reg.index_url().starts_with("https://"),
        "{}",
        reg.index_url()
    );
    let ca = reg.ca_path().expect("a TLS registry's CA").to_path_buf();
    assert!(fs::read_to_string(&ca)
        .unwrap()
        .contains("BEGIN CERTIFICATE"));
    let git_ca = (
        "GIT_SSL_CAINFO".to_string(),
        ca.to_string_lossy().into_owned(),
    );
    assert!(reg.env().contains(&git_ca), "{:?}", reg.env());

    reg.add_crate(CrateSpec::new("b", "1.0.0")).unwrap();
    reg.add_crate(CrateSpec::new("c", "1.0.0").dep("b@1"))
        .unwrap();
    let work = reg.scratch();
    let lib = package(&work, "lib", "company", &["b"]);
    succeeds(
        reg.cargo()
            .args(["publish", "--no-verify", "--registry", "company"])
            .current_dir(&lib),
    );
    let app = package(&work, "app", "company", &["c"]);
    succeeds(reg.cargo().arg("fetch").current_dir(&app));
    let downloads = reg.assert_requested(RequestFilter::kind("download").status(200).at_least(2));
    assert!(
        downloads.iter().all(|d| d.http_version == "HTTP/2"),
        "cargo downloads over HTTP/2: {downloads:#?}"
    );
    assert_eq!(reg.publishes().unwrap()[0].name.as_deref(), Some("lib"));
    reg.assert_requested(RequestFilter::kind("git").status(200));

    // git itself, run with env(), trusts the registry's CA; without it, it does not.
    let git_url = reg.git_index_url().expect("a git index").to_string();
    succeeds(
        Command::new("git")
            .args(["ls-remote", &git_url])
            .envs(reg.env()),
    );
    let untrusted = Command::new("git")
        .args(["ls-remote", &git_url])
        .env_remove("GIT_SSL_CAINFO")
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .unwrap();
    assert!(
        !untrusted.status.success(),
        "only the registry's CA vouches for it"
    );
}

/// The server's own settings pass through: a root of the test's that outlives the
/// registry, a bounded journal, an extra host name.
#[test]
fn a_root_of_the_tests_own_outlives_the_registry() {
    let root = std::env::temp_dir().join(format!("fakereg-rs-root-{}", std::process::id()));
    let first = Registry::builder()
        .root(&root)
        .max_recorded(3)
        .allowed_host("registry.test")
        .start()
        .unwrap();
    assert_eq!(first.root(), root.as_path());
    first
        .add_crate(CrateSpec::new("kept", "1.0.0").description("still here"))
        .unwrap();
    for _ in 0..5 {
        let output = first
            .cargo()
            .args(["search", "--registry", first.name(), "kept"])
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&output.stdout).contains("still here"));
    }
    assert_eq!(first.requests(RequestFilter::any()).unwrap().len(), 3);
    let mut stream =
        std::net::TcpStream::connect(first.url().trim_start_matches("http://")).unwrap();
    std::io::Write::write_all(
        &mut stream,
        b"GET /index/config.json HTTP/1.1\r\nHost: registry.test\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stream, &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let token = first.token().to_string();
    drop(first);

    let second = Registry::builder().root(&root).start().unwrap();
    assert_eq!(
        second.token(),
        token,
        "the token generated at the first start is kept"
    );
    let output = second
        .cargo()
        .args(["search", "--registry", second.name(), "kept"])
        .output()
        .unwrap();
    let found = String::from_utf8_lossy(&output.stdout);
    assert!(found.contains("kept = \"1.0.0\""), "{found}");
    drop(second);
    assert!(
        root.is_dir(),
        "a root of the test's own is left where it was"
    );
}

#[test]
fn a_python_without_fakereg_is_named_and_nothing_is_left_running() {
    let real = std::env::var("FAKEREG_PYTHON").unwrap_or_else(|_| "python3".into());
    let dir = std::env::temp_dir().join(format!("fakereg-rs-test-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let python = dir.join("python-without-site");
    // -I -S: no site-packages, where fakereg is installed.
    fs::write(&python, format!("#!/bin/sh\nexec '{real}' -I -S \"$@\"\n")).unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&python)
        .status()
        .unwrap();
    let error = Registry::builder()
        .python(python.to_str().unwrap())
        .start()
        .unwrap_err();
    assert!(matches!(error, Error::NotInstalled { .. }), "{error}");
    assert!(error.to_string().contains("pip install fakereg"), "{error}");
    let error = Registry::builder()
        .python("/nonexistent/python")
        .start()
        .unwrap_err();
    assert!(matches!(error, Error::Spawn { .. }), "{error}");
    fs::remove_dir_all(&dir).unwrap();

    let root = {
        let reg = Registry::start().unwrap();
        let pid = reg.pid();
        assert_eq!(reg.health().unwrap()["status"], "ok");
        let root = reg.root().to_path_buf();
        assert!(root.is_dir());
        drop(reg);
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists(),
            "the server stopped"
        );
        root
    };
    assert!(!root.exists(), "its state is removed");

    // A test that panics stops its registry too (Drop runs while the panic unwinds).
    let panicked = std::panic::catch_unwind(|| {
        let reg = Registry::start().unwrap();
        panic!("{}", reg.pid());
    })
    .unwrap_err();
    let pid = panicked.downcast_ref::<String>().unwrap();
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "no orphan server {pid}"
    );
}

/// The rest of the control API through real cargo: a private registry, users and scoped
/// tokens, an index delay cargo's publish waits out, faults removed, crates imported.
#[test]
fn a_private_registry_with_users_tokens_and_a_delayed_index() {
    let reg = Registry::builder().auth_required(true).start().unwrap();
    let added = reg
        .add_crates([
            CrateSpec::new("b", "1.0.0"),
            CrateSpec::new("a", "1.0.0").dep("b@1"),
        ])
        .unwrap();
    assert_eq!(added.len(), 2);
    let work = reg.scratch();
    let hello = package(&work, "hello", reg.name(), &["a"]);

    // bob may publish new crates only, with a token of his own.
    let bob = reg.add_user("bob").unwrap();
    let token = reg
        .add_token(
            TokenSpec::new(&bob.login)
                .scopes(["publish-new"])
                .name("ci"),
        )
        .unwrap();
    let token_variable = format!("CARGO_REGISTRIES_{}_TOKEN", reg.name().to_uppercase());
    // The new version shows in the index after two reads of its file: cargo's publish polls.
    reg.delay_index_updates(None, Some(2)).unwrap();
    succeeds(
        reg.cargo()
            .args(["publish", "--no-verify", "--registry", reg.name()])
            .env(&token_variable, &token)
            .current_dir(&hello),
    );
    assert_eq!(reg.publishes().unwrap()[0].login.as_deref(), Some("bob"));
    let polls = reg
        .requests(RequestFilter::kind("index").krate("hello"))
        .unwrap();
    let statuses: Vec<u16> = polls.iter().map(|r| r.status).collect();
    assert!(
        statuses.len() >= 3,
        "cargo polled until the delay let it see hello: {statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&200), "{statuses:?}");
    reg.delay_index_updates(None, None).unwrap();

    // A revoked token is refused, and cargo says so.
    reg.revoke_token(&token).unwrap();
    let since = reg.last_seq().unwrap();
    let refused = reg
        .cargo()
        .args(["yank", "--registry", reg.name(), "hello@0.1.0"])
        .env(&token_variable, &token)
        .current_dir(&hello)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && stderr.contains("token rejected"),
        "{stderr}"
    );
    let rejected = reg.assert_requested(RequestFilter::kind("config").status(401).since(since));
    assert!(rejected[0]
        .response_body
        .as_deref()
        .unwrap()
        .contains("authentication failed"));
    let unknown = reg.revoke_token(&token).unwrap_err();
    assert!(
        matches!(unknown, Error::Api { status: 404, .. }),
        "{unknown}"
    );

    // A fault removed before it fired changes nothing.
    let fault = reg.fail(FaultSpec::new("download").status(500)).unwrap();
    assert_eq!(reg.faults().unwrap()[0].id, fault.id);
    reg.remove_fault(fault.id).unwrap();
    assert!(reg.faults().unwrap().is_empty());

    // `cargo package` makes a .crate; the registry imports it once.
    let target = work.join("target");
    succeeds(
        reg.cargo()
            .args(["package", "--no-verify", "--allow-dirty", "--target-dir"])
            .arg(&target)
            .current_dir(&hello),
    );
    let bytes = fs::read(target.join("package/hello-0.1.0.crate")).unwrap();
    reg.reset_crates().unwrap();
    assert!(reg.crates().unwrap().is_empty());
    let imported = reg.import_crate(&bytes).unwrap().expect("a new version");
    assert_eq!(
        (imported.name.as_str(), imported.version.as_str()),
        ("hello", "0.1.0")
    );
    assert_eq!(reg.import_crate(&bytes).unwrap(), None, "already there");
    assert_eq!(
        reg.control("GET", "/teams", None).unwrap()["teams"],
        serde_json::json!([])
    );
}

/// Owners through real `cargo owner`, teams, keys, trusted publishing, CI job environments.
#[test]
fn owners_teams_and_trusted_publishing() {
    let reg = Registry::builder().owner_invitations(true).start().unwrap();
    reg.add_crate(CrateSpec::new("shared", "1.0.0")).unwrap();
    reg.add_user("erin").unwrap();
    succeeds(
        reg.cargo()
            .args(["owner", "--registry", reg.name(), "--add", "erin", "shared"]),
    );
    let invited = reg.invitations(Some("shared"), false).unwrap();
    assert_eq!(invited[0].invitee, "erin");
    reg.answer_invitation("shared", "erin", "accept").unwrap();
    assert!(reg.invitations(None, false).unwrap().is_empty());
    let team = reg
        .add_team("github:acme:ops", &["erin"], Some("Ops"))
        .unwrap();
    assert_eq!(reg.teams().unwrap(), vec![team]);
    assert!(reg.email_token(reg.login()).is_err());
    assert!(reg.add_public_key(reg.login(), "k3.public.AAAA").is_err());
    let config = serde_json::json!({
        "crate": "shared", "repository_owner": "acme",
        "repository_name": "shared", "workflow_filename": "ci.yml",
    });
    let added = reg.add_trusted_publisher(&config).unwrap();
    let listed = reg.trusted_publishers(Some("shared")).unwrap();
    assert_eq!(listed["github_configs"][0], added);
    let env = reg
        .github_actions_env(&serde_json::json!({ "repository": "acme/shared" }))
        .unwrap();
    assert_eq!(env["GITHUB_REPOSITORY"], "acme/shared");
    let env = reg.gitlab_ci_env(&serde_json::json!({})).unwrap();
    assert!(env["CRATES_IO_ID_TOKEN"].starts_with("ey"));
}
