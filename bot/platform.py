"""The seam between the core and each platform adapter.

Adapters are registered as ``herald.platforms`` entry points (see pyproject.toml) so the core
never imports them. Each entry point is a `PlatformSpec`: pure renderers (used by
`herald preview` and tests) plus, for `herald run`, a factory for the platform's `Runtime`.
The composition root (`bot.app`) hands every runtime a `Core`: the platform-neutral service.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Protocol

from bot.content.article import Article
from bot.summary.model import Block, Summary

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.commands import CommandSpec, Invocation, Reply
    from bot.delivery.outlet import Outlet
    from bot.delivery.ratelimit import RateLimits
    from bot.settings import Settings


@dataclass(frozen=True, slots=True)
class Request:
    """One exact API call a platform will get: a Bot API method or Discord "create_message"."""

    method: str
    params: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """Return the JSON shape used by `herald preview --json`."""
        return {"method": self.method, "params": self.params}


class SummaryRenderer(Protocol):
    def __call__(self, summary: Summary) -> list[Request]: ...


class ArticleRenderer(Protocol):
    def __call__(self, summary: Summary, blocks: Sequence[Block]) -> list[Request]: ...


class Core(Protocol):
    """What the app offers a platform runtime: commands in, replies out, and the send path."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    """The database, for adapter-owned tables (media cache, command-sync fingerprints)."""

    @property
    def commands(self) -> Sequence[CommandSpec]:
        """The command table, to register menus / slash commands from."""
        ...

    async def handle(self, inv: Invocation) -> Reply:
        """Run a chat command and return its reply (never raises on user input)."""
        ...

    async def handle_action(self, inv: Invocation, action: str) -> Reply:
        """Run a button press (`latest:5`, …) and return its reply."""
        ...

    async def complete(self, kind: str, typed: str) -> list[tuple[str, str]]:
        """Return up to 25 (label, value) suggestions for a category or article option."""
        ...

    async def send_reply(self, platform: str, channel_id: str, requests: list[Request]) -> str:
        """Send a command reply ahead of broadcast traffic, under the platform's rate limits."""
        ...

    async def channel_moved(self, platform: str, old: str, new: str) -> None:
        """Tell the core a channel has a new id (a group upgraded to a supergroup)."""
        ...


UNREACHABLE_AFTER = 30.0
"""Seconds a platform's API may keep failing (Telegram: getUpdates or network errors; Discord:
the gateway disconnected) before /healthz answers 503 for it. Shorter blips stay 200: PTB and
discord.py reconnect by themselves, and the Docker health check needs three failures in a row."""


class Outage:
    """How long a platform's API has been failing: `failed` on every failure, `recovered` on
    every success; `problem` is the /healthz reason once failures lasted `after` seconds."""

    def __init__(self, what: str, *, after: float = UNREACHABLE_AFTER,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._what = what
        self._after = after
        self._clock = clock
        self._since: float | None = None
        self._cause = ""

    @property
    def failing(self) -> bool:
        """Whether the last attempt failed."""
        return self._since is not None

    def failed(self, cause: str) -> None:
        """Record a failure with a short cause (an HTTP status or an error class, never a URL)."""
        if self._since is None:
            self._since = self._clock()
        self._cause = cause

    def recovered(self) -> None:
        """Record a success: the outage, if any, is over."""
        self._since = None
        self._cause = ""

    def problem(self) -> str | None:
        """Return why the platform is not served once the outage lasted long enough, else None."""
        if self._since is None:
            return None
        lasted = self._clock() - self._since
        if lasted < self._after:
            return None
        cause = f" ({self._cause})" if self._cause else ""
        return f"{self._what} for {lasted:.0f} s{cause}"


def platform_health(runtime: Runtime) -> tuple[bool, str]:
    """Return (ok, detail) for /healthz: the runtime's `problem` when it has one; healthy while
    it is `reconnecting` (down for less than UNREACHABLE_AFTER); else whether it is connected."""
    problem = getattr(runtime, "problem", None)
    if problem:
        return False, str(problem)
    if getattr(runtime, "reconnecting", False):
        return True, "reconnecting"
    return (True, "connected") if runtime.connected else (False, "disconnected")


TargetProblems = Mapping[str, str | None]
"""A runtime's answer to `check_targets`: channel id → why it cannot be served (None: it can)."""


class Runtime(Protocol):
    """A running platform connection."""

    name: str
    outlet: Outlet
    limits: RateLimits
    # Optional: `default_channels`, (channel id, kind) pairs subscribed on the very first start;
    # `send_direct(user_id, reply)`, a message to one user (approval requests to admins);
    # `failure`, why the platform cannot run (a refused token): `herald run` then exits non-zero;
    # `problem`, why the platform is not served right now although it runs (API unreachable for
    # UNREACHABLE_AFTER seconds, another process on the same token): /healthz reports it;
    # `async check_targets(channel_ids) -> TargetProblems`, once connected: which configured
    # channels the bot cannot post in, naming the missing permission.

    @property
    def connected(self) -> bool:
        """Whether the platform connection is up (for /healthz)."""
        ...

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set; a runtime whose input ends (console) returns by itself."""
        ...

    async def aclose(self) -> None:
        """Release what the outlet still holds, after the last pending delivery was sent."""
        ...


@dataclass(frozen=True, slots=True)
class PlatformSpec:
    """What an adapter package offers the core."""

    name: str
    render_summary: SummaryRenderer
    render_article: ArticleRenderer
    enabled: Callable[[Settings], bool] = lambda settings: False
    """Whether `herald run` should start this platform under these settings."""
    create_runtime: Callable[[Settings, Core], Runtime] | None = None
    extra: dict[str, Callable[..., Any]] = field(default_factory=dict)


def lazy_runtime(module: str) -> Callable[[Settings, Core], Runtime]:
    """Return a runtime factory that imports `module` (and so its platform library) only when
    a runtime is built: `herald preview` and `herald check` never pay for discord.py or PTB."""

    def create(settings: Settings, core: Core) -> Runtime:
        return import_module(module).create_runtime(settings, core)

    return create


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


__all__ = [
    "UNREACHABLE_AFTER",
    "Article",
    "Core",
    "Outage",
    "PlatformSpec",
    "Request",
    "Runtime",
    "TargetProblems",
    "lazy_runtime",
    "load_platform",
    "load_platforms",
    "platform_health",
]
