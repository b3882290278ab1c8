"""The seam between the core and each platform adapter.

Adapters are registered as ``herald.platforms`` entry points (see pyproject.toml) so the core
never imports them. Each entry point is a `PlatformSpec`: pure renderers (used by
`herald preview` and tests) plus, for `herald run`, a factory for the platform's `Runtime`.
The composition root (`bot.app`) hands every runtime the `Services` it may use: commands in,
replies out, the rate-limited send path and the adapter-owned storage. A runtime declares what
it can do on the `Runtime` Protocol; `RuntimeBase` gives the optional capabilities their "cannot"
defaults, so the core never has to look them up with `getattr`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Protocol

from bot.content.article import Article
from bot.replicas.role import Role, receiver
from bot.request import Request
from bot.store.platform_store import PlatformStore
from bot.summary.model import Block, Summary

if TYPE_CHECKING:
    from bot.commands import CommandSpec, Invocation, Reply
    from bot.commands.channels import ChannelLookup
    from bot.delivery.outlet import Outlet
    from bot.delivery.ratelimit import RateLimits
    from bot.settings import Settings



class SummaryRenderer(Protocol):
    def __call__(self, summary: Summary) -> list[Request]: ...


class ArticleRenderer(Protocol):
    def __call__(self, summary: Summary, blocks: Sequence[Block]) -> list[Request]: ...


class Services(Protocol):
    """What the app offers a platform runtime: commands in, replies out, and the send path."""

    settings: Settings

    def store(self, platform: str) -> PlatformStore:
        """The storage this platform owns: its media cache and command-sync fingerprints."""
        ...

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

    async def manage_channel(self, inv: Invocation, lookup: ChannelLookup) -> Reply:
        """Run a command sent in a private chat on the channel its first argument names
        (`/subscribe @news Sport`), asking the platform about that channel with `lookup`."""
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
    problem = runtime.problem
    if problem:
        return False, problem
    if runtime.reconnecting:
        return True, "reconnecting"
    return (True, "connected") if runtime.connected else (False, "disconnected")


TargetProblems = Mapping[str, str | None]
"""A runtime's answer to `check_targets`: channel id → why it cannot be served (None: it can)."""


class Runtime(Protocol):
    """A running platform connection, and everything the core may ask of it. Runtimes subclass
    `RuntimeBase`, which answers the optional capabilities with "cannot"."""

    name: str
    outlet: Outlet
    limits: RateLimits
    receiving: Role
    """Whether this replica receives the platform's updates (long polling or webhook, the
    gateway): `run` keeps the sending side up all along and receives only while it is held.
    `bot.serve` sets it to this replica's `receiver:<name>` lease before `run`."""
    default_channels: Sequence[tuple[str, str]]
    """(channel id, kind) pairs subscribed on the very first start (the console is one chat)."""

    @property
    def connected(self) -> bool:
        """Whether the platform connection is up (for /healthz)."""
        ...

    @property
    def failure(self) -> str | None:
        """Why the platform cannot run at all (a refused token): `herald run` then exits 1."""
        ...

    @property
    def problem(self) -> str | None:
        """Why the platform is not served right now although it runs (API unreachable for
        UNREACHABLE_AFTER seconds, another process on the same token): /healthz reports it."""
        ...

    @property
    def reconnecting(self) -> bool:
        """Whether the connection dropped less than UNREACHABLE_AFTER seconds ago (still healthy)."""
        ...

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set: send all along, receive while `receiving` is held; a
        runtime whose input ends (console) returns by itself."""
        ...

    async def aclose(self) -> None:
        """Release what the outlet still holds, after the last pending delivery was sent."""
        ...

    async def check_targets(self, channel_ids: Iterable[str]) -> TargetProblems:
        """Once connected: which configured channels the bot cannot post in (naming the missing
        permission); an empty mapping when the platform cannot tell."""
        ...

    async def send_direct(self, user_id: str, reply: Reply) -> tuple[str, Any] | None:
        """Send a reply (buttons included) to one user (approval requests to admins); return
        (chat id, message handle) for `settle_direct`, or None. Raises the delivery errors;
        `NotImplementedError` where the platform has no direct messages."""
        ...

    async def settle_direct(self, chat_id: str, handle: Any, reply: Reply) -> None:
        """Edit a message sent by `send_direct` to show `reply`, without buttons."""
        ...


class RuntimeBase:
    """The optional capabilities' defaults: no default channels, never failing, no target
    checks, no direct messages, nothing to close."""

    default_channels: Sequence[tuple[str, str]] = ()
    failure: str | None = None
    """Why the platform cannot run at all (set by the runtime when it gives up); None: it can."""
    name: str
    _receiving: Role | None = None

    @property
    def receiving(self) -> Role:
        """The receiver role; held for good unless `bot.serve` hands the runtime a lease."""
        if self._receiving is None:
            self._receiving = Role.held_now(receiver(self.name))
        return self._receiving

    @receiving.setter
    def receiving(self, role: Role) -> None:
        self._receiving = role

    @property
    def problem(self) -> str | None:
        """Why the platform is not served right now; None: it is."""
        return None

    @property
    def reconnecting(self) -> bool:
        """Whether a short drop is being recovered from."""
        return False

    async def aclose(self) -> None:
        """Nothing to release."""

    async def check_targets(self, channel_ids: Iterable[str]) -> TargetProblems:
        """The platform cannot tell: no answer for any channel."""
        return {}

    async def send_direct(self, user_id: str, reply: Reply) -> tuple[str, Any] | None:
        """This platform has no direct messages."""
        raise NotImplementedError(f"{type(self).__name__} cannot send direct messages")

    async def settle_direct(self, chat_id: str, handle: Any, reply: Reply) -> None:
        """This platform has no direct messages to edit."""
        raise NotImplementedError(f"{type(self).__name__} cannot edit direct messages")


@dataclass(frozen=True, slots=True)
class PlatformSpec:
    """What an adapter package offers the core."""

    name: str
    render_summary: SummaryRenderer
    render_article: ArticleRenderer
    enabled: Callable[[Settings], bool] = lambda settings: False
    """Whether `herald run` should start this platform under these settings."""
    create_runtime: Callable[[Settings, Services], Runtime] | None = None


def lazy_runtime(module: str) -> Callable[[Settings, Services], Runtime]:
    """Return a runtime factory that imports `module` (and so its platform library) only when
    a runtime is built: `herald preview` and `herald check` never pay for discord.py or PTB."""

    def create(settings: Settings, services: Services) -> Runtime:
        runtime: Runtime = import_module(module).create_runtime(settings, services)
        return runtime

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
    "Outage",
    "PlatformSpec",
    "PlatformStore",
    "Request",
    "Role",
    "Runtime",
    "RuntimeBase",
    "Services",
    "TargetProblems",
    "lazy_runtime",
    "load_platform",
    "load_platforms",
    "platform_health",
]
