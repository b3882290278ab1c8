"""Parse the words of `/filter`: `+word` or `word` (include), `-word` (exclude), `/regex/` or
`+/regex/` (include expression), `-/regex/` (exclude expression), and `clear` first to drop the
filters a subscription has before adding these.

Words come split on white space by the platforms (a Discord option may hold several in one
string: it is split again here). An expression may contain spaces: it runs from a word starting
with `/` to the first word ending with `/`. Keywords are single words, folded (`bot.filters.fold`);
a phrase is written as an expression (`/machine learning/`). Everything is bounded: at most
`MAX_FILTERS` rules per command, `MAX_KEYWORD` characters per keyword, `MAX_PATTERN` per
expression, which must compile and must not ask the compiler to unroll a huge repetition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import regex  # type: ignore[import-untyped,unused-ignore]  # no stubs unless types-regex is installed

from bot.filters import MAX_FILTERS, MAX_KEYWORD, MAX_PATTERN, FilterRule, fold
from bot.filters.regex_match import MAX_REPEAT, repeat_product
from bot.keyed import KeyedError

__all__ = ["MAX_REPEAT", "FilterError", "ParsedFilters", "check_pattern", "parse_filters"]

_ERROR_SHOWN = 100
"""Characters of a compiler's error message shown back."""
_WORD_SHOWN = 32
"""Characters of an offending word shown back."""
_CLEAR = "clear"
_SIGNS = {"+": False, "＋": False, "-": True, "－": True, "−": True, "–": True, "—": True}
"""A rule's leading sign → exclude. Full-width signs come from Chinese input methods, dashes
from phones that turn "-" or "--" into one."""


class FilterError(KeyedError):
    """A `/filter` argument is refused: `key` names the catalogue text (`filter.err.*`), `values`
    fill it."""


@dataclass(frozen=True, slots=True)
class ParsedFilters:
    """What one `/filter` command asks for: drop the existing filters first (`clear`), and the
    rules to add (unique, in the order given)."""

    clear: bool = False
    rules: tuple[FilterRule, ...] = ()


def parse_filters(args: Sequence[str]) -> ParsedFilters:
    """Parse `/filter`'s words into rules; raise `FilterError` for the first refused one."""
    words = [word for arg in args for word in arg.split()]
    clear = bool(words) and words[0].casefold() == _CLEAR
    if clear:
        words = words[1:]
    rules: dict[FilterRule, None] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if word.casefold() == _CLEAR:
            raise FilterError("filter.err.clear_first")
        sign = _SIGNS.get(word[0])
        body = word if sign is None else word[1:]
        exclude = bool(sign)
        if body.startswith("/"):
            end = _closing(words, i, body)
            if end is None:
                raise FilterError("filter.err.unclosed", word=_cut(word))
            text = " ".join([body, *words[i + 1 : end + 1]])
            rule = FilterRule(check_pattern(text[1:-1]), exclude=exclude, regex=True)
            i = end + 1
        else:
            rule = FilterRule(_keyword(body, word), exclude=exclude)
            i += 1
        rules[rule] = None
        if len(rules) > MAX_FILTERS:
            raise FilterError("filter.err.too_many", max=MAX_FILTERS)
    return ParsedFilters(clear=clear, rules=tuple(rules))


def _closing(words: Sequence[str], start: int, body: str) -> int | None:
    """Return the index of the word that closes the expression opened by `body` (words[start])."""
    if len(body) >= 2 and body.endswith("/"):
        return start
    for j in range(start + 1, len(words)):
        if words[j].endswith("/"):
            return j
    return None


def _keyword(body: str, word: str) -> str:
    """Return the folded keyword, or raise `FilterError` when it is empty, long or not one word."""
    keyword = fold(body)
    if not keyword:
        raise FilterError("filter.err.empty", word=_cut(word))
    if len(keyword) > MAX_KEYWORD:
        raise FilterError("filter.err.keyword_long", word=_cut(word), max=MAX_KEYWORD)
    if keyword.startswith("/"):  # e.g. a full-width "／": it would read back as an expression
        raise FilterError("filter.err.keyword_slash", word=_cut(word))
    if any(ch.isspace() for ch in keyword):  # folding made a space (e.g. from "¨"): not one word
        raise FilterError("filter.err.keyword_space", word=_cut(word))
    return keyword


def check_pattern(pattern: str) -> str:
    """Return `pattern` when it is a usable expression: non-empty, at most `MAX_PATTERN`
    characters, compiling, within `MAX_REPEAT`; else raise `FilterError`."""
    if not pattern.strip():
        raise FilterError("filter.err.empty", word=f"/{pattern}/")
    if len(pattern) > MAX_PATTERN:
        raise FilterError("filter.err.pattern_long", max=MAX_PATTERN)
    if repeat_product(pattern) > MAX_REPEAT:
        raise FilterError("filter.err.pattern_costly", max=MAX_REPEAT)
    try:
        regex.compile(pattern, regex.IGNORECASE)
    except (regex.error, ValueError, OverflowError, RecursionError) as error:
        raise FilterError("filter.err.pattern_bad", error=_cut(str(error), _ERROR_SHOWN)) from None
    return pattern


def _cut(text: str, limit: int = _WORD_SHOWN) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
