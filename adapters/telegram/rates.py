"""Telegram's send limits as the core's rate limiter takes them.

core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this: about 30 messages a
second overall, about 1 a second in one chat (short bursts tolerated), 20 a minute in one group
or channel. The group rate has no burst: a burst on top of 1 per 3 s could put 21 messages in
one minute, which Telegram answers with 429.

The overall rate is configurable (HERALD_TELEGRAM_RATE, 30 by default) and is kept 2 % below the
configured figure, with a burst of 3 so that late timer wake-ups (epoll rounds up to whole
milliseconds) are caught up. Paid broadcasts (HERALD_TELEGRAM_PAID_BROADCAST: broadcasts carry
`allow_paid_broadcast`) lift the overall limit to Telegram's 1,000 messages a second; the
per-chat and per-group limits stay as they are.
"""

from __future__ import annotations

from adapters.telegram.targets import pacing_key
from bot.delivery.ratelimit import Rate, RateLimits

FREE_RATE = 30.0
"""Messages a second over all chats Telegram allows a bot without paid broadcasts."""
PAID_RATE = 1000.0
"""Messages a second over all chats with `allow_paid_broadcast` (0.1 Stars each beyond the free 30/s)."""
HEADROOM = 0.02
"""The overall rate is kept this fraction below the configured one."""
OVERALL_BURST = 3


def telegram_rates(rate: float = FREE_RATE, *, paid_broadcast: bool = False) -> RateLimits:
    """Return Telegram's limits with an overall rate of `rate` messages a second (less
    `HEADROOM`), or of `PAID_RATE` with paid broadcasts."""
    overall = PAID_RATE if paid_broadcast else rate
    return RateLimits(
        overall=Rate(overall * (1.0 - HEADROOM), 1.0, burst=OVERALL_BURST),
        per_channel=Rate(1, 1.0, burst=3),
        classes=(("group", Rate(20, 60.0, burst=1)),),
        shared_by=pacing_key,  # the topics of a forum share their group's 20 a minute
    )


TELEGRAM_RATES = telegram_rates()
"""The default limits: 30 messages a second over all chats (29.4 with the headroom)."""
