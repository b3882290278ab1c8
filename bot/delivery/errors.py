"""What a send can end in, besides success: the outcomes platform transports raise.

Adapters map their library's errors to these; the delivery engine decides what each means for
the outbox (retry, pause the target, stop sending there, move it). Reasons are short texts for
people; transports redact secrets before they get here, the engine only stores them.
"""

from __future__ import annotations


class DeliveryError(Exception):
    """Base of every outcome a transport reports instead of a message id."""

    reason: str

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RateLimited(DeliveryError):
    """The platform asked to wait `retry_after` seconds before sending to this target again;
    `everywhere` when it said the limit is the bot's as a whole (Discord's `global: true`)."""

    def __init__(self, retry_after: float, reason: str = "", *, everywhere: bool = False) -> None:
        super().__init__(reason or f"rate limited, retry after {retry_after:g}s")
        self.retry_after = max(0.0, float(retry_after))
        self.everywhere = everywhere


class Transient(DeliveryError):
    """A failure worth retrying later: timeout, connection error, server error."""


class Gone(DeliveryError):
    """Stop sending here: the bot was blocked or removed, the channel no longer exists, or the
    bot lacks the permission to post."""


class Migrated(DeliveryError):
    """The channel moved to a new id; send there from now on."""

    def __init__(self, new_channel_id: str, reason: str = "") -> None:
        super().__init__(reason or f"channel moved to {new_channel_id}")
        self.new_channel_id = str(new_channel_id)


class BadFormat(DeliveryError):
    """The platform rejected the message's formatting; plain text may still go through."""


class Ambiguous(DeliveryError):
    """The request was written but no answer came (a read timeout, a dropped connection): the
    message may or may not have arrived. Where the platform has no idempotency key (Telegram),
    the engine records it as sent rather than risk the chat getting it twice."""


class Stale(DeliveryError):
    """The platform will not edit or delete that message any more: too old, deleted by someone,
    or not a message it can change. The edit is dropped quietly, once (never retried, never an
    admin notice)."""
