"""The crate list (``/``) and a crate's page (``/crates/{name}[/{version}]``).

They show what the read API answers, from the same sources and rules: the catalog and
crates.io's ranking for the list (:meth:`~fakereg.storage.catalog.Catalog.query`), a crate's record,
index lines and :class:`~fakereg.domain.crateview.VersionFacts` for its page, the README
rendered as ``…/readme`` renders it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from werkzeug.wrappers import Request

from ...domain.crateview import CrateSummary, VersionFacts, default_version, summarize
from ...domain.readme import render_readme
from ...domain.search import SearchQuery
from ...domain.shapes import IndexDependency
from ...storage.downloads import crate_total, version_total
from ..read_api import CrateState, ReadSources
from .layout import cells, esc, table, when
from .viewer import Viewer

PAGE_SIZE = 50
SORTS = (("alpha", "Name"), ("downloads", "Downloads"), ("recent-updates", "Recently updated"),
         ("new", "Newest"))  # fmt: skip


@dataclass(frozen=True)
class CargoNames:
    """How cargo names this registry: for the ``cargo add`` line and dependency lines."""

    registry: str
    replaces_crates_io: bool

    def add_command(self, crate: str, version: str | None = None) -> str:
        target = crate if version is None else f"{crate}@{version}"
        suffix = "" if self.replaces_crates_io else f" --registry {self.registry}"
        return f"cargo add {target}{suffix}"

    def manifest_line(self, crate: str, version: str) -> str:
        if self.replaces_crates_io:
            return f'{crate} = "{version}"'
        return f'{crate} = {{ version = "{version}", registry = "{self.registry}" }}'


def _link(crate: str, version: str | None = None) -> str:
    path = f"/crates/{quote(crate)}" + (f"/{quote(version)}" if version else "")
    return esc(path)


class CratePages:
    """Renders the list and crate pages (the bodies: the site frames them)."""

    def __init__(self, sources: ReadSources, names: CargoNames) -> None:
        self._data = sources
        self._names = names

    def listing(self, request: Request, viewer: Viewer) -> str:
        """The searchable crate list: name, version, description, downloads; pages of 50
        (only the crates the viewer's token may read, on a private registry)."""
        q = request.args.get("q", "").strip()
        sort = request.args.get("sort") or ("relevance" if q else "alpha")
        raw_page = request.args.get("page", "1")
        page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) < 100_000 else 1
        totals = self._data.downloads.totals()
        patterns = self._data.visible(viewer.credential)
        hits = self._data.catalog.query(SearchQuery(q=q, sort=sort), totals, patterns)
        ranked = hits.positions
        shown = hits.summaries(ranked[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
        rows = [self._list_row(s, totals.get(s.key, (0, 0))[0]) for s in shown]
        options = "".join(
            f'<option value="{key}"{" selected" if key == sort else ""}>{label}</option>'
            for key, label in (("relevance", "Relevance"), *SORTS)
        )
        form = (
            '<form class="search" method="get" action="/" role="search">'
            f'<input type="search" name="q" value="{esc(q)}" placeholder="Search crates" '
            'aria-label="Search crates" autofocus>'
            f'<select name="sort" aria-label="Sort">{options}</select>'
            "<button>Search</button></form>"
        )
        count = f"{len(ranked)} crate{'s' if len(ranked) != 1 else ''}"
        count += f" matching “{esc(q)}”" if q else " in this registry"
        empty = (
            f"No crate matches “{esc(q)}”."
            if q
            else "No crates yet. Publish one with <code>cargo publish --registry "
            f"{esc(self._names.registry)}</code>."
        )
        listing = table(
            ("Crate", "Version", "Description", "Downloads"),
            rows,
            cls="crates",
            empty=empty,
        )
        return (
            f'<h1>Crates</h1>{form}<p class="count" id="count">{count}</p>{listing}'
            f"{_pager(q, sort, page, len(ranked))}"
        )

    def _list_row(self, summary: CrateSummary, downloads: int) -> str:
        version = summary.default_version or summary.max_version
        mark = ' <span class="badge yanked">yanked</span>' if summary.default_yanked else ""
        return (
            f'<tr data-crate="{esc(summary.name)}">'
            f'<td><a href="{_link(summary.name)}">{esc(summary.name)}</a></td>'
            f"<td>{esc(version)}{mark}</td><td>{esc(summary.description or '')}</td>"
            f'<td class="num">{downloads}</td></tr>'
        )

    def crate(self, viewer: Viewer, name: str, version: str | None = None) -> tuple[str, str]:
        """A crate's page (its default version, or *version*): title and body."""
        if viewer.credential is not None:  # the API's rules for a crate-scoped token
            self._data.auth.checks.may_read(viewer.credential, name)
        state = self._data.crate(name)
        summary = summarize(state.meta, state.lines)
        facts = state.find(version) if version is not None else default_version(state.versions)
        assert facts is not None  # a crate with index lines has versions
        counts = self._data.downloads.of_crate(state.name)
        crate = state.name
        yanked = ""
        if facts.yanked:
            message = facts.details.get("yank_message")
            yanked = '<p class="notice yanked"><span class="badge yanked">yanked</span> '
            yanked += f"{esc(message)}</p>" if message else "This version was yanked.</p>"
        # The crate's description (its last publish's, as in the list and on crates.io);
        # a version asked for by number shows its own.
        lead = facts.details.get("description") if version is not None else summary.description
        body = (
            f'<h1>{esc(crate)} <span class="version" id="shown-version">{esc(facts.num)}</span>'
            f"</h1><p class=lead>{esc(lead or '')}</p>{yanked}"
            f"{self._install(crate, facts, summary)}"
            '<div class="columns"><div class="main">'
            f'<section id="readme"><h2>README</h2>{self._readme(crate, facts)}</section>'
            f'<section id="versions"><h2>Versions</h2>{self._versions(state, counts)}</section>'
            '</div><aside class="side">'
            f"{self._facts(summary, facts, crate_total(counts))}"
            f'<section id="features"><h2>Features</h2>{_features(facts)}</section>'
            f'<section id="dependencies"><h2>Dependencies</h2>{_dependencies(facts)}</section>'
            "</aside></div>"
        )
        return f"{crate} {facts.num}", body

    def _install(self, crate: str, facts: VersionFacts, summary: CrateSummary) -> str:
        pinned = None if facts.num == summary.default_version else facts.num
        command = self._names.add_command(crate, pinned)
        line = self._names.manifest_line(crate, facts.num)
        return (
            '<section class="install"><h2>Install</h2>'
            f'<div class="copy"><code id="cargo-add">{esc(command)}</code>'
            '<button type="button" data-copy="cargo-add">Copy</button></div>'
            f'<div class="copy"><code id="manifest-line">{esc(line)}</code>'
            '<button type="button" data-copy="manifest-line">Copy</button></div></section>'
        )

    def _readme(self, crate: str, facts: VersionFacts) -> str:
        text = self._data.store.readme(crate, facts.num)
        if text is None:
            return '<p class="empty">This version was published without a README.</p>'
        path = facts.details.get("readme_file") or "README.md"
        return f'<article class="readme">{render_readme(text, path)}</article>'

    def _versions(self, state: CrateState, counts: dict[str, dict[int, int]]) -> str:
        rows = []
        for v in sorted(state.versions, key=lambda v: (v.semver, v.order), reverse=True):
            status = ""
            if v.yanked:
                message = v.details.get("yank_message")
                status = '<span class="badge yanked">yanked</span>'
                status += f' <span class="yank-message">{esc(message)}</span>' if message else ""
            rows.append(
                f'<tr data-version="{esc(v.num)}"{" class=yanked" if v.yanked else ""}>'
                f'<td><a href="{_link(state.name, v.num)}">{esc(v.num)}</a></td>'
                f"<td>{when(v.created_at)}</td>"
                f"<td>{esc(v.details.get('published_by') or '')}</td>"
                f'<td class="num">{version_total(counts.get(v.num))}</td><td>{status}</td></tr>'
            )
        return table(("Version", "Published", "By", "Downloads", ""), rows, cls="versions")

    def _facts(self, summary: CrateSummary, facts: VersionFacts, downloads: int) -> str:
        details = facts.details
        owners = []
        for login in summary.owners:
            user = self._data.accounts.user(login)
            name = f" ({esc(user.name)})" if user is not None and user.name else ""
            owners.append(f"<li>{esc(login)}{name}</li>")
        links = "".join(
            f'<li><a href="{esc(url)}" rel="nofollow noreferrer">{label}</a></li>'
            for label, url in (
                ("Homepage", details.get("homepage")),
                ("Repository", details.get("repository")),
                ("Documentation", details.get("documentation")),
            )
            if url and url.startswith(("https://", "http://"))
        )
        rows = [
            ("License", details.get("license") or "unknown"),
            ("Edition", details.get("edition") or ""),
            ("Rust version", details.get("rust_version") or ""),
            ("Downloads", str(downloads)),
            ("Keywords", ", ".join(summary.keywords)),
            ("Categories", ", ".join(summary.categories)),
        ]
        shown = "".join(f"<dt>{k}</dt><dd>{esc(v)}</dd>" for k, v in rows if v)
        return (
            f'<section id="about"><h2>About</h2><dl class="facts">{shown}</dl>'
            f"{f'<ul class=links>{links}</ul>' if links else ''}</section>"
            f'<section id="owners"><h2>Owners</h2><ul class="owners">{"".join(owners)}</ul>'
            "</section>"
        )


def _features(facts: VersionFacts) -> str:
    features = {**facts.line["features"], **facts.line.get("features2", {})}
    if not features:
        return '<p class="empty">No features.</p>'
    items = "".join(
        f"<li><code>{esc(name)}</code>"
        + (f" = {esc(', '.join(members))}" if members else "")
        + "</li>"
        for name, members in sorted(features.items(), key=lambda kv: (kv[0] != "default", kv[0]))
    )
    return f'<ul class="features">{items}</ul>'


def _dependencies(facts: VersionFacts) -> str:
    deps = sorted(facts.line["deps"], key=lambda d: (d.get("kind") or "normal", d["name"]))
    rows = [_dependency_row(dep) for dep in deps]
    return table(
        ("Crate", "Requirement", "Kind", "Target", "Registry"),
        rows,
        cls="deps",
        empty="No dependencies.",
    )


def _dependency_row(dep: IndexDependency) -> str:
    crate = dep.get("package") or dep["name"]
    registry = dep.get("registry")
    shown = esc(crate) if registry else f'<a href="{_link(crate)}">{esc(crate)}</a>'
    if dep.get("package"):
        shown += f' <span class="rename">as {esc(dep["name"])}</span>'
    if dep.get("optional"):
        shown += ' <span class="badge">optional</span>'
    return cells(
        shown,
        f"<code>{esc(dep['req'])}</code>",
        esc(dep.get("kind") or "normal"),
        esc(dep.get("target") or ""),
        esc(registry) if registry else "this registry",
    )


def _pager(q: str, sort: str, page: int, total: int) -> str:
    pages = max(1, -(-total // PAGE_SIZE))
    if pages == 1:
        return ""

    def href(n: int) -> str:
        params = {k: v for k, v in (("q", q), ("sort", sort)) if v}
        return "/?" + esc(urlencode({**params, "page": n}))

    links = []
    if page > 1:
        links.append(f'<a rel="prev" href="{href(page - 1)}">← Previous</a>')
    links.append(f"<span>page {page} of {pages}</span>")
    if page < pages:
        links.append(f'<a rel="next" href="{href(page + 1)}">Next →</a>')
    return f'<nav class="pager">{"".join(links)}</nav>'
