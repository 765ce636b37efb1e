"""The account settings' rules without a server: email addresses as crates.io (lettre)
takes them, and the verification token's life as crates.io's ``emails`` table and
triggers make it."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakereg import InvalidError
from fakereg.domain.emails import check_email, is_address
from fakereg.storage.events import IndexChange
from fakereg.storage.fsutil import RootLock
from fakereg.storage.profiles import Profile, Profiles
from fakereg.traffic.redaction import shown_path


@pytest.mark.parametrize(
    "text",
    [
        "a@b.c",
        "a@localhost",
        "first.last+tag@example.com",
        '"with space"@example.com',
        "ü@bücher.de",
        "a@[127.0.0.1]",
        "a@[IPv6:::1]",
    ],
)
def test_addresses_lettre_parses(text: str) -> None:
    assert is_address(text)


@pytest.mark.parametrize(
    "text",
    ["foo", "@b.c", "a@", "a b@c.d", "a.@b.c", "a..b@c.d", "a@-b.c", "a@b..c", "a@b_c.d", "a@[x]"],
)
def test_what_is_not_an_address(text: str) -> None:
    assert not is_address(text)


def test_check_email_trims_and_words_refusals_as_crates_io() -> None:
    assert check_email("  kiwi@example.com\n") == "kiwi@example.com"
    with pytest.raises(InvalidError, match=r"^empty email rejected$"):
        check_email(" \t")
    with pytest.raises(InvalidError, match=r"^invalid email address$"):
        check_email("kiwi")


def test_tokens_follow_crates_io_triggers(tmp_path: Path) -> None:
    profiles = Profiles(tmp_path, RootLock(tmp_path, interprocess=False))
    assert profiles.profile("Alice") == Profile()
    assert profiles.renew_token("alice") is None
    first = profiles.set_email("Alice", "a@example.com")
    assert profiles.profile("alice") == Profile("a@example.com", False, True, True)
    assert profiles.confirm(first)
    assert profiles.profile("alice").email_verified
    assert profiles.set_email("alice", "a@example.com") == first  # same address, same token
    assert not profiles.profile("alice").email_verified  # but unverified again
    second = profiles.set_email("alice", "b@example.com")
    assert second != first
    assert not profiles.confirm(first)
    assert profiles.confirm(second)
    third = profiles.renew_token("alice")
    assert third not in (None, second)
    assert profiles.profile("alice").email_verified  # a resend keeps the verification
    assert (tmp_path / "meta" / "profiles.json").stat().st_mode & 0o077 == 0


def test_settings_of_a_removed_crate_go_with_it(tmp_path: Path) -> None:
    profiles = Profiles(tmp_path, RootLock(tmp_path, interprocess=False))
    profiles.set_email_notifications("alice", {"Foo-Bar": False, "kept": False})
    assert profiles.email_notifications("ALICE") == {"foo_bar": False, "kept": False}
    profiles.on_change([IndexChange("fo/o-/foo-bar", None, "gone", "foo-bar")], "gone")
    assert profiles.email_notifications("alice") == {"kept": False}


def test_the_confirmation_path_is_shown_redacted() -> None:
    path = "/api/v1/confirm/abcdefghijklmnopqrstuvwxyz"
    assert "qrstuvwxyz" not in shown_path(path)
    assert shown_path(path).startswith("/api/v1/confirm/abcdefgh")
    assert shown_path(path, secrets=True) == path
    assert shown_path("/api/v1/crates") == "/api/v1/crates"
