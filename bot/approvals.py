"""The approval requests sent to admins (one card per admin per held article), kept so that
once one admin decides (a button or `/approve`), every copy shows the decision without buttons.

The cards are remembered in memory: after a restart, a card still settles when its own button
is pressed (the platform edits the pressed message), but not when another copy is decided.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.commands.types import Invocation, Reply

if TYPE_CHECKING:
    from bot.platform import Runtime

log = logging.getLogger("herald.approvals")

_KEPT = 500
"""Most held articles whose cards are remembered (the oldest are forgotten first)."""


@dataclass
class ApprovalCards:
    """Where each approval card went: platform, chat and the platform's handle on the message."""

    runtimes: Sequence[Runtime] = ()
    _cards: dict[int, list[tuple[str, str, Any]]] = field(default_factory=dict)

    def add(self, article_id: int, platform: str, chat_id: str, handle: Any) -> None:
        """Remember one card sent for `article_id`."""
        self._cards.setdefault(article_id, []).append((platform, chat_id, handle))
        while len(self._cards) > _KEPT:
            del self._cards[next(iter(self._cards))]

    async def settle(self, article_id: int, decision: Reply, pressed: Invocation | None = None) -> None:
        """Edit every card of `article_id` to show `decision`, except the one whose button was
        `pressed` (its platform edits that one as the answer to the press)."""
        for platform, chat_id, handle in self._cards.pop(article_id, []):
            if pressed is not None and (pressed.platform, pressed.channel_id) == (platform, chat_id):
                continue
            runtime = next((rt for rt in self.runtimes if rt.name == platform), None)
            if runtime is None:
                continue
            try:
                await runtime.settle_direct(chat_id, handle, decision)
            except Exception as exc:  # noqa: BLE001 - one card that cannot change must not stop the others
                log.warning("approval card of article %s in %s:%s not updated: %s",
                            article_id, platform, chat_id, type(exc).__name__)
