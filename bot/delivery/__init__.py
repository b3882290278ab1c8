"""Delivery: fan-out writes one outbox row per (article, target); workers send them through the
platform outlets under each platform's rate limits, with retries and permanent-error handling."""

from bot.delivery.engine import DeliveryEngine
from bot.delivery.errors import Ambiguous, BadFormat, DeliveryError, Gone, Migrated, RateLimited, Transient
from bot.delivery.fanout import announce, fan_out
from bot.delivery.outbox import delivery_counts
from bot.delivery.outlet import Outlet
from bot.delivery.ratelimit import Rate, RateLimiter, RateLimits

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
    "Transient",
    "announce",
    "delivery_counts",
    "fan_out",
]
