"""The update queue behind the fake's getUpdates: long polling, offsets, allowed_updates, conflicts.

As on Telegram: an update stays queued until a later getUpdates passes an `offset` above its
`update_id`; a negative offset keeps only the last |offset| updates; `allowed_updates` is
remembered until changed (an empty list means every type except chat_member, message_reaction and
message_reaction_count); a second concurrent getUpdates ends the first with 409 Conflict.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.fakes.telegram_state import ApiError

DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MAX_LIMIT = 100
MAX_TIMEOUT = 50


def update_type(update: dict[str, Any]) -> str:
    """Return the kind of an update ("message", "callback_query", …)."""
    return next((key for key in update if key != "update_id"), "")


class _Poll:
    """One waiting getUpdates call."""

    def __init__(self) -> None:
        self.wake = asyncio.Event()
        self.terminated = False


class UpdateQueue:
    """Updates waiting for the bot, and the long polls waiting for updates."""

    def __init__(self, first_id: int = 10_000) -> None:
        self.pending: list[dict[str, Any]] = []
        self.next_id = first_id
        self.allowed: frozenset[str] | None = None  # None: Telegram's default set
        self.polls: set[_Poll] = set()
        self.current: _Poll | None = None
        self.closed = False

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update (numbering it when it has no update_id) and wake waiting polls."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self.next_id
        self.next_id = max(self.next_id, int(update["update_id"])) + 1
        self.pending.append(update)
        self._wake_all()
        return update

    def drop_all(self) -> None:
        """Forget every pending update (deleteWebhook/setWebhook with drop_pending_updates)."""
        self.pending.clear()

    def close(self) -> None:
        """Answer every waiting poll now (server shutdown)."""
        self.closed = True
        self._wake_all()

    def _wake_all(self) -> None:
        for poll in self.polls:
            poll.wake.set()

    def acknowledge(self, offset: int) -> None:
        """Confirm updates as Telegram does for an `offset` parameter."""
        if offset > 0:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        elif offset < 0:
            self.pending = self.pending[offset:]

    def ready(self, limit: int) -> list[dict[str, Any]]:
        """Return up to `limit` pending updates of the allowed types, oldest first."""
        if self.allowed is None:
            chosen = [u for u in self.pending if update_type(u) not in DEFAULT_EXCLUDED]
        else:
            chosen = [u for u in self.pending if update_type(u) in self.allowed]
        return chosen[:limit]

    async def poll(
        self, offset: int, limit: int, timeout: float, allowed: list[str] | None
    ) -> list[dict[str, Any]]:
        """Answer one getUpdates call, waiting up to `timeout` seconds for an update to arrive."""
        if self.current is not None:
            self.current.terminated = True
            self.current.wake.set()
        if allowed is not None:
            self.allowed = frozenset(allowed) if allowed else None
        limit = min(max(limit, 1), MAX_LIMIT)
        deadline = time.monotonic() + min(max(timeout, 0.0), MAX_TIMEOUT)
        me = _Poll()
        self.current = me
        self.polls.add(me)
        try:
            if offset:
                self.acknowledge(offset)
            while True:
                found = self.ready(limit)
                remaining = deadline - time.monotonic()
                if found or remaining <= 0 or self.closed:
                    return found
                me.wake.clear()
                try:
                    await asyncio.wait_for(me.wake.wait(), remaining)
                except TimeoutError:
                    pass
                if me.terminated:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
        finally:
            self.polls.discard(me)
            if self.current is me:
                self.current = None
