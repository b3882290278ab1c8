"""How to read a content folder: root, time zone, site URL, permalink pattern, placeholder hosts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.settings import DEFAULT_PLACEHOLDER_HOSTS, Settings


def folder_path(settings: Settings) -> Path:
    """The content folder: HERALD_SOURCES' folder entry if it has one, else HERALD_CONTENT_DIR."""
    from bot.sources.config import configured

    return configured(settings).folder_path or Path(settings.content_dir)


@dataclass(frozen=True, slots=True)
class ContentConfig:
    """Everything the loader needs besides the file itself."""

    root: Path
    zone: ZoneInfo = ZoneInfo("UTC")  # noqa: RUF009 - ZoneInfo values are immutable and cached
    """Zone for naive dates (`2021-03-22 04:50:47`) and for permalink date parts."""
    site_url: str | None = None
    """Public base URL of the site; relative links and images resolve against it."""
    permalink: str = ":year/:month/:day/:title/"
    """Hexo-style permalink pattern under the site URL."""
    placeholder_hosts: tuple[str, ...] = DEFAULT_PLACEHOLDER_HOSTS
    """Image hosts serving random placeholders; their images are never thumbnails."""

    @classmethod
    def from_settings(cls, settings: Settings) -> ContentConfig:
        """Build the content configuration from Herald's settings."""
        return cls(
            root=Path(folder_path(settings)).expanduser().resolve(),
            zone=settings.zone,
            site_url=settings.site_url or None,
            permalink=settings.permalink,
            placeholder_hosts=tuple(h.lower() for h in settings.placeholder_hosts),
        )
