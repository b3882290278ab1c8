"""Admin times: parse `2026-12-01 09:00`, `09:00` (next occurrence) and `+1h30m` in a time zone,
and show times back in that zone.

Wall-clock times go through zoneinfo, so they stay right across daylight-saving changes: a time
that does not exist that day (the spring-forward gap) lands just after the gap, an ambiguous one
(the autumn repeat) means its first occurrence. Input is NFKC-normalised first, so full-width
digits and colons typed on a CJK keyboard (`０９：００`) work too.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.keyed import KeyedError

__all__ = [
    "MAX_AHEAD", "ScheduleError", "WhenError", "format_when", "parse_duration", "parse_when", "wall_time",
]

MAX_AHEAD = timedelta(days=366)
"""How far ahead a time may be: a typo like `+300d` for `+30d` should be caught, not queued."""

_DATETIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2}):(\d{2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_DURATION = re.compile(r"^\+\s*((?:\d+\s*[wdhms]\s*)+)$")
_PART = re.compile(r"(\d+)\s*([wdhms])")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


class ScheduleError(KeyedError):
    """A time or slot that cannot be used: `key` names the catalogue text saying why and what
    would work; `str()` is that text in English (what the CLI shows)."""


class WhenError(ScheduleError):
    """A time an admin typed that cannot be used."""


def parse_when(text: str, *, now: datetime, zone: ZoneInfo) -> datetime:
    """Parse an admin's time in `zone` relative to `now`; return an aware UTC datetime."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    raw = unicodedata.normalize("NFKC", text).strip().lower()
    if not raw:
        raise WhenError("when.empty")
    if raw == "now":
        return now
    if raw.startswith("+"):
        return _check_ahead(text, _ahead(now, raw, zone), now)
    if match := _DATETIME.match(raw):
        year, month, day, hour, minute = (int(g) for g in match.groups())
        try:
            day_ = date(year, month, day)
        except ValueError:
            raise WhenError("when.not_date", text=text.strip()) from None
        moment = wall_time(day_, _clock_time(text, hour, minute), zone)
        if moment < now.replace(second=0, microsecond=0):
            raise WhenError("when.past", text=text.strip(), now=format_when(now, zone))
        return _check_ahead(text, moment, now)
    if match := _TIME.match(raw):
        at = _clock_time(text, int(match.group(1)), int(match.group(2)))
        today = now.astimezone(zone).date()
        moment = wall_time(today, at, zone)
        if moment <= now:
            moment = wall_time(today + timedelta(days=1), at, zone)
        return moment
    raise WhenError("when.not_time", text=text.strip())


def _ahead(now: datetime, raw: str, zone: ZoneInfo) -> datetime:
    """`now` plus a duration; days and weeks are calendar days in `zone` (`+1d` is the same
    clock time tomorrow, also across a DST change), hours and smaller are elapsed time."""
    delta = parse_duration(raw)
    days = sum(int(n) * (7 if unit == "w" else 1) for n, unit in _PART.findall(raw) if unit in ("d", "w"))
    if not days:
        return now + delta
    local = now.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    return wall_time(local.date(), local.time(), zone) + (delta - timedelta(days=days))


def parse_duration(text: str) -> timedelta:
    """Parse `+30m`, `+2h`, `+1d`, `+90s`, `+1w` or combinations like `+1h30m`."""
    raw = unicodedata.normalize("NFKC", text).strip().lower()
    match = _DURATION.match(raw)
    if match is None:
        raise WhenError("when.not_duration", text=text.strip())
    total = timedelta()
    for amount, unit in _PART.findall(match.group(1)):
        if len(amount) > 6:  # larger than any sane offset, and would overflow timedelta
            raise WhenError("when.too_far", text=text.strip(), days=MAX_AHEAD.days)
        total += timedelta(**{_UNITS[unit]: int(amount)})
    return total


def wall_time(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the UTC instant when clocks in `zone` show `at` on `day` (DST gaps resolve past the gap)."""
    # In a gap, fold=0 takes the offset from before the change, which lands *after* the gap in
    # real time (02:30 in a 02:00→03:00 jump becomes 03:30 local): the sensible reading.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def format_when(moment: datetime, zone: ZoneInfo) -> str:
    """Show a time in `zone` the way admins type it, with the zone's abbreviation: `2026-12-01 09:00 CST`."""
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or zone.key}"


def _clock_time(text: str, hour: int, minute: int) -> time:
    if hour > 23 or minute > 59:
        raise WhenError("when.not_time_of_day", text=text.strip())
    return time(hour, minute)


def _check_ahead(text: str, moment: datetime, now: datetime) -> datetime:
    if moment - now > MAX_AHEAD:
        raise WhenError("when.too_far", text=text.strip(), days=MAX_AHEAD.days)
    return moment
