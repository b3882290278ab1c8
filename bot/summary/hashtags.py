"""Hashtags from categories and tags, and the one key categories are compared by everywhere.

A hashtag keeps Unicode letters, combining marks (so Devanagari or Thai words stay whole),
decimal digits and `_`, after NFKC (full-width `ＩＴ` becomes `IT`, `Ⅱ` becomes `II`); everything
else (spaces, punctuation, emoji) is dropped: `"IT 之家"` → `IT之家`. Telegram does not link a
hashtag made only of digits, so such a tag gets a leading `_` (`"2022"` → `_2022`, which it
links) rather than being lost.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_LETTERS_DIGITS = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nd"})
_MARKS = frozenset({"Mn", "Mc"})
MAX_HASHTAG = 64
"""Longest hashtag kept (code points); Telegram links at most 256 UTF-16 units."""


@lru_cache(maxsize=4096)
def normalize_category(name: str) -> str:
    """Return the comparison key of a category: NFKC, case-folded, white space collapsed."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return " ".join(folded.split())


@lru_cache(maxsize=4096)
def hashtag(text: str) -> str | None:
    """Return the '#'-less hashtag for a category or tag, or None if nothing usable remains."""
    kept: list[str] = []
    previous = False  # whether the previous character was kept (a mark needs a base)
    for ch in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(ch)
        is_mark = category in _MARKS and previous and not 0xFE00 <= ord(ch) <= 0xFE0F and ord(ch) < 0xE0100
        if ch == "_" or category in _LETTERS_DIGITS or is_mark:
            previous = True
        else:
            previous = False
            continue
        kept.append(ch)
    tag = "".join(kept[:MAX_HASHTAG])
    if not tag.strip("_"):
        return None
    if tag.isdecimal():
        return "_" + tag
    return tag


def visible_categories(categories: Iterable[str], hidden: Iterable[str]) -> tuple[str, ...]:
    """Return `categories` without the hidden ones (compared by `normalize_category`), deduplicated."""
    hidden_keys = _hidden_keys(hidden)
    seen: set[str] = set()
    out: list[str] = []
    for name in categories:
        key = normalize_category(name)
        if not key or _is_hidden(name, hidden_keys) or key in seen:
            continue
        seen.add(key)
        out.append(name.strip())
    return tuple(out)


def hashtags(categories: Iterable[str], tags: Iterable[str], hidden: Iterable[str] = ()) -> tuple[str, ...]:
    """Return hashtags for categories then tags: hidden ones left out, duplicates (any case) once."""
    hidden_keys = _hidden_keys(hidden)
    seen: set[str] = set()
    out: list[str] = []
    for name in (*categories, *tags):
        tag = hashtag(name)
        if tag is None or _is_hidden(name, hidden_keys):
            continue
        key = tag.casefold()
        if key in seen:
            continue
        seen.add(key)
        out.append(tag)
    return tuple(out)


def _hidden_keys(hidden: Iterable[str]) -> frozenset[str]:
    return _hidden_keys_of(tuple(hidden))  # the configured tuple: worked out once


@lru_cache(maxsize=64)
def _hidden_keys_of(hidden: tuple[str, ...]) -> frozenset[str]:
    keys: set[str] = set()
    for name in hidden:
        keys.add(normalize_category(name))
        tag = hashtag(name)
        if tag:
            keys.add(tag.casefold())
    keys.discard("")
    return frozenset(keys)


def _is_hidden(name: str, hidden_keys: frozenset[str]) -> bool:
    """Tell whether `name` matches a hidden category by key or by hashtag ("IT 之家" ~ "IT之家")."""
    if not hidden_keys:
        return False
    if normalize_category(name) in hidden_keys:
        return True
    tag = hashtag(name)
    return tag is not None and tag.casefold() in hidden_keys
