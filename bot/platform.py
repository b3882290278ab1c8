"""The seam between the core and each platform adapter.

Adapters are registered as ``herald.platforms`` entry points (see pyproject.toml) so the core
never imports them. Each entry point is a `PlatformSpec`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Callable, Protocol, Sequence

from bot.content.article import Article
from bot.summary.model import Block, Summary


@dataclass(frozen=True, slots=True)
class Request:
    """One exact API call a platform will get: a Bot API method or Discord "create_message"."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """Return the JSON shape used by `herald preview --json`."""
        return {"method": self.method, "params": self.params}


class SummaryRenderer(Protocol):
    def __call__(self, summary: Summary) -> list[Request]: ...


class ArticleRenderer(Protocol):
    def __call__(self, summary: Summary, blocks: Sequence[Block]) -> list[Request]: ...


@dataclass(frozen=True, slots=True)
class PlatformSpec:
    """What an adapter package offers the core. Later issues add the runtime (`start`)."""

    name: str
    render_summary: SummaryRenderer
    render_article: ArticleRenderer
    extra: dict[str, Callable[..., Any]] = field(default_factory=dict)


def load_platforms() -> dict[str, PlatformSpec]:
    """Load every installed platform adapter by its entry point name."""
    found: dict[str, PlatformSpec] = {}
    for ep in entry_points(group="herald.platforms"):
        found[ep.name] = ep.load()
    return found


def load_platform(name: str) -> PlatformSpec:
    """Load one platform adapter; raise KeyError with the known names if it is missing."""
    platforms = load_platforms()
    if name not in platforms:
        raise KeyError(f"unknown platform {name!r}; installed: {', '.join(sorted(platforms))}")
    return platforms[name]


__all__ = ["Article", "Request", "PlatformSpec", "load_platforms", "load_platform"]
