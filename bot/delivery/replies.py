"""Command replies through the delivery engine: sent now, ahead of broadcast traffic, under the
same per-platform rate limits, one at a time per channel and in order."""

from __future__ import annotations

import asyncio
import weakref

from bot.delivery import outbox
from bot.delivery.errors import Ambiguous, DeliveryError, Gone, Migrated, RateLimited, Transient
from bot.delivery.retry import send_retrying
from bot.delivery.sending import SendPath
from bot.request import Request

REPLY_TRIES = 5
"""How many times one reply message is tried (rate limits waited out, moves followed)."""
REPLY_MAX_WAIT = 10.0
"""A command reply waits out a rate limit this long at most; past that it is reported late."""


class ReplySender:
    """Send command replies through the platforms' outlets and rate limiters."""

    def __init__(self, path: SendPath) -> None:
        self._path = path
        # One lock per channel a reply is being sent to; idle ones are dropped by the GC.
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = weakref.WeakValueDictionary()

    async def send(self, platform: str, channel_id: str, requests: list[Request]) -> str:
        """Send a command reply now; return the first message id.

        Replies to one channel go out one at a time and in order, each message taking its own
        rate-limit slot, so a long `/read` neither trips the platform's limits nor interleaves
        with the next answer. Short rate limits are waited out and a moved channel is followed;
        `Transient`, `BadFormat`, `Gone` (after stopping the target) and long `RateLimited` are
        raised; messages already sent are never sent again.
        """
        lock = self._locks.setdefault((platform, channel_id), asyncio.Lock())
        first = ""
        async with lock:
            for request in requests:
                message_id, channel_id = await self._send_one(platform, channel_id, request)
                first = first or message_id
        return first

    async def _send_one(self, platform: str, channel_id: str, request: Request) -> tuple[str, str]:
        """Send one message; return its id and the channel it went to (moved, perhaps)."""
        outlet, limiter = self._path.of(platform)
        outcomes, sessions, clock = self._path.outcomes, self._path.sessions, self._path.clock
        where = channel_id

        async def send() -> str:
            await limiter.acquire(where, outlet.channel_class(where), "reply")
            try:
                return await outlet.send(where, [request])
            except Ambiguous:  # it may have arrived: never sent twice
                outcomes.ambiguous(platform)
                return ""

        async def recover(exc: DeliveryError, last: bool) -> None:
            nonlocal where
            match exc:
                case RateLimited():  # the limiter waits it out before the next try
                    limiter.throttled(where, exc.retry_after, everywhere=exc.everywhere)
                    if exc.retry_after > REPLY_MAX_WAIT:
                        raise exc
                case Migrated():
                    await outbox.move_target(sessions, platform, where, exc.new_channel_id, now=clock.now())
                    outcomes.record(None, platform, where, "moved", exc.new_channel_id)
                    where = exc.new_channel_id
                case Gone():
                    await outbox.retire_target(sessions, platform, where, reason=exc.reason, now=clock.now())
                    outcomes.record(None, platform, where, "gone", exc.reason)
                    raise exc
                case _:
                    raise exc
            if last:
                raise Transient(f"reply to {platform}:{where} not sent after {REPLY_TRIES} tries")

        message_id = await send_retrying(send, tries=REPLY_TRIES, recover=recover)
        return message_id, where
