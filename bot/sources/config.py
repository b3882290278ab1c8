"""Which sources the settings name: the folder (if any) and the feeds and git repositories."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.settings import Settings
from bot.sources.spec import SourceKind, SourceSpec, parse_specs

__all__ = ["DEFAULT_FOLDER_NAME", "Configured", "configured", "source_tokens"]

DEFAULT_FOLDER_NAME = "content"
"""The folder's name when `HERALD_SOURCES` is unset (`HERALD_CONTENT_DIR` alone)."""


@dataclass(frozen=True, slots=True)
class Configured:
    """The configured sources: the content folder (None when HERALD_SOURCES lists none) and the rest."""

    folder: SourceSpec | None
    polled: tuple[SourceSpec, ...]

    @property
    def folder_path(self) -> Path | None:
        return None if self.folder is None else Path(self.folder.location).expanduser()


def configured(settings: Settings) -> Configured:
    """Read HERALD_SOURCES (a `SpecError` says what is wrong); unset → HERALD_CONTENT_DIR alone."""
    if not settings.sources:
        return Configured(SourceSpec(DEFAULT_FOLDER_NAME, SourceKind.FOLDER, str(settings.content_dir)), ())
    specs = parse_specs(settings.sources)
    folder = next((spec for spec in specs if spec.kind is SourceKind.FOLDER), None)
    return Configured(folder, tuple(spec for spec in specs if spec.kind is not SourceKind.FOLDER))


def source_tokens(settings: Settings) -> dict[str, str]:
    """HERALD_GIT_TOKENS (`name=token,…`) by source name; an entry without `=` is ignored."""
    if settings.git_tokens is None:
        return {}
    pairs = (item.partition("=") for item in settings.git_tokens.get_secret_value().split(","))
    return {name.strip().lower(): token.strip() for name, eq, token in pairs if eq and name.strip() and token.strip()}
