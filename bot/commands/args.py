"""Arguments every command parses alike: counts, article numbers, category names, each bounded
(a refusal is a `UsageError` or a `BadArgument` with its catalogue key)."""

from __future__ import annotations

from bot.commands.context import MAX_ID, MAX_NAME_CHARS, BadArgument, UsageError

_BIG = 10**9
"""What a count with too many digits means: far more than any cap."""


def parse_count(text: str) -> int:
    """Parse a positive article count (a huge one stays huge, for the caller to cap); raise
    `UsageError` otherwise."""
    text = text.strip()
    if not text.isdecimal():
        raise UsageError(text[:16])
    if len(text) > 9:
        return _BIG
    if int(text) < 1:
        raise UsageError(text)
    return int(text)


def parse_article_id(text: str) -> int:
    """Parse an article number (`42` or `#42`) within the database's integer; raise `UsageError`
    when it is no number, `BadArgument` when it is out of range."""
    text = text.strip().removeprefix("#")
    if not text.isdecimal():
        raise UsageError(text[:16])
    if len(text) > len(str(MAX_ID)) or not 1 <= int(text) <= MAX_ID:
        raise BadArgument("arg.bad_id", max=MAX_ID)
    return int(text)


def check_name(name: str) -> None:
    """Refuse a category name longer than any we keep."""
    if len(name) > MAX_NAME_CHARS:
        raise BadArgument("arg.name_too_long", max=MAX_NAME_CHARS)
