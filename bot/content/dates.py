"""Read post dates: RFC 2822, ISO 8601, YAML/TOML dates, epoch seconds, local `YYYY-MM-DD HH:MM:SS`,
and dates written into a path (`2013-05-06-title.md`, `2016/04/14/slug`). Results are always aware."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime

_ISO = re.compile(
    r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})"
    r"(?:(?:[Tt]|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6})\d*)?)?)?"
    r"\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$"
)
_EPOCH = re.compile(r"-?\d+(?:\.\d+)?$")
_PATH_DATE = re.compile(r"(?<!\d)(\d{4})([/-])(\d{2})\2(\d{2})(?!\d)")
# RSS's own shape (`Mon, 03 Jan 2022 09:56:49 GMT`, what RSSHub writes), read without the general
# RFC 2822 parser; any other shape, or a date that does not exist, goes to `parsedate_to_datetime`.
_RSS_GMT = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]\d{3}) "
    r"(\d{2}):(\d{2}):(\d{2}) GMT"
)
_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
)}
# Epoch values above this are milliseconds (JavaScript's Date.now()), not seconds.
_MILLIS_FROM = 100_000_000_000


def parse_date(value: object, zone: tzinfo) -> datetime | None:
    """Turn a front matter date value into an aware datetime (naive ones are in `zone`), or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=zone)
    if isinstance(value, (int, float)):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    if _EPOCH.match(text):
        return _from_epoch(float(text))
    match = _ISO.match(text)
    if match:
        return _from_iso(match, zone)
    rss = _RSS_GMT.fullmatch(text)
    if rss:
        day, month, year, hour, minute, second = rss.groups()
        try:
            return datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=UTC)
        except ValueError:
            pass
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is not None:
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    try:
        return parse_date(datetime.fromisoformat(text), zone)
    except ValueError:
        return None


def date_from_path(path: str, zone: tzinfo) -> datetime | None:
    """Find a `YYYY-MM-DD` or `YYYY/MM/DD` date in a path or URL path, at midnight in `zone`."""
    for match in _PATH_DATE.finditer(path):
        try:
            return datetime(int(match.group(1)), int(match.group(3)), int(match.group(4)), tzinfo=zone)
        except ValueError:
            continue
    return None


def _from_epoch(seconds: float) -> datetime | None:
    if abs(seconds) >= _MILLIS_FROM:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _from_iso(match: re.Match[str], zone: tzinfo) -> datetime | None:
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        when = datetime(
            int(year), int(month), int(day),
            int(hour or 0), int(minute or 0), int(second or 0),
            int((fraction or "0").ljust(6, "0")),
        )
        return when.replace(tzinfo=_offset(offset) if offset else zone)
    except ValueError:
        return None


def _offset(text: str) -> tzinfo:
    if text in ("Z", "z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
    return timezone(sign * timedelta(minutes=minutes)) if minutes else UTC
