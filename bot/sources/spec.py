"""`HERALD_SOURCES` entries: `name=URL-or-path`, optionally `name@30m=…` for the poll interval.

`https://…/atom.xml` is a feed, `git+https://host/owner/site.git#branch:folder` a git repository
(branch and folder optional), anything else a folder. Names are short lowercase words, since
they appear in commands, article keys and the panel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

__all__ = ["MAX_SOURCES", "SourceKind", "SourceSpec", "SpecError", "parse_interval", "parse_spec", "parse_specs"]

MAX_SOURCES = 500
"""Sources one Herald polls; more is a configuration error, not a slow death."""
MIN_INTERVAL = 30.0
MAX_INTERVAL = 7 * 86400.0
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_INTERVAL = re.compile(r"(\d{1,6})([smhd]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_MAX_LOCATION = 2048


class SpecError(ValueError):
    """A source entry that cannot be used; the message says which and why."""


class SourceKind(StrEnum):
    FOLDER = "folder"
    FEED = "feed"
    GIT = "git"


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One source as configured: its name, kind and where it is (a path, a feed URL, a git URL)."""

    name: str
    kind: SourceKind
    location: str
    """The folder path, the feed URL, or the git repository URL (without `git+` and `#…`)."""
    branch: str | None = None
    """Git: the branch to read (None: the remote's default branch)."""
    subdir: str = ""
    """Git: the folder of posts inside the repository, POSIX, no leading or trailing slash."""
    interval: float | None = None
    """Seconds between polls; None: `HERALD_SOURCE_INTERVAL`."""

    @property
    def where(self) -> str:
        """What follows `=` in the entry: the path, the feed URL, or `git+URL#branch:folder`."""
        if self.kind is SourceKind.GIT:
            tail = "" if self.branch is None and not self.subdir else f"#{self.branch or ''}"
            tail += f":{self.subdir}" if self.subdir else ""
            return f"git+{self.location}{tail}"
        return self.location

    @property
    def text(self) -> str:
        """The entry as it would be written in `HERALD_SOURCES` (round-trips through `parse_spec`)."""
        every = "" if self.interval is None else f"@{int(self.interval)}s"
        return f"{self.name}{every}={self.where}"


def parse_interval(text: str) -> float:
    """`90`, `90s`, `15m`, `2h`, `1d` → seconds, within 30 s … 7 days."""
    match = _INTERVAL.fullmatch(text.strip().lower())
    if match is None:
        raise SpecError(f"interval {text[:40]!r} is not a number of seconds, or like 15m, 2h, 1d")
    seconds = float(int(match[1]) * _UNITS[match[2]])
    if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
        raise SpecError(f"interval {text[:40]!r} must be between 30s and 7d")
    return seconds


def parse_spec(text: str) -> SourceSpec:
    """Parse one `name[@interval]=location` entry."""
    head, eq, location = text.strip().partition("=")
    location = location.strip()
    if not eq or not location:
        raise SpecError(f"source {text[:80]!r} is not name=URL-or-path")
    if len(location) > _MAX_LOCATION:
        raise SpecError(f"source {head[:40]!r}: the location is longer than {_MAX_LOCATION} characters")
    name, at, every = head.strip().partition("@")
    name = name.strip().lower()
    if not _NAME.fullmatch(name):
        raise SpecError(
            f"source name {name[:40]!r}: use 1–32 lowercase letters, digits, '-' or '_', starting with a letter or digit"
        )
    interval = parse_interval(every) if at else None
    if location.startswith("git+"):
        return _git(name, location[4:], interval)
    parts = urlsplit(location)
    if parts.scheme in ("http", "https"):
        if not parts.hostname:
            raise SpecError(f"source {name!r}: {location[:80]!r} has no host")
        return SourceSpec(name, SourceKind.FEED, location, interval=interval)
    if "://" in location:
        raise SpecError(f"source {name!r}: only http(s) feeds and git+http(s) repositories are fetched")
    return SourceSpec(name, SourceKind.FOLDER, location, interval=interval)


def _git(name: str, rest: str, interval: float | None) -> SourceSpec:
    url, _, fragment = rest.partition("#")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SpecError(f"source {name!r}: a git source is git+https://host/path (or git+http://)")
    if parts.username or parts.password:
        raise SpecError(f"source {name!r}: put no credentials in the URL; use HERALD_GIT_TOKENS")
    branch_text, _, subdir = fragment.partition(":")
    subdir = subdir.strip().strip("/")
    if any(part in ("", ".", "..") for part in subdir.split("/")) and subdir:
        raise SpecError(f"source {name!r}: the folder {subdir[:80]!r} must be a plain path inside the repository")
    branch = branch_text.strip() or None
    if branch is not None and (branch.startswith("-") or any(c in branch for c in " ~^:?*[\\") or ".." in branch):
        raise SpecError(f"source {name!r}: {branch[:80]!r} is not a branch name")
    return SourceSpec(name, SourceKind.GIT, url, branch=branch, subdir=subdir, interval=interval)


def parse_specs(items: tuple[str, ...] | list[str]) -> tuple[SourceSpec, ...]:
    """Parse every entry; names must be unique, at most one folder, at most `MAX_SOURCES`."""
    specs = tuple(parse_spec(item) for item in items)
    if len(specs) > MAX_SOURCES:
        raise SpecError(f"{len(specs)} sources: at most {MAX_SOURCES}")
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise SpecError(f"source name {spec.name!r} is used twice")
        seen.add(spec.name)
    if sum(spec.kind is SourceKind.FOLDER for spec in specs) > 1:
        raise SpecError("only one folder source is supported (HERALD_CONTENT_DIR's place); feeds and git may be many")
    return specs
