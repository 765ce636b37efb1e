//! Seed a crate through the control API, publish with real cargo, assert on the journal.

use std::process::Command;

use fakereg_rust_example::Registry;

#[test]
fn cargo_publishes_and_the_journal_shows_it() {
    let work = std::env::temp_dir().join(format!("fakereg-rust-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let registry = Registry::start(&work);

    let (status, body) = registry.control(
        "POST",
        "/crates",
        r#"{"name": "seeded", "version": "1.0.0", "description": "from Rust"}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"seeded\""), "{body}");

    let package = work.join("hello");
    std::fs::create_dir_all(package.join("src")).unwrap();
    std::fs::write(
        package.join("Cargo.toml"),
        "[package]\nname = \"hello\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
         description = \"h\"\nlicense = \"MIT\"\n\n[dependencies]\n\
         seeded = { version = \"1\", registry = \"fakereg\" }\n",
    )
    .unwrap();
    std::fs::write(package.join("src/lib.rs"), "").unwrap();
    let published = Command::new("cargo")
        .args(["publish", "--registry", "fakereg", "--no-verify"])
        .current_dir(&package)
        .env("CARGO_HOME", registry.field("cargo_home"))
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("cargo runs");
    assert!(published.status.success(), "{}", String::from_utf8_lossy(&published.stderr));

    let (status, journal) = registry.control("GET", "/requests?kind=publish", "");
    assert_eq!(status, 200);
    assert!(journal.contains("\"crate\": \"hello\""), "{journal}");
    assert!(journal.contains("\"status\": 200"), "{journal}");
    let (_, crates) = registry.control("GET", "/crates", "");
    assert!(crates.contains("\"hello\"") && crates.contains("\"seeded\""), "{crates}");

    let (status, _) = registry.control("POST", "/faults", r#"{"kind": "publish", "colour": 1}"#);
    assert_eq!(status, 400, "a bad fault spec is refused");
    drop(registry);
    let _ = std::fs::remove_dir_all(&work);
}
