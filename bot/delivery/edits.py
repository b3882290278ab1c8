"""Edits follow the post: when a published article's card changes, the messages already sent for
it are edited in place; when the post is deleted (and `HERALD_DELETE_REMOVED` is on), they are
deleted. Never a new message for a changed post.

Planning is one INSERT … SELECT per article in the index's own transaction (so a crash between
planning and sending loses nothing: the rows are in the outbox with the article's new text): one
`edit` row per `send` row of the article that was sent, has a message id, is not a digest
(round ≥ 0) and was sent within the window. The rows then go through the same outbox, rate
limits and retries as sends. A row's `revision` grows with every change of the article, and a
newer revision drops the older edits still waiting for the same message (an edit renders the
article as it is when it is sent, so the newest text wins either way). An edit whose image
changed is action `media` (Telegram then replaces the photo, not only its caption); when it
supersedes a waiting `media` edit, it stays `media`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, ColumnElement, String, and_, case, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.signals import notify_added
from bot.store.dialect import dialect_insert
from bot.store.index_rows import IndexedRow
from bot.store.models import DELIVERY_KEY, ArticleRow, BigId, Delivery, UtcDateTime, affected_rows, table_of
from bot.store.states import ArticleState
from bot.store.summaries import summary_of
from bot.summary.model import Summary

log = logging.getLogger("herald.delivery")

__all__ = [
    "CHANGES", "DELETE", "EDIT", "MEDIA", "SEND", "EditPolicy", "card_changes", "kept_cards", "plan_deletes", "plan_edits",
]

SEND, EDIT, MEDIA, DELETE = "send", "edit", "media", "delete"
CHANGES = (EDIT, MEDIA, DELETE)
"""The actions that change a message already sent."""
DELETE_WINDOW = 172800.0
"""Seconds deletions reach back when edits are off (Telegram lets a bot delete its messages in
groups for 48 hours)."""

_DELIVERIES = table_of(Delivery)
_T = _DELIVERIES.c
_COLUMNS = [
    "article_id", "round", "platform", "channel_id", "subscription_id", "status", "priority", "attempts",
    "due_at", "plain", "created_at", "shard", "action", "revision", "message_id",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class EditPolicy:
    """How far back changes reach: `window` seconds after a send (0 = no edits), and whether a
    deleted post deletes its messages."""

    window: float = 172800.0
    delete_removed: bool = False

    @property
    def edits(self) -> bool:
        """Whether changed posts edit their messages at all."""
        return self.window > 0

    @property
    def delete_window(self) -> float:
        """Seconds after a send during which a deleted post deletes the message."""
        return self.window if self.window > 0 else DELETE_WINDOW


def card_changes(before: Mapping[int, Summary], after: Mapping[int, Summary]) -> dict[int, bool]:
    """Return, for every article whose card changed, whether its image did (article id → bool).

    A card is a function of the summary (and the chat's language and style), so any change of
    the summary may show; an unchanged summary (a body edit below the excerpt) edits nothing."""
    changed: dict[int, bool] = {}
    for article_id, old in before.items():
        new = after.get(article_id)
        if new is not None and new != old:
            changed[article_id] = new.image != old.image
    return changed


def revision_at(now: datetime) -> int:
    """The revision a change made at `now` gets at least: milliseconds since the epoch."""
    return int(now.timestamp() * 1000)


async def _revisions(session: AsyncSession, article_ids: Sequence[int], now: datetime) -> dict[int, int]:
    """Return each article's next revision: `now` in ms, or one more than its newest one so far."""
    found = await session.execute(
        select(_T.article_id, func.max(_T.revision)).where(_T.article_id.in_(article_ids)).group_by(_T.article_id)
    )
    newest = {article_id: int(rev or 0) for article_id, rev in found.all()}
    floor = revision_at(now)
    return {article_id: max(floor, newest.get(article_id, 0) + 1) for article_id in article_ids}


def _sent_messages(article_id: int, since: datetime):
    """The article's sends that made a message still in reach: sent, with an id, not a digest."""
    return and_(
        _T.article_id == article_id,
        _T.action == SEND,
        _T.status == "sent",
        _T.round >= 0,
        _T.message_id.is_not(None),
        _T.message_id != "",
        _T.sent_at >= since,
    )


async def _plan(
    session: AsyncSession, article_id: int, *, action: str, revision: int, now: datetime, window: float
) -> int:
    """Insert one `action` row per message of the article in reach; drop the changes of older
    revisions still waiting for those messages; return rows added."""
    waiting = Delivery.__table__.alias("waiting")
    same_message = and_(
        waiting.c.article_id == _T.article_id,
        waiting.c.round == _T.round,
        waiting.c.platform == _T.platform,
        waiting.c.channel_id == _T.channel_id,
        waiting.c.status == "pending",
        waiting.c.revision < revision,
    )
    chosen: ColumnElement[str]
    if action == EDIT:  # an edit that replaces a waiting image change keeps changing the image
        media_waiting = select(waiting.c.id).where(same_message, waiting.c.action == MEDIA).exists()
        chosen = case((media_waiting, literal(MEDIA, String(8))), else_=literal(EDIT, String(8)))
    else:
        chosen = literal(action, String(8))
    source = select(
        literal(article_id, BigId), _T.round, _T.platform, _T.channel_id, _T.subscription_id, literal("pending"),
        _T.priority, literal(0), literal(now, UtcDateTime()), _T.plain, literal(now, UtcDateTime()), _T.shard,
        chosen, literal(revision, BigInteger()), _T.message_id,
    ).where(_sent_messages(article_id, now - timedelta(seconds=window)))  # fmt: skip
    result = await session.execute(
        dialect_insert(session, Delivery).from_select(_COLUMNS, source).on_conflict_do_nothing(index_elements=DELIVERY_KEY)
    )
    added = max(0, affected_rows(result) or 0)
    newer = Delivery.__table__.alias("newer")
    replaced = (
        select(newer.c.id)
        .where(
            newer.c.article_id == _T.article_id,
            newer.c.round == _T.round,
            newer.c.platform == _T.platform,
            newer.c.channel_id == _T.channel_id,
            newer.c.revision == revision,
        )
        .exists()
    )
    older = await session.execute(
        update(_DELIVERIES)
        .where(
            _T.article_id == article_id,
            _T.action.in_(CHANGES),
            _T.status == "pending",
            _T.revision < revision,
            replaced,
        )
        .values(status="dropped", error=f"replaced by revision {revision}")
    )
    dropped = max(0, affected_rows(older) or 0)
    if dropped:
        log.info("article %s: %d waiting change(s) replaced by revision %d", article_id, dropped, revision)
    return added


async def kept_cards(
    session: AsyncSession, writes: Iterable[tuple[IndexedRow | None, str]], policy: EditPolicy
) -> dict[int, Summary]:
    """The stored cards of the published articles that these writes (indexed row, new state) keep
    published: read before an index write and again after it, for `card_changes`. None are read
    when edits are off."""
    if not policy.edits:
        return {}
    ids = [
        target.id for target, state in writes
        if target is not None and target.state == ArticleState.PUBLISHED and state == ArticleState.PUBLISHED
    ]
    if not ids:
        return {}
    rows = (await session.scalars(select(ArticleRow).where(ArticleRow.id.in_(ids)))).all()
    return {row.id: summary_of(row) for row in rows}


async def plan_edits(
    session: AsyncSession, changed: Mapping[int, bool], *, now: datetime, policy: EditPolicy
) -> int:
    """Plan the edits of the messages sent for these changed articles (article id → whether its
    image changed), in the caller's transaction; return rows added (0 when edits are off)."""
    if not policy.edits:
        return 0
    actions = {article_id: MEDIA if image else EDIT for article_id, image in changed.items()}
    return await _plan_all(session, actions, now=now, window=policy.window, what="changed", verb="edit")


async def plan_deletes(
    session: AsyncSession, article_ids: Iterable[int], *, now: datetime, policy: EditPolicy
) -> int:
    """Plan the deletion of the messages sent for these removed articles, in the caller's
    transaction; return rows added (0 unless `delete_removed`)."""
    if not policy.delete_removed:
        return 0
    actions = dict.fromkeys(article_ids, DELETE)
    return await _plan_all(session, actions, now=now, window=policy.delete_window, what="deleted", verb="delete")


async def _plan_all(
    session: AsyncSession, actions: Mapping[int, str], *, now: datetime, window: float, what: str, verb: str
) -> int:
    """Plan `actions` (article id → action) at each article's next revision; return rows added."""
    if not actions:
        return 0
    revisions = await _revisions(session, sorted(actions), now)
    added = 0
    for article_id, action in sorted(actions.items()):
        count = await _plan(session, article_id, action=action, revision=revisions[article_id], now=now, window=window)
        if count:
            log.info("article %s %s: %d message(s) to %s", article_id, what, count, verb)
        added += count
    if added:
        await notify_added(session)
    return added
