"""The catalog's table: every crate's summary as columns, a crate as a position in them.

Search looks at 100,000 crates per query, so what it looks at is held as plain lists that
C loops can scan (``map``, ``itertools.compress``) without a Python frame per crate: the
canonical names, the lowercase descriptions, ids and timestamps, a byte per crate for
"some version is live", and inverted indexes of keywords, categories, owners and
dependencies. A crate's whole summary is kept as one ``marshal`` blob and decoded only
when a page shows it. :meth:`CrateTable.dump` writes the columns in name order, so a
loaded table needs no sorting and no decoding: a load of 100,000 crates is one
``marshal.loads``. (``marshal`` reads only what fakereg wrote under its own root: whoever
can write there can change the crates themselves.)
"""

from __future__ import annotations

import bisect
import marshal
import operator
from collections.abc import Iterable
from dataclasses import fields
from itertools import accumulate, repeat
from typing import Any

from ...domain.crateview import CrateSummary
from ...domain.names import canonical_name

#: The summary's fields in the order a row holds them.
FIELDS = tuple(field.name for field in fields(CrateSummary))
#: Bumped when the dumped shape changes: a table of another version is rebuilt.
FORMAT = 1
#: ``marshal``'s format, fixed so that every Python from 3.10 on reads what another wrote
#: (a root may be shared by processes of several Pythons).
MARSHAL = 4

#: The inverted indexes, by kind: ``keywords`` and ``categories`` (lowercase), ``owners``
#: (lowercase logins) and ``depends`` (the canonical names a default version depends on).
KINDS = ("keywords", "categories", "owners", "depends")
#: An inverted index's entry: (kind, value).
Tag = tuple[str, str]


def encode(summary: CrateSummary) -> bytes:
    """*summary* as the blob a table and the catalog's log keep."""
    return marshal.dumps(tuple(getattr(summary, name) for name in FIELDS), MARSHAL)


def decode(blob: bytes) -> CrateSummary:
    """The summary :func:`encode` made *blob* of."""
    return CrateSummary(*marshal.loads(blob))  # noqa: S302 (see the module)


def stamp(timestamp: str) -> int:
    """A number that sorts as an RFC 3339 UTC timestamp does (its digits)."""
    digits = timestamp.translate(_NOT_DIGITS)
    return int(digits) if digits.isdigit() else 0


_NOT_DIGITS = {ord(c): None for c in "-:TZ. +"}
#: Up to this many new crates are put in name order one by one; more, by one sort.
_INSERT_AT_MOST = 64
_NONE: frozenset[int] = frozenset()


def _tags(summary: CrateSummary) -> Iterable[Tag]:
    yield from (("depends", target) for target in summary.depends_on)
    yield from (("keywords", word.lower()) for word in summary.keywords)
    yield from (("categories", slug.lower()) for slug in summary.categories)
    yield from (("owners", login.lower()) for login in summary.owners)


class CrateTable:
    """Every crate of a registry as columns indexed by position (see the module).

    Positions are stable while the table lives: a changed crate keeps its position, a new
    one takes the next, a removed one leaves a hole (an empty key, no blob). :attr:`order`
    lists the live positions by canonical name.
    """

    def __init__(self) -> None:
        self.keys: list[str] = []  # canonical names ("" for a hole)
        self.texts: list[str] = []  # lowercase descriptions, on one line
        self.ids: list[int] = []
        self.created: list[int] = []  # stamps of created_at / updated_at
        self.updated: list[int] = []
        self.live = bytearray()  # 1 where some version is not yanked
        self.blobs: list[bytes | None] = []
        self.index: dict[str, dict[str, set[int]]] = {kind: {} for kind in KINDS}
        self.order: list[int] = []
        self.position: dict[str, int] = {}
        #: Every position, as the int objects the lists above share: a query's lists of
        #: 100,000 positions are made of these, and allocate no int of their own.
        self.numbers: list[int] = []
        #: How many positions from the first are in name order (all of a loaded table;
        #: a crate added since comes after them, and is in order only if its name is).
        self.sorted_upto = 0
        self._joined: dict[str, tuple[str, list[int]]] = {}
        self._unsorted: list[int] = []  # new positions put(…, sort=False) at order's end

    def __len__(self) -> int:
        return len(self.position)

    def summary(self, position: int) -> CrateSummary:
        """The summary of the crate at *position*."""
        blob = self.blobs[position]
        assert blob is not None, "a hole has no summary"
        return decode(blob)

    def first_created(self, positions: Iterable[int]) -> str:
        """The ``created_at`` of the oldest crate at *positions* (at least one)."""
        return self.summary(min(positions, key=self.created.__getitem__)).created_at

    def find(self, name: str) -> int | None:
        """The position of crate *name* (any spelling), or None."""
        return self.position.get(canonical_name(name))

    def tagged(self, kind: str, value: str) -> frozenset[int] | set[int]:
        """The positions of the crates an inverted index lists under (*kind*, *value*)."""
        return self.index[kind].get(value, _NONE)

    def put(self, summary: CrateSummary, blob: bytes | None = None, *, sort: bool = True) -> None:
        """Add or replace a crate (*blob*: its :func:`encode`, when at hand). ``sort=False``
        leaves a new crate out of :attr:`order` until :meth:`sort` (for many at once)."""
        key = summary.key
        text = " ".join((summary.description or "").lower().splitlines())
        at = self.position.get(key)
        if at is None:
            at = self.position[key] = len(self.keys)
            self.numbers.append(at)
            self.keys.append(key)
            self.texts.append(text)
            self.ids.append(0)
            self.created.append(0)
            self.updated.append(0)
            self.live.append(0)
            self.blobs.append(None)
            self._joined.clear()
            if self.sorted_upto == at and (not self.order or key > self.keys[self.order[-1]]):
                self.sorted_upto += 1
            if sort:
                bisect.insort(self.order, at, key=self.keys.__getitem__)
            else:
                self.order.append(at)
                self._unsorted.append(at)
        else:
            self._unindex(at)
            if self.texts[at] != text:
                self.texts[at] = text
                self._joined.pop("texts", None)
        self.ids[at] = summary.id
        self.created[at] = stamp(summary.created_at)
        self.updated[at] = stamp(summary.updated_at)
        self.live[at] = summary.any_live
        self.blobs[at] = blob if blob is not None else encode(summary)
        for kind, value in _tags(summary):
            self.index[kind].setdefault(value, set()).add(at)

    @property
    def in_order(self) -> bool:
        """True when positions are in name order (holes aside): a scan needs no sorting."""
        return self.sorted_upto == len(self.keys)

    def sort(self) -> None:
        """Put :attr:`order` back in name order (after ``put(…, sort=False)``).

        A few new crates (a publish that the serving process reads back from the log) are
        placed by bisection: sorting 100,000 positions again costs milliseconds a publish.
        """
        tail, self._unsorted = self._unsorted, []
        if not tail:
            return
        if len(tail) <= _INSERT_AT_MOST and self.order[-len(tail) :] == tail:
            del self.order[-len(tail) :]
            for at in tail:
                bisect.insort(self.order, at, key=self.keys.__getitem__)
        else:
            self.order.sort(key=self.keys.__getitem__)

    def drop(self, key: str) -> None:
        """Remove crate *key* (a canonical name), if present."""
        at = self.position.pop(key, None)
        if at is None:
            return
        self._unindex(at)
        self.order.remove(at)
        self.keys[at] = self.texts[at] = ""
        self.live[at] = 0
        self.blobs[at] = None
        self._joined.clear()

    def joined(self, column: str) -> tuple[str, list[int]]:
        """Column ``keys`` or ``texts`` as one newline-joined text, and where each of its
        lines starts (one more: the end), for ``str.find`` to scan in C; kept until a
        line changes."""
        found = self._joined.get(column)
        if found is None:
            lines: list[str] = getattr(self, column)
            sizes = map(operator.add, map(len, lines), repeat(1))
            starts = list(accumulate(sizes, initial=0))
            found = self._joined[column] = ("\n".join(lines) + "\n", starts)
        return found

    def _unindex(self, at: int) -> None:
        for kind, value in _tags(self.summary(at)):
            carriers = self.index[kind].get(value)
            if carriers is not None:
                carriers.discard(at)
                if not carriers:
                    del self.index[kind][value]

    def dump(self) -> bytes:
        """The table, its positions renumbered in name order and its holes left out."""
        order = self.order
        moved = [0] * len(self.keys)
        for new, old in enumerate(order):
            moved[old] = new
        columns: dict[str, Any] = {
            "format": FORMAT,
            "live": bytes(map(self.live.__getitem__, order)),
            "index": {
                kind: {value: {moved[at] for at in found} for value, found in entries.items()}
                for kind, entries in self.index.items()
            },
        }
        for name in ("keys", "texts", "ids", "created", "updated", "blobs"):
            columns[name] = list(map(getattr(self, name).__getitem__, order))
        return marshal.dumps(columns, MARSHAL)

    @classmethod
    def load(cls, data: bytes | memoryview) -> CrateTable:
        """The table :meth:`dump` made *data* of; ValueError when it is not one."""
        try:
            columns = marshal.loads(data)  # noqa: S302 (see the module)
            if not isinstance(columns, dict) or columns.get("format") != FORMAT:
                raise ValueError("of another version")
            table = cls()
            table.keys, table.texts = columns["keys"], columns["texts"]
            table.ids, table.blobs = columns["ids"], columns["blobs"]
            table.created, table.updated = columns["created"], columns["updated"]
            table.live = bytearray(columns["live"])
            table.index = columns["index"]
        except (EOFError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a catalog table: {exc}") from None
        table.numbers = list(range(len(table.keys)))
        table.order = table.numbers.copy()
        table.sorted_upto = len(table.keys)
        table.position = dict(zip(table.keys, table.numbers, strict=True))
        return table
