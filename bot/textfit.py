"""Fit plain text into a platform's length limit without cutting words or sentences needlessly.

One routine for every platform (apprise's idea): the caller passes the limit and how the platform
measures length (Telegram counts UTF-16 code units, Discord counts code points).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

ELLIPSIS = "…"
_LATIN_STOPS = frozenset(".!?;:\"')]")

Measure = Callable[[str], int]

# Sentence ends: CJK 。！？；… (no space needed), Latin . ! ? ; before white space, each with the
# closing quotes/brackets that follow them; and line breaks (paragraph and list-item ends).
_SENTENCE_END = re.compile(
    r"[。！？；…]+[”’\"'」』）)\]】》]*"
    r"|[.!?;]+[\"'”’)\]]*(?=\s)"
    r"|(?=\n)"
)
_CLAUSE_END = re.compile(r"(?<=[，、,:：])")


def utf16_len(text: str) -> int:
    """Return the length of `text` in UTF-16 code units (astral characters count 2)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _cut_chars(text: str, budget: int, measure: Measure) -> str:
    """Return the longest prefix of `text` whose measure is ≤ budget (never splits a surrogate pair)."""
    if measure(text) <= budget:
        return text
    if measure is len:
        return text[: max(budget, 0)]
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(text[:mid]) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo]


def _last_boundary(prefix: str, pattern: re.Pattern[str], floor: int) -> int:
    """Return the index after the last `pattern` boundary in `prefix` at or beyond `floor`, else -1."""
    best = -1
    for match in pattern.finditer(prefix):
        if match.end() >= floor:
            best = match.end()
    return best


def fit_text(text: str, limit: int, measure: Measure = len, ellipsis: str = ELLIPSIS) -> str:
    """Return `text` shortened to at most `limit` units, ending with `ellipsis` when cut.

    Prefers cutting after a whole sentence, then after a clause, then between words, and only
    cuts inside a word (10,000-character words, CJK without spaces) when nothing else fits.
    """
    if measure(text) <= limit:
        return text
    if limit <= 0:
        return ""
    room = limit - measure(ellipsis)
    if room <= 0:
        return _cut_chars(ellipsis, limit, measure)
    prefix = _cut_chars(text, room, measure)
    floor = len(prefix) // 2  # never throw away more than half the room for a nicer cut
    for pattern in (_SENTENCE_END, _CLAUSE_END):
        cut = _last_boundary(prefix, pattern, floor)
        if cut > 0:
            kept = prefix[:cut].rstrip()
            # "…more. …" reads better than "…more.…" after a Latin sentence; CJK needs no space.
            if kept[-1:] in _LATIN_STOPS and measure(kept) + 1 <= room:
                kept += " "
            return kept + ellipsis
    space = prefix.rfind(" ")
    if space >= floor:
        return prefix[:space].rstrip() + ellipsis
    return prefix.rstrip() + ellipsis


def split_text(text: str, limit: int, measure: Measure = len) -> Iterator[str]:
    """Yield pieces of `text`, each ≤ `limit` units, split at paragraph, then sentence, then word.

    Nothing is lost: joining the pieces gives the text back up to white space at the cuts.
    """
    if limit <= 0:
        raise ValueError("limit must be positive")
    current = ""
    for paragraph in text.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if measure(candidate) <= limit:
            current = candidate
            continue
        if current:
            yield current
            current = ""
        while measure(paragraph) > limit:
            head = _cut_chars(paragraph, limit, measure)
            floor = len(head) // 2
            cut = _last_boundary(head, _SENTENCE_END, floor)
            if cut <= 0:
                cut = _last_boundary(head, _CLAUSE_END, floor)
            if cut <= 0:
                space = head.rfind(" ")
                cut = space if space >= floor else len(head)
            cut = max(cut, 1)
            yield paragraph[:cut].rstrip()
            paragraph = paragraph[cut:].lstrip()
        current = paragraph
    if current:
        yield current
