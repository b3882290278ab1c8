"""The text keyword and expression filters search: an article's folded title, categories, tags
and excerpt, one per line, bounded (`match_text`)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.filters import fold

MATCH_TEXT_MAX = 4096
"""Characters of an article's match text kept (and searched): a bound on each search's work."""
PART_MAX = 1024
"""Characters the title, and the categories and tags together, may take of it: a huge title or
a long list of tags never pushes the excerpt out."""


def match_text(title: str | None, categories: Iterable[str], tags: Iterable[str], excerpt: str | None) -> str:
    """Return the folded title, categories, tags and excerpt joined with "\\n", cut to `MATCH_TEXT_MAX`."""
    head = _fold(title)[:PART_MAX]
    labels = "\n".join(part for part in map(_fold, (*categories, *tags)) if part)[:PART_MAX].rstrip("\n")
    parts = (head, labels, _fold(excerpt))
    return "\n".join(part for part in parts if part)[:MATCH_TEXT_MAX]


def _fold(text: object) -> str:
    # Cut before folding too, so a huge field costs no more than a bounded one.
    return fold(text[:MATCH_TEXT_MAX]) if isinstance(text, str) else ""
