"""Delivery: fan-out writes one outbox row per (article, target); workers send them through the
platform outlets under each platform's rate limits, with retries and permanent-error handling.

`fanout` writes the rows, `outbox` holds their queries, `engine` is the workers' loop, `backlog`
the rows it holds in memory, `broadcast` sends one row, `recorder` writes what was sent,
`replies` sends command replies ahead of broadcasts, `retry` holds backoff and send retries,
`ratelimit` the limits, `outcomes` the logs and metrics, `outlet` and `errors` the platform seam,
`edits` the edits and deletions that follow a changed or deleted post."""

from bot.delivery.engine import DeliveryEngine
from bot.delivery.errors import Ambiguous, BadFormat, DeliveryError, Gone, Migrated, RateLimited, Stale, Transient
from bot.delivery.fanout import announce, fan_out
from bot.delivery.outlet import Outlet
from bot.delivery.ratelimit import Rate, RateLimiter, RateLimits
from bot.store.stats import delivery_counts

__all__ = [
    "Ambiguous",
    "BadFormat",
    "DeliveryEngine",
    "DeliveryError",
    "Gone",
    "Migrated",
    "Outlet",
    "Rate",
    "RateLimited",
    "RateLimiter",
    "RateLimits",
    "Stale",
    "Transient",
    "announce",
    "delivery_counts",
    "fan_out",
]
