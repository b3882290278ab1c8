"""What Herald tells its admins by itself: approval requests for held articles, notices (posts that
cannot be published, queued broadcasts missed while down, configured channels it had to disable).

Everything is sent in the background, so indexing and the queue never wait for a platform; one
unreachable admin never keeps the others from being told. Admin notices are in English (the
catalogue's `en` texts), like the approval cards; a disabled channel is told in English and Chinese
(see `bot.target_check.notice`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.approvals import ApprovalCards
from bot.commands import Reply
from bot.commands.admin import approval_request
from bot.commands.i18n import Lang, message
from bot.platform import Runtime
from bot.schedule.jobs import QueueRunReport
from bot.store.articles import get_article, summary_of
from bot.store.states import ArticleState
from bot.target_check import tell_once
from bot.targets import Target

__all__ = ["AdminNotices", "missed_queue_notice"]

log = logging.getLogger("herald.app")

ADMIN_LANG: Lang = "en"
"""The language of the notices (an admin's own language is not known to Herald)."""


def missed_queue_notice(report: QueueRunReport, lang: Lang = ADMIN_LANG) -> str | None:
    """The admins' notice about queue items skipped because Herald was down past the grace period
    (None: none were)."""
    if not report.skipped:
        return None
    lines = [message("queue.missed.header", lang, count=len(report.skipped))]
    lines += [
        message("queue.missed.line", lang, qid=item.id, id=item.article_id, note=report.missed(item, lang))
        for item in report.skipped
    ]
    return "\n".join(lines)


@dataclass
class AdminNotices:
    """Send the configured admins approval requests and notices through the running platforms."""

    admins: tuple[Target, ...]
    sessions: async_sessionmaker[AsyncSession]
    cards: ApprovalCards = field(default_factory=ApprovalCards)
    """The approval requests sent, so a decision shows on every copy."""
    runtimes: Sequence[Runtime] = ()
    _sending: set[asyncio.Task[None]] = field(default_factory=set)

    def ask_approval(self, article_ids: Iterable[int]) -> None:
        """Send every admin an approval request per held article (in the background)."""
        ids = list(article_ids)
        if ids and self.admins:
            self._in_background(self._ask_approval(ids), "approval-requests")

    def tell(self, text: str) -> None:
        """Send every admin a notice (in the background)."""
        if self.admins:
            self._in_background(self._send(Reply(text), "notice"), "admin-notice")

    async def target_retired(self, target: Target, reason: str) -> None:
        """A configured channel was stopped while running: log it and tell the admins once."""
        log.warning("HERALD_CHANNELS %s is disabled: %s", target, reason)
        await tell_once(self.sessions, target, reason, self.tell)

    async def finish(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for what is still being sent, then cancel it."""
        if self._sending:
            await asyncio.wait(set(self._sending), timeout=timeout)
        for task in list(self._sending):
            task.cancel()

    def _in_background(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _ask_approval(self, article_ids: list[int]) -> None:
        for article_id in article_ids:
            row = await get_article(self.sessions, article_id)
            if row is not None and row.state == ArticleState.HELD:
                request = approval_request(summary_of(row), ADMIN_LANG)
                await self._send(request, f"approval of article {article_id}", card_of=article_id)

    async def _send(self, reply: Reply, what: str, *, card_of: int | None = None) -> None:
        for admin in self.admins:
            runtime = next((rt for rt in self.runtimes if rt.name == admin.platform), None)
            if runtime is None:
                log.warning("cannot reach admin %s about %s: platform not running", admin, what)
                continue
            try:
                sent = await runtime.send_direct(admin.channel_id, reply)
                if card_of is not None and sent is not None:  # (chat id, message handle): settled later
                    self.cards.add(card_of, admin.platform, *sent)
            except Exception as exc:  # noqa: BLE001 - one unreachable admin must not stop the others
                log.warning("message to admin %s about %s not sent: %s", admin, what, type(exc).__name__)
            else:
                log.info("told admin %s about %s", admin, what)
