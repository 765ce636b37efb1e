"""The pytest plugin, exercised in throw-away pytest runs (pytester)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def test_fixture_gives_a_running_registry_and_stops_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import urllib.request, json

        REGS = []

        def test_one(fake_registry, tmp_path, tmp_path_factory):
            REGS.append(fake_registry)
            assert fake_registry.running
            # beside the test's tmp_path, never in it (a crate there would package tokens)
            assert not fake_registry.root.is_relative_to(tmp_path)
            assert not fake_registry.cargo_home.is_relative_to(tmp_path)
            assert fake_registry.root.is_relative_to(tmp_path_factory.getbasetemp())
            assert fake_registry.index_url.startswith("sparse+http://127.0.0.1:")
            with urllib.request.urlopen(fake_registry.url + "/index/config.json") as r:
                assert json.load(r)["api"] == fake_registry.url
            assert "credentials.toml" in {p.name for p in fake_registry.cargo_home.iterdir()}

        def test_stopped_after():
            assert not REGS[0].running
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_marker_passes_keyword_arguments(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fake_registry(name="private", token="tok-123", strict=True)
        def test_marked(fake_registry):
            assert fake_registry.name == "private"
            assert fake_registry.token == "tok-123"
            assert "[registries.private]" in (fake_registry.cargo_home / "config.toml").read_text()

        def test_factory_makes_more(fake_registry, fake_registry_factory):
            other = fake_registry_factory(name="other")
            assert other.url != fake_registry.url
            assert other.root != fake_registry.root
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_marker_rejects_positional_arguments(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.fake_registry("x")
        def test_bad(fake_registry):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*takes keyword arguments only*"])


def test_error_in_server_thread_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import urllib.request, urllib.error
        from fakereg.storage.store import CrateStore

        def test_triggers_bug(fake_registry, monkeypatch):
            def broken(self):
                raise RuntimeError("bug in the registry")
            monkeypatch.setattr(CrateStore, "crate_keys", broken)
            try:
                urllib.request.urlopen(fake_registry.url + "/api/v1/crates")
            except urllib.error.HTTPError as e:
                assert e.code == 500
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ServerError*", "*RuntimeError: bug in the registry*"])


def test_options_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--fakereg-cargo=PATH*"])
    markers = pytester.runpytest("--markers")
    markers.stdout.fnmatch_lines(["*@pytest.mark.fake_registry(**kwargs)*"])


def test_cargo_option_selects_the_binary(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_cargo_path(fake_registry):
            assert fake_registry.cargo_path() == "/opt/my-cargo"
        """
    )
    pytester.runpytest("--fakereg-cargo", "/opt/my-cargo").assert_outcomes(passed=1)


def test_works_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("i", range(4))
        def test_parallel(fake_registry, i):
            assert fake_registry.versions("x") == []
        """
    )
    result = pytester.runpytest_subprocess("-p", "xdist", "-n", "2")
    result.assert_outcomes(passed=4)


def test_failing_test_shows_registry_traffic(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import urllib.request

        def test_fails(fake_registry, tmp_path_factory):
            (tmp_path_factory.getbasetemp() / "token").write_text(fake_registry.token)
            request = urllib.request.Request(
                fake_registry.url + "/index/config.json",
                headers={"Authorization": fake_registry.token},
            )
            urllib.request.urlopen(request).read()
            assert False, "the tool did the wrong thing"

        def test_passes(fake_registry):
            urllib.request.urlopen(fake_registry.url + "/index/config.json").read()
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(
        ["*fakereg traffic: fakereg (http://127.0.0.1:*)*", "GET /index/config.json -> 200 (*ms)"]
    )
    assert result.stdout.str().count("fakereg traffic") == 1
    token = next(pytester.path.parent.rglob("token")).read_text()
    assert token not in result.stdout.str() + result.stderr.str()
