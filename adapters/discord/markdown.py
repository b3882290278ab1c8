"""Discord markdown: escape plain text so it shows as written, and fit or split the result.

discord.py's `utils.escape_markdown` is close, but its masked-link pattern (`\\[.+\\]\\(.+\\)`)
backtracks quadratically on long lines full of brackets, and it leaves ordered lists, `<t:…>`
timestamps and `<@…>` mentions alone. Discord honours a backslash before any ASCII punctuation,
so escaping more than needed is harmless; escaping less is not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from bot.textfit import fit_text, split_text

# Inline syntax anywhere: emphasis, strike, spoiler, code, masked links, mentions/timestamps.
_INLINE = re.compile(r"[\\*_~|`<\[\]]")
# Bare links stay as they are so they remain clickable (discord.py does the same).
_INLINE_OR_URL = re.compile(r"(https?://[^\s<>]*[^\s<>.,:;\"'\])])|([\\*_~|`<\[\]])")
# Block syntax only counts at the start of a line: headings, subtext, lists, quotes. The patterns
# start with a literal newline (the text gets one prepended), which the engine finds far faster
# than a MULTILINE "^" it must try at every position.
_LINE_MARK = re.compile(r"\n([ \t]*)([#>+-])")
_ORDERED_ITEM = re.compile(r"\n([ \t]*\d+)([.)])(?=\s)")


# What a first line must start with for `_LINE_MARK` or `_ORDERED_ITEM` to match there.
_MARK_STARTS = frozenset(" \t#>+-")


def _escaped(match: re.Match[str]) -> str:
    return "\\" + match.group()


def _keep_url(match: re.Match[str]) -> str:
    return match.group(1) or "\\" + match.group(2)


def _escape_mark(match: re.Match[str]) -> str:
    return "\n" + match.group(1) + "\\" + match.group(2)


def escape_markdown(text: str) -> str:
    """Return `text` with every Discord markdown character escaped by a backslash."""
    # Functions, not substitution templates: Python parses a template again on every call,
    # while a function costs only per match (and the block marks match rarely).
    text = _INLINE_OR_URL.sub(_keep_url, text) if "://" in text else _INLINE.sub(_escaped, text)
    first = text[:1]
    if "\n" not in text and first not in _MARK_STARTS and not first.isdecimal():
        return text
    text = _ORDERED_ITEM.sub(_escape_mark, _LINE_MARK.sub(_escape_mark, "\n" + text))
    return text[1:]


def fit_markdown(text: str, limit: int, render: Callable[[str], str] = escape_markdown) -> str:
    """Return `render(text)` shortened (as plain text, ending with "…") to ≤ `limit` characters."""
    budget = limit
    while budget > 0:
        shown = render(fit_text(text, budget))
        if len(shown) <= limit:
            return shown
        # Escaping adds characters; shrink the plain budget in proportion and try again.
        budget = min(budget - 1, budget * limit // len(shown))
    return ""


def split_markdown(text: str, limit: int, render: Callable[[str], str] = escape_markdown) -> Iterator[str]:
    """Yield `render`ed pieces of `text`, each ≤ `limit` characters, cut at paragraph then sentence."""
    for part in split_text(text, limit, lambda piece: len(render(piece))):
        shown = render(part)
        if len(shown) <= limit:
            yield shown
        elif limit > 1:
            # The rendered length is not strictly monotone (bare links are not escaped): cut again.
            yield from split_markdown(part, limit - max(1, len(shown) - limit), render)
