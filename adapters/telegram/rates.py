"""Telegram's send limits as the core's rate limiter takes them.

core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this: about 30 messages a
second overall, about 1 a second in one chat (short bursts tolerated), 20 a minute in one group
or channel. The group rate has no burst: a burst on top of 1 per 3 s could put 21 messages in
one minute, which Telegram answers with 429.
"""

from __future__ import annotations

from bot.delivery.ratelimit import Rate, RateLimits

TELEGRAM_RATES = RateLimits(
    overall=Rate(30, 1.0),
    per_channel=Rate(1, 1.0, burst=3),
    classes=(("group", Rate(20, 60.0, burst=1)),),
)
