"""The Bot API HTTP clients, watched: a refused token, an API that cannot be reached, and a
second process on the same token.

PTB's polling loop stops by itself on `InvalidToken` (a revoked token) and only logs it, so the
application would look connected while it no longer receives anything. `UpdatesRequest` reports
the refusal (HTTP 401, or 404 for a token Telegram does not recognise at all) so the runtime can
stop.

Both clients (getUpdates and every other call) also tell an `ApiWatch` how each call went:

- network errors and 5xx answers start an outage (`bot.platform.Outage`); any answer from the API
  ends it. After `UNREACHABLE_AFTER` seconds without one, /healthz answers 503 for Telegram.
- 409 Conflict (a second `getUpdates` for the token ends ours, or a webhook set by someone else
  forbids polling) is an error: logged once per episode at ERROR, and /healthz answers 503 with
  the reason until no conflict was seen for `CONFLICT_QUIET` seconds.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from telegram.error import NetworkError, TimedOut

from adapters.telegram.transport import AiohttpRequest
from bot.platform import UNREACHABLE_AFTER, Outage

log = logging.getLogger("herald.telegram")

REFUSED = frozenset({HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND})
"""What the Bot API answers for a token it refuses (the getUpdates endpoint itself always exists)."""

CONFLICT_QUIET = 60.0
"""Seconds without a 409 Conflict after which a conflict episode is over. Two processes polling
one token knock each other out every few seconds (PTB retries a conflict after 1–30 s)."""

ANOTHER_POLLER = "another process is polling with this bot token"
WEBHOOK_SET = "a webhook is set for this bot token (another process in webhook mode?), so polling is refused"
ANOTHER_USER = "another process is using this bot token (409 Conflict)"
WEBHOOK_TAKEN = "the webhook no longer points here (another process with this bot token removed or replaced it)"


def conflict_reason(description: str) -> str:
    """Say what a 409 Conflict description means, in words an operator acts on."""
    text = description.lower()
    if "terminated by other getupdates" in text:
        return ANOTHER_POLLER
    if "webhook is active" in text:
        return WEBHOOK_SET
    return ANOTHER_USER


class ApiWatch:
    """What the Bot API answered lately: an ongoing outage and conflict episodes."""

    def __init__(
        self,
        *,
        unreachable_after: float = UNREACHABLE_AFTER,
        conflict_quiet: float = CONFLICT_QUIET,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.outage = Outage("Bot API unreachable", after=unreachable_after, clock=clock)
        self._quiet = conflict_quiet
        self._clock = clock
        self._conflict_at: float | None = None
        self._conflict = ""
        self.conflicts = 0
        """409 answers seen (every episode)."""

    def answered(self, code: int, payload: bytes) -> None:
        """Record an HTTP answer from the Bot API."""
        if code >= HTTPStatus.INTERNAL_SERVER_ERROR:
            self.outage.failed(f"HTTP {code}")
            return
        self.outage.recovered()
        if code == HTTPStatus.CONFLICT:
            self._conflicted(_description(payload))
        else:
            self._settle()

    def unreachable(self, exc: BaseException) -> None:
        """Record a call that got no answer (connection refused, timed out, …)."""
        self.outage.failed(type(exc).__name__)

    def _conflicted(self, description: str) -> None:
        """Record a 409: another process uses the token (logged once per episode)."""
        reason = conflict_reason(description)
        self.conflicts += 1
        if self._conflict_at is None or reason != self._conflict:
            log.error("telegram: %s; Herald does not receive every update while this lasts: "
                      "stop the other process or use another token", reason)
        self._conflict_at = self._clock()
        self._conflict = reason

    def _settle(self) -> None:
        """End a conflict episode once it has been quiet long enough (logged once)."""
        if self._conflict_at is not None and self._clock() - self._conflict_at >= self._quiet:
            log.info("telegram: no conflict on the bot token for %.0f s; the conflict is over", self._quiet)
            self._conflict_at = None
            self._conflict = ""

    @property
    def problem(self) -> str | None:
        """Why Telegram is not served right now, for /healthz; None when it is."""
        self._settle()
        if self._conflict_at is not None:
            return self._conflict
        return self.outage.problem()


def _description(payload: bytes) -> str:
    try:
        data = json.loads(payload)
    except ValueError:
        return ""
    return str(data.get("description", "")) if isinstance(data, dict) else ""


class WatchedRequest(AiohttpRequest):
    """An `AiohttpRequest` (PTB's transport on aiohttp) that tells an `ApiWatch` how every call went."""

    __slots__ = ("_watch",)

    def __init__(self, watch: ApiWatch, **options: Any) -> None:
        super().__init__(**options)
        self._watch = watch

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Make the request and record its outcome."""
        try:
            code, payload = await super().do_request(*args, **kwargs)
        except (TimedOut, NetworkError) as exc:
            self._watch.unreachable(exc)
            raise
        self._watch.answered(code, payload)
        return code, payload


class UpdatesRequest(WatchedRequest):
    """The getUpdates client: also calls `on_refused` when the Bot API refuses the token."""

    __slots__ = ("_on_refused",)

    def __init__(self, on_refused: Callable[[], None], watch: ApiWatch | None = None, **options: Any) -> None:
        super().__init__(watch or ApiWatch(), **options)
        self._on_refused = on_refused

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Make the request; report a refused token before PTB turns it into `InvalidToken`."""
        code, payload = await super().do_request(*args, **kwargs)
        if code in REFUSED:
            self._on_refused()
        return code, payload
