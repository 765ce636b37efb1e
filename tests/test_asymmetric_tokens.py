"""cargo's asymmetric tokens (RFC 3231): ``cargo +nightly -Zasymmetric-token`` with the
``cargo:paseto`` credential provider logs in, publishes, yanks, unyanks, adds owners and
reads a private registry; tokens signed by another key, for another registry, made too
long ago or for another operation are refused."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyseto
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyseto import Key, KeyInterface

from fakereg import FakeRegistry, InvalidError, NotFoundError
from fakereg.tomlcompat import tomllib
from tests.helpers import http, require, write_package

NIGHTLY = ("+nightly", "-Zasymmetric-token")


def _paseto_env(reg: FakeRegistry) -> dict[str, str]:
    return {f"CARGO_REGISTRIES_{reg.name.upper()}_CREDENTIAL_PROVIDER": "cargo:paseto"}


def _cargo(reg: FakeRegistry, *args: str, cwd: Path | None = None) -> str:
    done = reg.cargo(*NIGHTLY, *args, cwd=cwd, env=_paseto_env(reg), input="", check=True)
    return done.stderr


def _login(reg: FakeRegistry) -> str:
    """``cargo login`` with cargo:paseto: a new key pair; the public key it prints."""
    nightly = subprocess.run(["cargo", "+nightly", "--version"], capture_output=True, text=True)
    require(nightly.returncode == 0, "cargo +nightly is missing (rustup toolchain install nightly)")
    printed = _cargo(reg, "login", "--registry", reg.name)
    keys = [line for line in printed.splitlines() if line.startswith("k3.public.")]
    assert len(keys) == 1, printed
    return keys[0]


def _secret(reg: FakeRegistry) -> KeyInterface:
    """The secret key cargo keeps for the registry."""
    credentials = tomllib.loads((reg.cargo_home / "credentials.toml").read_text())
    return Key.from_paserk(credentials["registries"][reg.name]["secret-key"])


def _token(
    secret: KeyInterface, kip: str, url: str, *, age: timedelta = timedelta(0), **claims: Any
) -> str:
    iat = (datetime.now(timezone.utc) - age).strftime("%Y-%m-%dT%H:%M:%SZ")
    payload = json.dumps({"iat": iat, **claims}).encode()
    footer = json.dumps({"url": url, "kip": kip}).encode()
    return pyseto.encode(secret, payload, footer=footer).decode()


def test_cargo_publishes_yanks_and_adds_owners_with_a_signed_token(tmp_path: Path) -> None:
    with FakeRegistry() as reg:
        key = _login(reg)
        reg.add_user("bob")
        package = write_package(tmp_path / "pkg", "signed-crate", "1.0.0")
        refused = reg.cargo(*NIGHTLY, "publish", "--registry", reg.name, "--no-verify",
                            cwd=package, env=_paseto_env(reg))  # fmt: skip
        assert refused.returncode != 0  # the key is not the registry's yet
        assert "no user has the key this asymmetric token names" in refused.stderr
        kid = reg.add_public_key(reg.login, key)
        assert kid.startswith("k3.pid.")
        _cargo(reg, "publish", "--registry", reg.name, "--no-verify", cwd=package)
        assert reg.versions("signed-crate") == ["1.0.0"]
        assert reg.publishes[-1].login == reg.login
        sent = reg.requests.filter(path="/api/v1/crates/new")[-1]
        assert sent.headers["Authorization"].startswith("v3.public.")  # (shown redacted)
        _cargo(reg, "yank", "--registry", reg.name, "signed-crate@1.0.0")
        assert reg.index_entries("signed-crate")[0]["yanked"] is True
        _cargo(reg, "yank", "--undo", "--registry", reg.name, "signed-crate@1.0.0")
        assert reg.index_entries("signed-crate")[0]["yanked"] is False
        _cargo(reg, "owner", "--registry", reg.name, "--add", "bob", "signed-crate")
        assert reg.owners("signed-crate") == [reg.login, "bob"]


def test_tokens_for_another_key_registry_time_or_operation_are_refused(tmp_path: Path) -> None:
    with FakeRegistry() as reg:
        kid = reg.add_public_key(reg.login, _login(reg))
        secret = _secret(reg)
        url = reg.sparse_index_url
        reg.add_crate("target", "1.0.0")
        reg.add_crate("target", "2.0.0")

        def yank(token: str, version: str = "1.0.0") -> str:
            answer = http(reg, "DELETE", f"/api/v1/crates/target/{version}/yank", token=token)
            body = answer.json()
            return f"{answer.status} {body['errors'][0]['detail'] if 'errors' in body else body}"

        good = _token(secret, kid, url, mutation="yank", name="target", vers="1.0.0")
        other, _ = _key_pair()
        cases = {
            "signature does not verify": _token(
                other, kid, url, mutation="yank", name="target", vers="1.0.0"
            ),
            "signed for another registry": _token(
                secret,
                kid,
                "sparse+http://elsewhere/index/",
                mutation="yank",
                name="target",
                vers="1.0.0",
            ),
            "outside the 5 minutes allowed": _token(
                secret,
                kid,
                url,
                age=timedelta(minutes=6),
                mutation="yank",
                name="target",
                vers="1.0.0",
            ),
            "signed for yank of target@2.0.0, not yank of target@1.0.0": _token(
                secret, kid, url, mutation="yank", name="target", vers="2.0.0"
            ),
            "signed for unyank of target@1.0.0, not yank": _token(
                secret, kid, url, mutation="unyank", name="target", vers="1.0.0"
            ),
        }
        for reason, token in cases.items():
            said = yank(token)
            assert said.startswith("403 authentication failed"), said
            assert reason in said, said
        assert reg.index_entries("target")[0]["yanked"] is False
        assert yank(good).startswith("200")
        assert reg.index_entries("target")[0]["yanked"] is True


def _key_pair() -> tuple[KeyInterface, str]:
    """A new P-384 key pair: the secret key, and the public key as PASERK."""
    private = ec.generate_private_key(ec.SECP384R1())
    secret = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return Key.new(3, "public", secret), str(Key.new(3, "public", public).to_paserk())


def test_a_private_registry_reads_with_signed_tokens(tmp_path: Path) -> None:
    """On an ``auth_required`` registry cargo signs its index reads (no mutation claims);
    a token signed for a change does not read."""
    with FakeRegistry(auth_required=True) as reg:
        kid = reg.add_public_key(reg.login, _login(reg))
        reg.add_crate("dep-crate", "1.2.0")
        app = write_package(tmp_path / "app", "app", dependencies='dep-crate = { version = "1", '
                            f'registry = "{reg.name}" }}\n')  # fmt: skip
        _cargo(reg, "generate-lockfile", cwd=app)
        assert 'name = "dep-crate"' in (app / "Cargo.lock").read_text()
        reads = [r for r in reg.requests if r.path.startswith("/index/") and r.status == 200]
        assert reads
        assert all(r.headers["Authorization"].startswith("v3.public.") for r in reads)
        change = _token(_secret(reg), kid, reg.sparse_index_url, mutation="owners", name="x")
        answer = http(reg, "GET", "/index/de/p-/dep-crate", token=change)
        assert answer.status == 401, answer.body  # a read's refusal: where to log in
        assert b"signed for owners of x, not a read" in answer.body


def test_keys_are_checked_and_registered_through_the_control_api() -> None:
    with FakeRegistry() as reg:
        with pytest.raises(InvalidError, match=r"k3\.public"):
            reg.add_public_key(reg.login, "k4.public.nope")
        with pytest.raises(InvalidError, match=r"not a valid k3\.public key"):
            reg.add_public_key(reg.login, "k3.public.AAAA")
        _, public = _key_pair()
        with pytest.raises(NotFoundError):
            reg.add_public_key("nobody", public)
        admin = {"Authorization": f"Bearer {reg.admin_token}"}
        body = json.dumps({"login": reg.login, "key": public}).encode()
        answer = http(reg, "POST", "/__fakereg/public-keys", body=body, headers=admin)
        assert answer.status == 200, answer.body
        assert answer.json()["kid"] == Key.from_paserk(public).to_paserk_id()
        bad = json.dumps({"login": reg.login, "key": "k3.public.AAAA"}).encode()
        answer = http(reg, "POST", "/__fakereg/public-keys", body=bad, headers=admin)
        assert answer.status == 400
        assert "not a valid k3.public key" in answer.json()["errors"][0]["detail"]
