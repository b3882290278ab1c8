"""`HERALD_TEMPLATES` items and the template files they name, read once at start."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

MAX_FILE_BYTES = 64 * 1024
"""Largest template file accepted."""

_PLATFORM = re.compile(r"[a-z][a-z0-9_]*")


class TemplateConfigError(ValueError):
    """A template named in `HERALD_TEMPLATES` cannot be used; the message names file and line."""


class TemplateRenderError(Exception):
    """A template failed while rendering one card (the default card is sent instead)."""


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """One `HERALD_TEMPLATES` item: the template for a platform, or for one of its channels."""

    platform: str
    channel: str | None
    path: Path


@dataclass(frozen=True, slots=True)
class TemplateSource:
    """A template file as read at start: where it applies, its path and its text."""

    spec: TemplateSpec
    text: str

    @property
    def name(self) -> str:
        """The file name used in messages and as the layout's key."""
        return str(self.spec.path)


def parse_specs(items: Sequence[str]) -> tuple[TemplateSpec, ...]:
    """Return the `HERALD_TEMPLATES` items as specs; raise TemplateConfigError on a malformed one."""
    specs: list[TemplateSpec] = []
    seen: set[tuple[str, str | None]] = set()
    for item in items:
        where, sep, path = item.partition("=")
        platform, _, channel = where.strip().partition(":")
        platform, channel, path = platform.strip().lower(), channel.strip(), path.strip()
        if not sep or not path or not _PLATFORM.fullmatch(platform) or (":" in where and not channel):
            raise TemplateConfigError(
                f"{item!r}: write platform=path or platform:channel=path, like telegram=./templates/card.j2"
            )
        key = (platform, channel or None)
        if key in seen:
            raise TemplateConfigError(f"{item!r}: {where.strip()} has two templates")
        seen.add(key)
        specs.append(TemplateSpec(platform, channel or None, Path(path)))
    return tuple(specs)


def read_source(spec: TemplateSpec) -> TemplateSource:
    """Read one template file; raise TemplateConfigError when it is missing, too big or not UTF-8."""
    try:
        with spec.path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise TemplateConfigError(f"template {spec.path}: cannot read it ({exc.strerror or exc})") from None
    if len(data) > MAX_FILE_BYTES:
        raise TemplateConfigError(f"template {spec.path}: larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TemplateConfigError(f"template {spec.path}: not UTF-8 text (byte {exc.start})") from None
    return TemplateSource(spec, text)


def for_platform(sources: Sequence[TemplateSource], platform: str) -> tuple[TemplateSource, ...]:
    """Return the sources that apply to `platform`."""
    return tuple(source for source in sources if source.spec.platform == platform)
