"""What happened to each send, told once: one log line per outcome (logfmt, or JSON fields) and
the metrics observer's counters. Broadcast rows and command replies report the same way."""

from __future__ import annotations

import logging
from typing import Protocol

from bot.logs import logfmt

log = logging.getLogger("herald.delivery")


class DeliveryObserver(Protocol):
    """Who counts outcomes (the metrics): `delivery` per outcome, `rate_limit_wait` per pause."""

    def delivery(self, platform: str, outcome: str, latency: float | None = None) -> None: ...

    def rate_limit_wait(self, platform: str, seconds: float) -> None: ...

    def ambiguous_send(self, platform: str) -> None: ...


_METRIC_OUTCOMES = {
    "retry": "retried",
    "rate-limited": "rate_limited",
    "gone": "deactivated",
    "moved": "migrated",
    "resend-plain": "plain_fallback",
    "ambiguous": "sent",
}


class Outcomes:
    """Log and count delivery outcomes for an observer (or none)."""

    def __init__(self, observer: DeliveryObserver | None) -> None:
        self._observer = observer

    def waited(self, platform: str, seconds: float) -> None:
        """A broadcast waited `seconds` for its rate-limit slot."""
        if self._observer is not None:
            self._observer.rate_limit_wait(platform, seconds)

    def ambiguous(self, platform: str) -> None:
        """A send was written and never answered (it may have arrived)."""
        if self._observer is not None:
            self._observer.ambiguous_send(platform)

    def record(
        self, article_id: int | None, platform: str, channel_id: str, outcome: str, detail: str,
        *, latency: float | None = None,
    ) -> None:  # fmt: skip
        """Log one outcome (a command reply has no article) and count it for a broadcast."""
        if self._observer is not None and article_id is not None:
            self._observer.delivery(platform, _METRIC_OUTCOMES.get(outcome, outcome), latency)
        level = logging.INFO if outcome in ("sent", "resend-plain", "moved", "edited", "deleted", "dropped") else logging.WARNING
        target = f"{platform}:{channel_id}"
        fields: dict[str, object] = {"article": article_id, "target": target, "outcome": outcome, "detail": detail}
        if latency is not None:
            fields["latency"] = round(latency, 3)
        # Readable as is (`article=12 target=telegram:-100 outcome=sent detail=…`); JSON lines
        # carry the same values as keys. A command reply has no article.
        what = "reply" if article_id is None else f"article={article_id}"
        log.log(
            level, "%s target=%s outcome=%s detail=%s", what, target, outcome, logfmt(detail),
            extra={"fields": fields},
        )  # fmt: skip
