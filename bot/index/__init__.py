"""The library index: keeps the store in step with the content folder.

New posts are recorded and published (or held, or scheduled when their date is in the future),
edits update the index without a resend, deleted posts are marked removed, and a moved or renamed
file keeps its article id. Unchanged files are skipped by size + mtime, then by content digest,
so a restart over thousands of posts parses nothing. Nothing outside the content folder is read:
links leading out are reported, never followed. A file's problems are put in `IndexReport.fresh`
once (when first seen, and again only when the file changes), so rescans do not repeat them.

One pass, one module per step: `walk` (find post files, stat them, links leading out),
`read` (read and parse what changed), `plan` (match posts to indexed rows, duplicates, states),
`readers` (a thread, or worker processes for a big pass), `library` (`LibraryIndex` runs the
passes, `IndexReport` says what one did). Every query is in
`bot.store` (`bot.store.index_rows`, `bot.store.articles`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.index.library import IndexReport, LibraryIndex

__all__ = ["IndexReport", "LibraryIndex"]


def __getattr__(name: str) -> Any:
    """Import `bot.index.library` on first use: a worker process reading files (`bot.index.read`)
    then loads no database code."""
    if name in __all__:
        from bot.index import library

        return getattr(library, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
