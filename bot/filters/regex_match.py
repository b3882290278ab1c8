"""Match an article's text against a subscription's filters, regular expressions included.

Expressions come from chats, so each search runs with a time limit (`regex`'s `timeout`, the GIL
released with `concurrent=True`): a hostile pattern such as `(a+)+$` costs at most `TIMEOUT` per
article, counts as no match (for includes and excludes alike) and is logged once. Compiled
patterns are kept in a bounded LRU cache; one `Searcher` per article searches each distinct
pattern once, however many subscriptions hold it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache

import regex  # type: ignore[import-untyped,unused-ignore]  # no stubs unless types-regex is installed

from bot.filters import MAX_PATTERN, FilterRule
from bot.filters.text import MATCH_TEXT_MAX

__all__ = ["MAX_REPEAT", "TIMEOUT", "Searcher", "compiled", "matches", "repeat_product", "search"]

log = logging.getLogger("herald.filters")

TIMEOUT = 0.05
"""Seconds one expression may search one article's text."""
MAX_REPEAT = 1000
"""Largest product of the counted repetitions' minimums (`a{50}`, `(?:x{4}){10}`) an expression
may have: the `regex` compiler unrolls them, and nested ones grow memory and time multiplicatively
(three nested `{1000}` exhaust gigabytes)."""
_CACHED = 512
"""Compiled expressions kept (a subscription holds at most `MAX_FILTERS`)."""
_REPEAT = re.compile(r"\\.|\{(\d*)(?:,\d*)?\}", re.DOTALL)


def repeat_product(pattern: str) -> int:
    """Return the product of the minimums of every counted repetition `{m}`, `{m,n}`, `{m,}`
    (escaped braces skipped). It over-counts (repetitions side by side multiply too, and braces in
    a character class count), which only refuses more: never an expression that is costly."""
    product = 1
    for found in _REPEAT.finditer(pattern):
        low = found.group(1)
        if found.group(0).startswith("\\") or not low:
            continue
        product *= max(1, int(low)) if len(low) <= 9 else MAX_REPEAT + 1
        if product > MAX_REPEAT:
            return product
    return product


@lru_cache(maxsize=_CACHED)
def compiled(pattern: str) -> regex.Pattern[str] | None:
    """Return the pattern compiled case-insensitively, or None when it does not compile or is out
    of bounds (checked here too: a pattern may reach the store by a path other than `/filter`)."""
    if len(pattern) > MAX_PATTERN or repeat_product(pattern) > MAX_REPEAT:
        return None
    try:
        return regex.compile(pattern, regex.IGNORECASE)
    except (regex.error, ValueError, OverflowError, RecursionError):
        return None


def search(pattern: str, text: str, timeout: float = TIMEOUT) -> bool | None:
    """Tell whether `pattern` occurs in `text` (cut to `MATCH_TEXT_MAX`); None when the search ran
    out of time. A pattern that does not compile matches nothing."""
    found = compiled(pattern)
    if found is None:
        return False
    try:
        return found.search(text[:MATCH_TEXT_MAX], timeout=timeout, concurrent=True) is not None
    except TimeoutError:
        return None
    except Exception:  # an engine failure on one pattern must not stop a fan-out: no match
        log.exception("filter expression %r failed", pattern)
        return False


class Searcher:
    """Search one article's text, each distinct pattern once; count the searches and time-outs."""

    def __init__(self, text: str, *, timeout: float = TIMEOUT, label: object = None) -> None:
        self.text = text[:MATCH_TEXT_MAX]
        self.timeout = timeout
        self.label = label
        """What the text belongs to (an article id), for the log; never the text itself."""
        self.searches = 0
        self.timeouts = 0
        self._found: dict[str, bool] = {}

    def found(self, pattern: str) -> bool:
        """Tell whether `pattern` occurs in the text (a search that ran out of time: no)."""
        known = self._found.get(pattern)
        if known is not None:
            return known
        self.searches += 1
        result = search(pattern, self.text, self.timeout)
        if result is None:
            self.timeouts += 1
            log.warning(
                "filter expression %r ran out of time (%.3f s) on article %s: counted as no match",
                pattern, self.timeout, self.label,
            )  # fmt: skip
        self._found[pattern] = bool(result)
        return bool(result)

    def matches(self, rules: Sequence[FilterRule]) -> bool:
        """Tell whether the text passes these filters (see `matches`)."""
        includes = [rule for rule in rules if not rule.exclude]
        if any(rule.pattern in self.text for rule in rules if rule.exclude and not rule.regex):
            return False
        if includes and not any(self._hit(rule) for rule in sorted(includes, key=_regex_last)):
            return False
        return not any(self.found(rule.pattern) for rule in rules if rule.exclude and rule.regex)

    def _hit(self, rule: FilterRule) -> bool:
        return self.found(rule.pattern) if rule.regex else rule.pattern in self.text


def _regex_last(rule: FilterRule) -> bool:
    """Sort key: keywords (a substring test) before expressions (a timed search)."""
    return rule.regex


def matches(rules: Sequence[FilterRule], text: str, *, timeout: float = TIMEOUT) -> bool:
    """Tell whether an article's match text passes a subscription's filters: it has no include or
    one include matches, and no exclude matches. Keywords are substrings of the (folded) text;
    expressions are searched case-insensitively, and one that runs out of time matches nothing."""
    return Searcher(text, timeout=timeout).matches(rules)
