"""Publish a library to a fake registry with real cargo, then build a program that uses it."""

from __future__ import annotations

from pathlib import Path

from fakereg import FakeRegistry


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_publish_then_build_a_dependent(fake_registry: FakeRegistry, tmp_path: Path) -> None:
    lib = tmp_path / "shout"
    write(lib / "Cargo.toml", '[package]\nname = "shout"\nversion = "1.0.0"\nedition = "2021"\n')
    write(lib / "src/lib.rs", "pub fn shout(s: &str) -> String { s.to_uppercase() }\n")
    fake_registry.cargo(
        "publish", "--registry", fake_registry.name, "--no-verify", cwd=lib, check=True
    )

    app = tmp_path / "app"
    write(
        app / "Cargo.toml",
        '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
        f'shout = {{ version = "1", registry = "{fake_registry.name}" }}\n',
    )
    write(app / "src/main.rs", 'fn main() { println!("{}", shout::shout("hello")); }\n')
    run = fake_registry.cargo("run", "--quiet", cwd=app, check=True)

    assert run.stdout == "HELLO\n"
    assert fake_registry.versions("shout") == ["1.0.0"]
    downloads = [r.path for r in fake_registry.requests if r.kind == "download"]
    assert downloads == ["/dl/shout/1.0.0/download"]  # config.json's `dl` is <url>/dl
