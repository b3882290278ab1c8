"""When digests are due: parse `/digest`'s arguments and find the next due moment.

`parse_digest` reads `daily HH:MM`, `weekly DAY HH:MM` and `off`, each with an optional IANA
zone name at the end (`/digest daily 08:00 Europe/Berlin`). Input is NFKC-normalised first, so
full-width digits and colons typed on a CJK keyboard work; days may be written `mon`, `monday`,
`周一`, `星期一` or `週一`.

`next_digest_at` asks APScheduler's `CronTrigger` for the next moment clocks in the zone show the
digest's time, which keeps it right across daylight-saving changes: on the spring-forward day a
time inside the gap comes just after it, and on the autumn day a repeated time counts once.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from apscheduler.triggers.cron import CronTrigger

from bot.digests import WEEKDAYS, DigestSchedule
from bot.keyed import KeyedError

__all__ = ["MAX_ZONE", "DigestError", "next_digest_at", "parse_digest", "zone_of"]

MAX_ZONE = 64
"""Characters in a zone name (the `digest_zone` column's width)."""

_TIME = re.compile(r"^([0-9]{1,2})[:.]([0-9]{2})$")
_ZONE_CHARS = re.compile(r"^[A-Za-z0-9_+\-/]+$")
_DAILY = frozenset({"daily", "day", "everyday", "每天", "每日"})
_WEEKLY = frozenset({"weekly", "week", "每周", "每週", "每星期"})
_OFF = frozenset({"off", "stop", "none", "关", "關", "关闭", "關閉"})
_CJK_DAYS = ("一", "二", "三", "四", "五", "六", "日")
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day_names() -> dict[str, int]:
    names: dict[str, int] = {}
    for number, (short, full, cjk) in enumerate(zip(WEEKDAYS, _FULL_DAYS, _CJK_DAYS, strict=True)):
        names[short] = names[full] = number
        for prefix in ("周", "週", "星期", "礼拜", "禮拜"):
            names[prefix + cjk] = number
    for prefix in ("周", "週", "星期", "礼拜", "禮拜"):
        names[prefix + "天"] = 6
    names.update({"tues": 1, "wed": 2, "thur": 3, "thurs": 3})
    return names


_DAYS = _day_names()


class DigestError(KeyedError):
    """`/digest` arguments that cannot be used: `key` names the catalogue text saying why and what
    would work; `str()` is that text in English."""


def _norm(word: str) -> str:
    return unicodedata.normalize("NFKC", word).strip().casefold()


def parse_digest(words: list[str] | tuple[str, ...]) -> DigestSchedule | None:
    """Parse `/digest`'s arguments: a schedule, or None for `off`; raise `DigestError` otherwise."""
    parts = [part for part in (_norm(word) for word in words) if part]
    if not parts:
        raise DigestError("digest.err.usage")
    head, rest = parts[0], parts[1:]
    if head in _OFF:
        if rest:
            raise DigestError("digest.err.extra", text=_shown(rest[0]))
        return None
    weekday: int | None = None
    if head in _WEEKLY:
        if not rest:
            raise DigestError("digest.err.day_missing")
        weekday = _DAYS.get(rest[0])
        if weekday is None:
            raise DigestError("digest.err.day", text=_shown(rest[0]))
        rest = rest[1:]
    elif head not in _DAILY:
        raise DigestError("digest.err.usage")
    if not rest:
        raise DigestError("digest.err.time_missing")
    hour, minute = _time_of(rest[0])
    zone: str | None = None
    if len(rest) > 1:
        zone = _zone_name(_original(words, rest[1]))
    if len(rest) > 2:
        raise DigestError("digest.err.extra", text=_shown(rest[2]))
    return DigestSchedule("weekly" if weekday is not None else "daily", hour, minute, weekday, zone)


def _shown(text: str) -> str:
    """A word quoted back in an error: bounded, so a huge argument is not echoed whole."""
    return text if len(text) <= 32 else text[:31] + "…"


def _original(words: list[str] | tuple[str, ...], folded: str) -> str:
    """The word as typed (zone names keep their case) for its folded form."""
    for word in words:
        if _norm(word) == folded:
            return unicodedata.normalize("NFKC", word).strip()
    return folded


def _time_of(text: str) -> tuple[int, int]:
    match = _TIME.match(text)
    if match is None:
        raise DigestError("digest.err.time", text=_shown(text))
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise DigestError("digest.err.time", text=_shown(text))
    return hour, minute


@lru_cache(maxsize=1)
def _zones_by_fold() -> dict[str, str]:
    """Every IANA zone name this machine knows, by its case-folded spelling."""
    return {name.casefold(): name for name in available_timezones()}


def _zone_name(text: str) -> str:
    """Return the canonical IANA name for a typed zone (any case); raise `DigestError` if unknown."""
    if len(text) > MAX_ZONE or not _ZONE_CHARS.match(text):
        raise DigestError("digest.err.zone", text=_shown(text))
    name = _zones_by_fold().get(text.casefold())
    if name is None:
        try:  # a zone the list missed (available_timezones reads only some sources)
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise DigestError("digest.err.zone", text=_shown(text)) from None
        name = text
    return name


def zone_of(schedule: DigestSchedule, default_zone: tzinfo | str) -> tzinfo:
    """Return the zone a schedule's time is read in: its own, else `default_zone`
    (HERALD_TIMEZONE); a stored zone this machine no longer knows falls back to the default."""
    if schedule.zone:
        try:
            return ZoneInfo(schedule.zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    return ZoneInfo(default_zone) if isinstance(default_zone, str) else default_zone


def _repeated(moment: datetime, zone: tzinfo) -> bool:
    """Tell whether `moment` is the second time clocks in `zone` show its wall time (the autumn
    hour that happens twice): a digest due then was already due an hour before."""
    local = moment.astimezone(zone)
    return local.replace(fold=0).astimezone(UTC) != moment


_MAX_TRIES = 8


def next_digest_at(schedule: DigestSchedule, default_zone: tzinfo | str, after: datetime) -> datetime:
    """Return the first moment (UTC) strictly after `after` when the digest is due: the
    schedule's HH:MM (on its weekday, for weekly digests) in its zone."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    zone = zone_of(schedule, default_zone)
    day_of_week = WEEKDAYS[schedule.weekday] if schedule.every == "weekly" and schedule.weekday is not None else "*"
    trigger = CronTrigger(hour=schedule.hour, minute=schedule.minute, day_of_week=day_of_week, timezone=zone)
    after = after.astimezone(UTC)
    probe = after
    for _ in range(_MAX_TRIES):
        fire = trigger.get_next_fire_time(None, probe + timedelta(microseconds=1))
        if fire is None:  # pragma: no cover - a cron trigger without an end always fires again
            break
        moment = fire.astimezone(UTC)
        if moment > after and not _repeated(moment, zone):
            return moment
        # Around an autumn change CronTrigger may give the repeated hour (or a moment not after
        # `probe`): look again from past it.
        probe = max(probe, moment) + timedelta(hours=1)
    raise ValueError(f"no next digest time for {schedule} after {after}")  # pragma: no cover
