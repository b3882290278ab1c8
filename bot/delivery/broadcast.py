"""One broadcast row, sent: render the article for the row's platform and language (once per
article, platform, language and mode while it is cached, not once per target), wait for the
target's rate-limit slot (or hand the row back when that wait is long), send it, and write
what happened: sent, retry later with backoff, rate-limited, stopped, moved, resent as plain
text, or failed for good."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.cardstyle import CardStyle
from bot.commands.i18n import Lang, language_of
from bot.delivery import outbox
from bot.delivery.backlog import Backlog
from bot.delivery.edits import DELETE, MEDIA, SEND
from bot.delivery.errors import Ambiguous, BadFormat, Gone, Migrated, RateLimited, Stale, Transient
from bot.delivery.outbox import Claimed
from bot.delivery.outlet import Outlet
from bot.delivery.recorder import SentQueue
from bot.delivery.retry import send_retry_delay
from bot.delivery.sending import SendPath
from bot.digests.store import load_digest
from bot.request import Request
from bot.store.articles import summary_of
from bot.store.models import ArticleRow
from bot.store.states import ArticleState
from bot.summary.model import Summary
from bot.templating import Templated

log = logging.getLogger("herald.delivery")

_CACHED_ARTICLES = 64
_CACHE_SECONDS = 30.0
"""How long an article's summary and renderings are reused: a broadcast sends one article to
many targets, and an edit reaches rows rendered after this."""

_Renders = dict[tuple[str, bool, Lang, CardStyle, str], list[Request]]
"""An article's renderings by (platform, plain, language, style, template file)."""


class _Skip(Exception):
    """This row cannot be rendered (article gone or unrenderable); fail it without sending."""


class RowSender:
    """Send claimed outbox rows, one at a time per call, and write each outcome."""

    def __init__(
        self,
        path: SendPath,
        *,
        worker: str,
        max_attempts: int,
        base_backoff: float,
        rng: random.Random,
        retired: Callable[[str, str, str], Awaitable[None]],
    ) -> None:
        self._path = path
        self._sessions, self._clock, self._outcomes = path.sessions, path.clock, path.outcomes
        self._worker = worker
        self._max_attempts = max(1, max_attempts)
        self._base_backoff = base_backoff
        self._rng = rng
        self._retired = retired
        self._summaries: OrderedDict[int, tuple[datetime, Summary, _Renders, int]] = OrderedDict()
        """By article: until when it is reused, its summary, its renderings and the edit revision it
        was loaded for (0: for a send): an edit of a newer revision loads the article again."""

    async def deliver(self, job: Claimed, generation: int, backlog: Backlog, sent: SentQueue) -> None:
        """Send one claimed row (unless its target went stale meanwhile) and write what happened."""
        outlet, limiter = self._path.of(job.platform)
        try:
            requests = [] if job.action == DELETE else await self._rendered(job, outlet)
        except _Skip as exc:
            if job.action != SEND:
                return await self._drop(job, str(exc))
            return await self._fail(job, str(exc), job.attempts)
        except Exception as exc:  # noqa: BLE001 - rendering is deterministic: retrying would not help
            return await self._fail(job, f"cannot render: {type(exc).__name__}: {exc}", job.attempts)
        cls = outlet.channel_class(job.channel_id)
        wait = limiter.delay(job.channel_id, cls)
        if wait > limiter.limits.defer_after:  # free the worker for other channels meanwhile
            due = self._clock.now() + timedelta(seconds=wait)
            await outbox.reschedule(
                self._sessions, job, worker=self._worker, due_at=due, attempts=job.attempts
            )
            return
        waited = time.monotonic()
        await limiter.acquire(job.channel_id, cls, "broadcast")
        waited = time.monotonic() - waited
        if waited > 0.001:
            self._outcomes.waited(job.platform, waited)
        if backlog.is_stale(generation, job):  # stopped or moved while this row waited its turn
            return
        started = time.monotonic()
        try:
            message_id = await self._act(outlet, job, requests)
        except Stale as exc:
            await self._drop(job, exc.reason)
        except RateLimited as exc:
            if limiter.throttled(job.channel_id, exc.retry_after, everywhere=exc.everywhere):
                log.warning("%s throttles every chat: all sends paused for %gs, then slower for a while",
                            job.platform, exc.retry_after)
            due = self._clock.now() + timedelta(seconds=exc.retry_after)
            await outbox.reschedule(
                self._sessions, job, worker=self._worker, due_at=due, attempts=job.attempts,
                error=exc.reason,
            )  # fmt: skip
            self._outcomes.record(job.article_id, job.platform, job.channel_id, "rate-limited", exc.reason)
        except Ambiguous as exc:
            # Written, never answered: it may well have arrived. Sending it again could give the
            # chat a second copy, so it counts as sent (without a message id to edit later).
            sent.sent(job.id, (job.message_id or "") if job.action != SEND else "", self._clock.now())
            self._outcomes.ambiguous(job.platform)
            self._outcomes.record(job.article_id, job.platform, job.channel_id, "ambiguous",
                                  f"recorded as sent, not resent: {exc.reason}")
        except Transient as exc:
            await self._retry(job, exc.reason)
        except Gone as exc:
            await outbox.retire_target(
                self._sessions, job.platform, job.channel_id, reason=exc.reason,
                now=self._clock.now(), worker=self._worker,
            )  # fmt: skip
            backlog.mark_stale(job.platform, job.channel_id)
            self._outcomes.record(job.article_id, job.platform, job.channel_id, "gone", exc.reason)
            await self._retired(job.platform, job.channel_id, exc.reason)
        except Migrated as exc:
            if job.action != SEND:  # the message stayed in the old chat, out of reach
                return await self._drop(job, exc.reason)
            if job.attempts + 1 >= self._max_attempts:
                return await self._fail(job, exc.reason, job.attempts + 1)
            await outbox.move_target(
                self._sessions, job.platform, job.channel_id, exc.new_channel_id,
                now=self._clock.now(), claimed=job, worker=self._worker,
            )  # fmt: skip
            backlog.mark_stale(job.platform, job.channel_id)
            self._outcomes.record(job.article_id, job.platform, job.channel_id, "moved", exc.new_channel_id)
        except BadFormat as exc:
            if job.plain:
                return await self._fail(job, exc.reason, job.attempts + 1)
            await outbox.reschedule(
                self._sessions, job, worker=self._worker, due_at=self._clock.now(),
                attempts=job.attempts + 1, plain=True, error=exc.reason,
            )  # fmt: skip
            self._outcomes.record(job.article_id, job.platform, job.channel_id, "resend-plain", exc.reason)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - its text may carry secrets: keep the type only
            await self._retry(job, f"unexpected {type(exc).__name__} while sending")
        else:
            sent.sent(job.id, str(message_id), self._clock.now())
            outcome = {SEND: "sent", DELETE: "deleted"}.get(job.action, "edited")
            latency = time.monotonic() - started if job.action == SEND else None  # send latency: new messages
            self._outcomes.record(job.article_id, job.platform, job.channel_id, outcome, str(message_id),
                                  latency=latency)

    async def _act(self, outlet: Outlet, job: Claimed, requests: list[Request]) -> str:
        """Send the row's message, or edit or delete the one its send made; return its id."""
        if job.action == SEND:
            return await outlet.send(job.channel_id, requests)
        if not job.message_id:
            raise Stale("no message id to change")
        if job.action == DELETE:
            await outlet.delete(job.channel_id, job.message_id)
        else:
            await outlet.edit(job.channel_id, job.message_id, requests, media=job.action == MEDIA)
        return job.message_id

    async def _drop(self, job: Claimed, reason: str) -> None:
        """An edit or deletion the platform refused for good: drop it quietly, once."""
        await outbox.drop(self._sessions, job, worker=self._worker, reason=reason)
        self._outcomes.record(job.article_id, job.platform, job.channel_id, "dropped", f"{job.action}: {reason}")

    async def _retry(self, job: Claimed, reason: str) -> None:
        attempts = job.attempts + 1
        if attempts >= self._max_attempts:
            return await self._fail(job, reason, attempts)
        backoff = send_retry_delay(self._base_backoff, attempts, self._rng)
        due = self._clock.now() + timedelta(seconds=backoff)
        await outbox.reschedule(
            self._sessions, job, worker=self._worker, due_at=due, attempts=attempts, error=reason
        )
        self._outcomes.record(job.article_id, job.platform, job.channel_id, "retry", f"in {backoff:.1f}s: {reason}")

    async def _fail(self, job: Claimed, reason: str, attempts: int) -> None:
        await outbox.fail(self._sessions, job, worker=self._worker, error=reason, attempts=attempts)
        self._outcomes.record(job.article_id, job.platform, job.channel_id, "failed", reason)

    async def _rendered(self, job: Claimed, outlet: Outlet) -> list[Request]:
        """Return the row's requests, rendered once per article, platform, language and mode
        while the article is cached (outlets never change the requests they send)."""
        lang = language_of(job.lang)
        if job.round < 0:
            digest = await load_digest(self._sessions, -job.round)
            if digest is None:
                raise _Skip(f"digest {-job.round} is gone")
            return outlet.render_digest(digest, plain=job.plain, lang=lang, style=job.style)
        summary, renders = await self._summary(job.article_id, revision=job.revision if job.action != SEND else 0)
        # An operator's template (HERALD_TEMPLATES) may differ per target: it is part of the key.
        templated = outlet if isinstance(outlet, Templated) else None
        layout = templated.layout(job.channel_id) if templated is not None else ""
        key = (job.platform, job.plain, lang, job.style, layout)
        requests = renders.get(key)
        if requests is None:
            if templated is not None:
                requests = templated.render_in(job.channel_id, summary, plain=job.plain, lang=lang, style=job.style)
            else:
                requests = outlet.render(summary, plain=job.plain, lang=lang, style=job.style)
            renders[key] = requests
        return requests

    async def _summary(self, article_id: int, *, revision: int = 0) -> tuple[Summary, _Renders]:
        """Return the article's summary and its renderings so far, cached briefly; an edit of a
        revision newer than the cache's loads the article again (and refreshes the cache for
        the sends after it)."""
        now = self._clock.now()
        cached = self._summaries.get(article_id)
        if cached is not None and cached[0] > now and cached[3] >= revision:
            return cached[1], cached[2]
        # An edit row is committed with the article's change, so a load made for it sees it.
        async with self._sessions() as session:
            row = await session.get(ArticleRow, article_id)
        if row is None or row.state == ArticleState.REMOVED:
            raise _Skip(f"article {article_id} was removed")
        summary, renders = summary_of(row), _Renders()
        self._summaries[article_id] = (now + timedelta(seconds=_CACHE_SECONDS), summary, renders, revision)
        self._summaries.move_to_end(article_id)
        while len(self._summaries) > _CACHED_ARTICLES:
            self._summaries.popitem(last=False)
        return summary, renders
