"""Dependencies of seeded crates: ``"serde@^1"`` strings and :class:`Dependency` objects."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from ..errors import InvalidError, InvalidTypeError
from .names import is_valid_crate_name

DependencyKind = Literal["normal", "dev", "build"]
KINDS: tuple[str, ...] = ("normal", "dev", "build")

#: The index URL that names crates.io in an index line's ``registry`` field.
CRATES_IO_INDEX = "https://github.com/rust-lang/crates.io-index"

_PART = r"(?:0|[1-9][0-9]*|\*|x|X)"
_COMPARATOR_RE = re.compile(
    r"\s*(?P<op>=|>=|>|<=|<|~|\^)?\s*"
    rf"(?P<version>{_PART}(?:\.{_PART}){{0,2}}(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)\s*\Z"
)
_URL_RE = re.compile(r"(?:sparse\+)?[a-z][a-z0-9+.-]*://\S+\Z")


class HasIndexUrl(Protocol):
    """Anything with an ``index_url``: a running :class:`~fakereg.FakeRegistry`."""

    @property
    def index_url(self) -> str: ...


def normalize_req(req: str) -> str:
    """*req* as cargo sends it: a bare version ``1.2`` gets its implied caret (``^1.2``).

    Raises ValueError for anything cargo's ``semver`` crate would refuse.
    """
    text = req.strip()
    if text == "*":
        return text
    comparators = []
    for part in text.split(","):
        match = _COMPARATOR_RE.match(part)
        if match is None:
            raise InvalidError(f"invalid version requirement {req!r}")
        op, version = match["op"] or "", match["version"]
        wildcard = any(piece in ("*", "x", "X") for piece in version.split("."))
        if not op and not wildcard:
            op = "^"
        comparators.append(op + version)
    return ", ".join(comparators)


@dataclass(frozen=True)
class Dependency:
    """A dependency of a crate made with :meth:`FakeRegistry.add_crate`.

    *name* is the crate depended on; *rename* is the name it goes by in ``Cargo.toml``
    (cargo's ``package = …`` renaming); *registry* is another running registry (or an
    index URL, or ``"crates-io"``) when the crate does not come from the same registry.
    """

    name: str
    req: str = "*"
    features: Sequence[str] = field(default=())
    optional: bool = False
    default_features: bool = True
    kind: DependencyKind = "normal"
    target: str | None = None
    rename: str | None = None
    registry: str | HasIndexUrl | None = None

    def __post_init__(self) -> None:
        if not is_valid_crate_name(self.name):
            raise InvalidError(f"invalid crate name {self.name!r} in a dependency")
        if self.rename is not None and not is_valid_crate_name(self.rename):
            raise InvalidError(f"invalid rename {self.rename!r} of dependency {self.name!r}")
        if self.kind not in KINDS:
            raise InvalidError(
                f"dependency {self.name!r}: kind must be one of {', '.join(KINDS)}, "
                f"not {self.kind!r}"
            )
        if self.optional and self.kind == "dev":
            raise InvalidError(f"dev-dependency {self.name!r} cannot be optional (cargo refuses)")
        if isinstance(self.features, str):
            raise InvalidTypeError(f"dependency {self.name!r}: features must be a list of strings")
        registry = self.registry
        if not (
            registry is None or isinstance(registry, str) or hasattr(type(registry), "index_url")
        ):
            raise InvalidTypeError(
                f"dependency {self.name!r}: registry must be a FakeRegistry, an index URL or "
                f"'crates-io', not {registry!r}"
            )
        object.__setattr__(self, "features", tuple(self.features))
        object.__setattr__(self, "req", normalize_req(self.req))

    @classmethod
    def parse(cls, text: str) -> Dependency:
        """``"serde"`` (any version) or ``"serde@^1"`` / ``"serde@1.0"`` (a requirement)."""
        name, sep, req = text.partition("@")
        if sep and not req.strip():
            raise InvalidError(f"dependency {text!r} has an empty version requirement")
        return cls(name.strip(), req if sep else "*")

    @property
    def toml_name(self) -> str:
        """The key of the dependency in ``Cargo.toml`` (the rename, when there is one)."""
        return self.rename or self.name

    def registry_url(self) -> str | None:
        """The index URL for the index line's ``registry`` field (None: same registry)."""
        registry = self.registry
        if registry is None:
            return None
        if isinstance(registry, str):
            if registry == "crates-io":
                return CRATES_IO_INDEX
            if not _URL_RE.match(registry):
                raise InvalidError(
                    f"dependency {self.name!r}: registry must be a FakeRegistry, an index URL "
                    f"or 'crates-io', not {registry!r}"
                )
            return registry
        return registry.index_url


DependencySpec = str | Dependency


def as_dependencies(specs: Sequence[DependencySpec] | DependencySpec) -> list[Dependency]:
    """Strings parsed, objects kept; a single spec is a list of one."""
    if isinstance(specs, (str, Dependency)):
        specs = [specs]
    deps = []
    for spec in specs:
        if isinstance(spec, str):
            deps.append(Dependency.parse(spec))
        elif isinstance(spec, Dependency):
            deps.append(spec)
        else:
            raise InvalidTypeError(
                f"a dependency is a 'name@req' string or a Dependency, not {spec!r}"
            )
    seen: set[tuple[str, str | None, str]] = set()
    for dep in deps:
        key = (dep.kind, dep.target, dep.toml_name)
        if key in seen:
            raise InvalidError(
                f"dependency {dep.toml_name!r} appears twice in the same table (give one a rename)"
            )
        seen.add(key)
    return deps
