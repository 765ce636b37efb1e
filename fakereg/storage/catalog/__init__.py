"""Search's view of every crate: a columnar table in memory, a snapshot and a log on disk.

:mod:`.table` holds the columns, :mod:`.query` runs crates.io's list queries on them,
:mod:`.files` keeps them on disk (written by the store's listeners, read by any process)
and :mod:`.catalog` is what the web layer asks.
"""

from __future__ import annotations

from ...domain.crateview import CrateSummary, summarize
from .catalog import Catalog
from .files import CatalogFiles
from .query import Hits

__all__ = ["Catalog", "CatalogFiles", "CrateSummary", "Hits", "summarize"]
