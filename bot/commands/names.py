"""Category names as users type them: normalising, splitting an argument list into names, and
suggesting the closest known names for a near miss."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence

from bot.summary import normalize_category

_SEPARATORS = re.compile(r"[,，、;；]")
_WORDS_PER_NAME = 6
"""Longest run of words tried as one multi-word category name ("Bing 壁纸")."""


def normalize(name: str) -> str:
    """Normalise a category name as the store does (NFKC, case-folded, spaces collapsed)."""
    return normalize_category(name)


match_key = normalize
"""The key typed names are compared by: exactly the store's normal form."""


def known_names(names: Sequence[str]) -> dict[str, str]:
    """Map each known category's match key to its name."""
    return {match_key(name): name for name in names}


def resolve(name: str, known: Mapping[str, str]) -> str | None:
    """Return the known category `name` means, or None."""
    return known.get(match_key(name))


def split_names(args: Sequence[str], known: Mapping[str, str]) -> list[str]:
    """Split arguments into category names.

    Commas (also `，`, `、`, `;`) separate names explicitly. Without them, consecutive words
    that together form a known category (`known`: match key → name) are one name, the longest
    match first, and any other word is a name of its own.
    """
    text = " ".join(args).strip()
    if not text:
        return []
    if _SEPARATORS.search(text):
        return _unique(part.strip() for part in _SEPARATORS.split(text))
    words = text.split()
    names: list[str] = []
    i = 0
    while i < len(words):
        end = min(len(words), i + _WORDS_PER_NAME)
        for j in range(end, i, -1):
            candidate = " ".join(words[i:j])
            if j == i + 1 or match_key(candidate) in known:
                names.append(candidate)
                i = j
                break
    return _unique(names)


def _unique(names) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        key = match_key(name) if name else ""
        if key and key not in seen:
            seen[key] = name
    return list(seen.values())


def closest(wanted: str, known: Mapping[str, str], limit: int = 3) -> list[str]:
    """Return up to `limit` known names closest to `wanted` (names containing it come first)."""
    norm = match_key(wanted)
    if not norm:
        return []
    containing = [key for key in known if norm in key or (len(key) > 1 and key in norm)]
    containing.sort(key=lambda key: (abs(len(key) - len(norm)), key))
    similar = difflib.get_close_matches(norm, list(known), n=limit, cutoff=0.6)
    ordered = list(dict.fromkeys([*containing, *similar]))
    return [known[key] for key in ordered[:limit]]
