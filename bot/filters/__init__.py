"""Keyword and regular-expression filters of a subscription (`/filter`).

A keyword is matched as a substring of the article's folded title, categories, tags and excerpt
(`match_text`), in SQL; a regular expression is matched in Python with a time limit. An article
reaches a filtered subscription when it matches one of its includes (or it has none) and none of
its excludes.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.summary import normalize_category

MAX_FILTERS = 20
"""Filters one subscription may hold (keywords and expressions together)."""
MAX_KEYWORD = 64
"""Characters in one keyword."""
MAX_PATTERN = 200
"""Characters in one regular expression."""


def fold(text: str) -> str:
    """Return `text` as filters compare it: NFKC, case-folded, white space collapsed (the same
    folding as categories, so full-width and half-width letters match)."""
    return normalize_category(text)


@dataclass(frozen=True, slots=True)
class FilterRule:
    """One filter: an include or exclude keyword (stored folded) or regular expression (as typed)."""

    pattern: str
    exclude: bool = False
    regex: bool = False

    @property
    def shown(self) -> str:
        """The filter as `/filter` takes it: `+word`, `-word`, `/regex/`, `-/regex/`."""
        body = f"/{self.pattern}/" if self.regex else self.pattern
        return ("-" if self.exclude else "+") + body if not self.regex or self.exclude else body
