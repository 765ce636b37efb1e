"""The catalog: its columnar queries against crates.io's rules written out plainly, its
files across processes, compactions, damage and old roots, and cargo against a restart."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from fakereg import FakeRegistry
from fakereg.domain.crateview import CrateSummary
from fakereg.domain.names import canonical_name
from fakereg.domain.search import SearchQuery
from fakereg.storage.catalog import files as catalog_files
from fakereg.storage.catalog.query import run
from fakereg.storage.catalog.table import CrateTable, stamp
from fakereg.storage.reader import CrateReader
from tests.helpers import Curl, http, publish, write_package

WORDS = ["async", "parser", "serde", "cli", "web", "log", "fs"]


def _summary(rng: random.Random, name: str, number: int) -> CrateSummary:
    created = f"2026-01-{rng.randint(1, 28):02d}T0{rng.randint(0, 9)}:00:00Z"
    updated = created if rng.random() < 0.5 else f"2026-02-{rng.randint(1, 28):02d}T00:00:00Z"
    return CrateSummary(
        name=name,
        key=canonical_name(name),
        id=number,
        max_version="1.0.0",
        max_stable_version="1.0.0",
        newest_version="1.0.0",
        default_version="1.0.0",
        default_yanked=False,
        num_versions=1,
        description=rng.choice([None, " ".join(rng.sample(WORDS, 2)) + f"\nline {number}"]),
        homepage=None,
        documentation=None,
        repository=None,
        keywords=tuple(rng.sample(["Async", "parser", "cli", "k1"], rng.randint(0, 2))),
        categories=tuple(rng.sample(["cat-a", "cat-a::sub", "cat-b"], rng.randint(0, 2))),
        created_at=created,
        updated_at=updated,
        owners=tuple(rng.sample(["Alice", "bob", "carol"], rng.randint(1, 2))),
        any_live=rng.random() < 0.8,
        depends_on=frozenset(rng.sample(["hub", "base"], rng.randint(0, 1))),
    )


def _expected(
    crates: list[CrateSummary],
    query: SearchQuery,
    downloads: dict[str, tuple[int, int]],
    patterns: tuple[str, ...] | None,
) -> list[str]:
    """crates.io's rules, one crate at a time (as fakereg ranked before its catalog)."""
    q = query.q.strip()
    needle = canonical_name(q) if q else None

    def matches(s: CrateSummary) -> bool:
        if needle is None:
            return True
        text = " ".join((s.description or "").lower().splitlines())
        keywords = {k.lower() for k in s.keywords}
        words = q.lower().split()
        return needle in s.key or all(w in text or w in keywords for w in words)

    def chained(s: CrateSummary) -> bool:
        keywords = {k.lower() for k in s.keywords}
        if query.all_keywords is not None:
            return all(w.lower() in keywords for w in query.all_keywords.split())
        if query.keyword is not None:
            return query.keyword.lower() in keywords
        if query.letter is not None:
            return s.key.startswith(query.letter[0].lower())
        if query.user is not None:
            return query.user.lower() in (o.lower() for o in s.owners)
        if query.nobody:
            return False
        if query.following is not None:
            return s.key in query.following
        return not (query.ids and s.name not in query.ids)

    def selected(s: CrateSummary) -> bool:
        category = query.category
        if category is not None and not any(
            c.lower() == category or c.lower().startswith(f"{category}::") for c in s.categories
        ):
            return False
        if patterns is not None and not any(
            s.key == canonical_name(p.rstrip("*"))
            or (p.endswith("*") and s.key.startswith(canonical_name(p.rstrip("*"))))
            for p in patterns
        ):
            return False
        return matches(s) and chained(s) and (query.include_yanked or s.any_live)

    def key(s: CrateSummary) -> tuple[Any, ...]:
        total, recent = downloads.get(s.key, (0, 0))
        order = query.order
        if order == "downloads":
            return (-total, -s.id)
        if order == "recent-downloads":
            return (-recent, -s.id)
        if order == "recent-updates":
            return (-stamp(s.updated_at), -s.id)
        if order == "new":
            return (-stamp(s.created_at), -s.id)
        if order == "relevance" and needle is not None:
            return (s.key != needle, needle not in s.key, -recent, s.key)
        return (s.key != needle, s.key)

    return [s.name for s in sorted(filter(selected, crates), key=key)]


def _queries(rng: random.Random, names: list[str]) -> Iterator[SearchQuery]:
    sorts = [None, "alpha", "relevance", "downloads", "recent-downloads", "recent-updates", "new"]
    texts = ["", "a", "ab", "serde", "ASYNC parser", "k1", "x_y", "line 1", " cli ", *names[:3]]
    for _ in range(150):
        chain = rng.choice(
            ["", "all_keywords", "keyword", "letter", "user", "ids", "nobody", "following"]
        )
        yield SearchQuery(
            q=rng.choice(texts),
            sort=rng.choice(sorts),
            all_keywords="async PARSER" if chain == "all_keywords" else None,
            keyword=rng.choice(["cli", "Async"]) if chain == "keyword" else None,
            letter=rng.choice(["a", "B", "x"]) if chain == "letter" else None,
            user=rng.choice(["alice", "BOB"]) if chain == "user" else None,
            ids=tuple(rng.sample(names, 3)) if chain == "ids" else (),
            nobody=chain == "nobody",
            following=tuple(canonical_name(n) for n in rng.sample(names, 5))
            if chain == "following"
            else None,
            category=rng.choice([None, None, "cat-a", "cat-b"]),
            include_yanked=rng.random() < 0.7,
        )


@pytest.mark.parametrize("reloaded", [False, True], ids=["changed in memory", "loaded"])
def test_queries_follow_crates_io_rules(reloaded: bool) -> None:
    """Every sort, filter and token scope, on a table changed in place (holes, crates added
    out of name order) and on one loaded from its dump, ranks as the plain rules do."""
    rng = random.Random(7)
    alphabet = "abx_-y"
    names = sorted({"".join(rng.choices(alphabet, k=rng.randint(1, 4))) for _ in range(400)})
    names = [n for n in dict((canonical_name(n), n) for n in names).values() if n[0].isalpha()]
    crates = {canonical_name(n): _summary(rng, n, i + 1) for i, n in enumerate(names)}
    table = CrateTable()
    for summary in rng.sample(list(crates.values()), len(crates)):
        table.put(summary)
    for key in rng.sample(sorted(crates), 20):  # holes, and crates changed in place
        table.drop(key)
        del crates[key]
    for key in rng.sample(sorted(crates), 20):
        crates[key] = _summary(rng, crates[key].name, crates[key].id)
        table.put(crates[key])
    if reloaded:  # then crates added out of name order, merged into the loaded ones
        table = CrateTable.load(table.dump())
        assert table.in_order
        for i, name in enumerate(["aaa-new", "b-new", "x-new", "ab"]):
            if canonical_name(name) not in crates:
                crates[canonical_name(name)] = _summary(rng, name, 1000 + i)
                table.put(crates[canonical_name(name)])
    assert 0 < table.sorted_upto < len(table.keys)
    downloads = {k: (rng.randint(0, 3), rng.randint(0, 2)) for k in rng.sample(sorted(crates), 40)}
    for query in _queries(rng, sorted(s.name for s in crates.values())):
        for patterns in (None, ("a*", "bx", "y-*")):
            hits = run(table, query, downloads, patterns)
            got = [s.name for s in hits.summaries(hits.positions)]
            assert got == _expected(list(crates.values()), query, downloads, patterns), query
            keys = [hits.key(at) for at in hits.positions]
            assert keys == sorted(keys)  # what seek pagination bisects


@pytest.mark.parametrize("added", [1, 3, 64, 65, 300])
def test_crates_read_from_the_log_are_put_in_name_order(added: int) -> None:
    """A few new crates are bisected into place, many sorted at once; a crate dropped
    before the order is restored does not stay in it."""
    rng = random.Random(added)
    table = CrateTable()
    for number in range(200):
        table.put(_summary(rng, f"base-{number:03d}", number + 1))
    table = CrateTable.load(table.dump())
    names = [f"{rng.choice('abz')}-new-{n}" for n in range(added)]
    for number, name in enumerate(names):
        table.put(_summary(rng, name, 1000 + number), sort=False)
    dropped = added in (3, 300)
    if dropped:
        table.drop(canonical_name(names[0]))
    table.sort()
    keys = [table.keys[at] for at in table.order]
    assert keys == sorted(table.position)
    assert len(keys) == 200 + added - dropped


def test_a_damaged_table_is_refused() -> None:
    for data in (b"", b"\x00garbage", json.dumps({"format": 1}).encode()):
        with pytest.raises(ValueError, match="not a catalog table"):
            CrateTable.load(data)


def _search(reg: FakeRegistry, query: str, **params: str) -> list[str]:
    answer = http(reg, "GET", f"/api/v1/crates?q={query}&per_page=100&" + urlencode(params))
    assert answer.status == 200, answer.body
    return [crate["name"] for crate in answer.json()["crates"]]


def _cargo_search(reg: FakeRegistry, query: str) -> list[str]:
    found = reg.cargo("search", "--registry", reg.name, "--limit", "100", query, check=True)
    return [line.split(" = ")[0] for line in found.stdout.splitlines() if " = " in line]


def _logs(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "meta" / "catalog").glob("*.log"))


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The crates read whole (``crate_state``) from now on, by any store of this process."""
    seen: list[str] = []
    original = CrateReader.crate_state

    def counted(self: CrateReader, key: str) -> Any:
        seen.append(key)
        return original(self, key)

    monkeypatch.setattr(CrateReader, "crate_state", counted)
    return seen


def test_a_restarted_registry_searches_without_reading_its_crates(
    tmp_path: Path, reads: list[str]
) -> None:
    """cargo publishes, the registry stops; the next one on the root answers cargo's
    search from the catalog's files, reading no crate."""
    root = tmp_path / "root"
    with FakeRegistry(root=root) as reg:
        with reg.batch():
            for i in range(300):
                reg.add_crate(f"filler-{i}", "1.0.0", description=f"filler number {i}")
        extra = 'keywords = ["needle"]'
        publish(reg, write_package(tmp_path / "pkg", "found-me", manifest_extra=extra))
    reads.clear()
    with FakeRegistry(root=root) as reg:
        assert _cargo_search(reg, "needle") == ["found-me"]
        assert len(_search(reg, "filler")) == 100
        assert reads == []


def test_changes_from_another_process_are_seen_through_compactions(tmp_path: Path) -> None:
    """A second process adds crates to the root (and folds the log into new snapshots)
    while this one serves searches: each search sees every change made before it."""
    root = tmp_path / "root"
    script = (
        "import sys\n"
        "from fakereg import FakeRegistry\n"
        "from fakereg.storage.catalog import files\n"
        "files.COMPACT_BYTES = int(sys.argv[3])\n"
        "with FakeRegistry(root=sys.argv[1], name='seeder') as reg:\n"
        "    for i in range(int(sys.argv[2])):\n"
        "        reg.add_crate(f'late-{i}', '1.0.0', description='from afar')\n"
    )
    with FakeRegistry(root=root) as reg:
        reg.add_crate("early", "1.0.0", description="from here")
        assert _search(reg, "from") == ["early"]
        before = _logs(root)
        subprocess.run([sys.executable, "-c", script, str(root), "3", "100000000"], check=True)
        assert _logs(root) == before  # appended to the same log
        assert _search(reg, "afar") == ["late-0", "late-1", "late-2"]
        subprocess.run([sys.executable, "-c", script, str(root), "6", "1"], check=True)
        assert _logs(root) != before
        assert len(_logs(root)) == 1
        assert _search(reg, "afar") == [f"late-{i}" for i in range(6)]
        assert _cargo_search(reg, "from") == ["early", *(f"late-{i}" for i in range(6))]


def test_compaction_keeps_every_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog_files, "COMPACT_BYTES", 600)
    with FakeRegistry(root=tmp_path / "root") as reg:
        tokens = set()
        for i in range(12):
            reg.add_crate(f"c-{i}", "1.0.0", description="counted")
            tokens.add(tuple(_logs(tmp_path / "root")))
            assert len(_search(reg, "counted")) == i + 1
        assert len(tokens) >= 3  # several compactions
        assert all(len(logs) == 1 for logs in tokens)  # one log at a time
        reg.add_crate("c-3", "2.0.0", description="renamed")
        assert "c-3" not in _search(reg, "counted")
        assert _search(reg, "renamed") == ["c-3"]


@pytest.mark.parametrize("damage", ["removed", "garbage", "truncated", "log garbage"])
def test_a_missing_or_damaged_catalog_is_rebuilt(tmp_path: Path, damage: str) -> None:
    """A root written before fakereg kept a catalog, or whose catalog files were removed or
    damaged, is searched right (the catalog is rebuilt from the crates, once)."""
    root = tmp_path / "root"
    with FakeRegistry(root=root) as reg:
        for name in ("alpha", "beta", "gamma"):
            reg.add_crate(name, "1.0.0", description=f"the {name} crate")
    folder = root / "meta" / "catalog"
    snapshot = folder / "snapshot"
    if damage == "removed":
        shutil.rmtree(folder)
    elif damage == "garbage":
        snapshot.write_bytes(b"fakereg catalog\n" + b"0" * 32 + b"\nnot marshal")
    elif damage == "truncated":
        snapshot.write_bytes(snapshot.read_bytes()[:-10])
    else:
        (folder / _logs(root)[0]).write_bytes(b"\x05\x00\x00\x00\xff\xff\xff\xff\xff")
    with FakeRegistry(root=root) as reg:
        assert _search(reg, "crate") == ["alpha", "beta", "gamma"]
        reg.add_crate("delta", "1.0.0", description="the delta crate")
        assert _search(reg, "crate") == ["alpha", "beta", "delta", "gamma"]
    assert snapshot.exists()
    assert len(_logs(root)) == 1


def test_new_owners_find_their_crates(tmp_path: Path) -> None:
    """``cargo owner --add`` changes no index file; the crate list by ``user_id`` and
    ``/api/v1/me`` of the new owner show the crate at once."""
    with FakeRegistry() as reg:
        bob = reg.add_user("bob", "Bob")
        publish(reg, write_package(tmp_path / "pkg", "shared-crate"))
        user_id = http(reg, "GET", "/api/v1/users/bob").json()["user"]["id"]
        assert _search(reg, "", user_id=str(user_id)) == []
        reg.cargo("owner", "--registry", reg.name, "--add", "bob", "shared-crate", check=True)
        assert _search(reg, "", user_id=str(user_id)) == ["shared-crate"]
        browser = Curl(reg, tmp_path / "jar")
        browser.sign_in(bob)
        me = browser("GET", "/api/v1/me")[1]
        assert [crate["name"] for crate in me["owned_crates"]] == ["shared-crate"]
        reg.cargo("owner", "--registry", reg.name, "--remove", "bob", "shared-crate", check=True)
        assert _search(reg, "", user_id=str(user_id)) == []
