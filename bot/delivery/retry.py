"""Trying again, written once for delivery: the backoff definitions (a failed broadcast row's
next try, the database while it is away) and the loop that sends, lets the caller recover from
a delivery error (wait out a short rate limit, follow a moved chat) and sends again."""

from __future__ import annotations

import math
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.delivery.errors import DeliveryError
from bot.waits import Backoff

T = TypeVar("T")

DATABASE_BACKOFF = (0.25, 10.0)
"""First and longest wait between two tries to reach the database (writing outcomes, claiming)."""
SEND_JITTER = 0.2
"""A failed row's next try is spread by ±20% so that rows failed together do not retry together."""


def database_backoff() -> Backoff:
    """Return the delays between tries to reach the database while it is away."""
    return Backoff(*DATABASE_BACKOFF)


def send_retry_delay(base: float, attempts: int, rng: random.Random) -> float:
    """Return the wait before a row's next send after `attempts` failed ones: `base` doubling,
    jittered (the row's attempts are counted in the outbox, so no count is kept here)."""
    return Backoff(first=base, longest=math.inf, jitter=SEND_JITTER).after(attempts, rng)


async def send_retrying(
    send: Callable[[], Awaitable[T]],
    *,
    tries: int,
    recover: Callable[[DeliveryError, bool], Awaitable[None]],
) -> T:
    """Call `send` until it returns, `tries` times at most. When it raises a `DeliveryError`,
    `recover(error, last)` decides: it raises to give up, or returns (after waiting, or after
    changing what `send` sends to) to try again. After the last try the error is raised if
    `recover` did not raise one itself."""
    for attempt in range(1, max(1, tries) + 1):
        try:
            return await send()
        except DeliveryError as exc:
            last = attempt >= tries
            await recover(exc, last)
            if last:
                raise
    raise AssertionError("unreachable: the last try returns or raises")
