"""Targets are written `platform:channel` (`telegram:-1001234`, `telegram:@name`,
`discord:9876543210`) and parsed here, in exactly one place. User ids in HERALD_ADMINS use the
same form (`telegram:123`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PLATFORM = re.compile(r"^[a-z][a-z0-9_]*$")


class TargetError(ValueError):
    """A target string that cannot be understood; the message says why."""


@dataclass(frozen=True, slots=True, order=True)
class Target:
    """One place messages go to (or one user, for admins)."""

    platform: str
    channel_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.channel_id}"


def parse_target(text: str) -> Target:
    """Parse `platform:channel`; raise `TargetError` with a clear reason."""
    platform, sep, channel = text.strip().partition(":")
    platform = platform.strip().lower()
    channel = channel.strip()
    if not sep or not channel:
        raise TargetError(f"{text!r} is not a target; write it as platform:channel, e.g. telegram:@news")
    if not _PLATFORM.match(platform):
        raise TargetError(f"{text!r}: {platform!r} is not a platform name")
    return Target(platform, channel)


def parse_targets(items: tuple[str, ...] | list[str]) -> tuple[Target, ...]:
    """Parse several targets, keeping order and dropping duplicates."""
    seen: dict[Target, None] = {}
    for item in items:
        seen.setdefault(parse_target(item), None)
    return tuple(seen)
