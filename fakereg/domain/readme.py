"""A README rendered to HTML, as crates.io renders it at publish (``crates_io_markdown``).

Markdown (a file with a Markdown extension, or none) goes through CommonMark with
GitHub's tables and strikethrough; any other file is escaped text with line breaks.
crates.io lets some raw HTML through its sanitiser; here raw HTML is escaped, so nothing
a README holds runs in a page that shows it.
"""

from __future__ import annotations

import html
import posixpath

from markdown_it import MarkdownIt

#: crates.io's ``MARKDOWN_EXTENSIONS``.
MARKDOWN_EXTENSIONS = frozenset(
    {"md", "markdown", "mdown", "mdwn", "mkd", "mkdn", "mkdown", "ronn", "scd", "workbook"}
)

_markdown = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def is_markdown(path: str) -> bool:
    """Whether crates.io renders the README at *path* as Markdown."""
    _, ext = posixpath.splitext(posixpath.basename(path))
    return not ext or ext[1:].lower() in MARKDOWN_EXTENSIONS


def render_readme(text: str, path: str = "README.md") -> str:
    """The HTML of README *text* found at *path* in the package."""
    if is_markdown(path):
        return str(_markdown.render(text))
    return html.escape(text, quote=False).replace("\n", "<br>\n")
