"""The outbox table as the delivery workers use it: claim due rows under a lease, record what
happened to each, stop or move a target, and count deliveries.

Every write about a claimed row checks that the row is still `sending` under this worker, so a
worker whose lease ran out (and whose row another worker took over) cannot overwrite it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Update, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from bot.cardstyle import DEFAULT_STYLE, CardStyle
from bot.delivery.shards import WHOLE, Partition
from bot.store.models import Delivery, ReplicaRow, Subscription, affected_rows, table_of
from bot.store.subscriptions import move_subscription, style_from

log = logging.getLogger("herald.delivery")

_DELIVERIES = table_of(Delivery)
_T = _DELIVERIES.c


@dataclass(frozen=True, slots=True)
class Claimed:
    """One outbox row this worker holds a lease on."""

    id: int
    article_id: int
    platform: str
    channel_id: str
    subscription_id: int | None
    attempts: int
    plain: bool
    priority: int
    lang: str | None = None
    """The subscribing chat's language tag (None for configured channels and unknown)."""
    round: int = 0
    """0 = the article's publication, > 0 an admin broadcast (queue item id), < 0 the digest
    `-round` (`bot.store.models.DigestRow`)."""
    style: CardStyle = DEFAULT_STYLE
    """How the subscribing chat wants its cards (`/settings`)."""
    action: str = "send"
    """'send', 'edit' ('media': an edit whose image changed) or 'delete' (`bot.delivery.edits`)."""
    message_id: str | None = None
    """For an edit or a deletion: the message the send made."""
    revision: int = 0
    """For an edit or a deletion: which change of the article it carries (it grows)."""


@dataclass(frozen=True, slots=True)
class SentRecord:
    """A successful send, written in batches."""

    id: int
    message_id: str
    sent_at: datetime


def _due(now: datetime, dead_after: float | None = None) -> ColumnElement[bool]:
    """Rows to send now: pending and due, or left `sending` by a worker whose lease expired, or
    (with `dead_after`) by a replica whose heartbeat is older than that many seconds by the
    database's clock: a replica killed outright gives its rows up with its roles."""
    due = [
        and_(_T.status == "pending", _T.due_at <= now),
        and_(_T.status == "sending", _T.lease_until < now),
    ]
    if dead_after is not None:
        dead = select(ReplicaRow.id).where(ReplicaRow.heartbeat_at < func.now() - timedelta(seconds=dead_after))
        due.append(and_(_T.status == "sending", _T.worker.in_(dead)))
    return or_(*due)


async def claim(
    sessions: async_sessionmaker[AsyncSession],
    *,
    platforms: Collection[str],
    worker: str,
    now: datetime,
    lease_until: datetime,
    limit: int,
    exclude: Collection[int] = (),
    partition: Partition = WHOLE,
    dead_after: float | None = None,
) -> list[Claimed]:
    """Lease up to `limit` due rows to this worker, highest priority and oldest first.

    `dead_after` (replicas on PostgreSQL) lets rows held by a dead replica be taken before their
    lease runs out. `partition` is this replica's part of the targets (`bot.delivery.shards`): others' rows are
    left to them. `exclude` names rows this worker still holds in memory (being sent, or sent with the outcome
    not yet written): even when their lease ran out they are never claimed again here.

    PostgreSQL locks the chosen rows with FOR UPDATE SKIP LOCKED, so concurrent workers pick
    disjoint rows; SQLite ignores that clause and serialises the single UPDATE instead.
    """
    if limit <= 0 or not platforms:
        return []
    where = [_due(now, dead_after), _T.platform.in_(list(platforms)), partition.where(_T.shard)]
    if exclude:
        where.append(_T.id.notin_(list(exclude)))
    chosen = (
        select(_T.id)
        .where(*where)
        .order_by(_T.priority.desc(), _T.due_at, _T.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(_DELIVERIES)
        .where(_T.id.in_(chosen))
        .values(status="sending", worker=worker, lease_until=lease_until)
        .returning(
            _T.id, _T.article_id, _T.platform, _T.channel_id, _T.subscription_id,
            _T.attempts, _T.plain, _T.priority, _T.round, _T.action, _T.message_id,
            _T.revision,
        )
    )
    async with sessions.begin() as session:
        rows = (await session.execute(statement)).all()
        subscriptions = {row.subscription_id for row in rows if row.subscription_id is not None}
        options: dict[int, tuple[str | None, CardStyle]] = {}
        if subscriptions:
            found = await session.execute(
                select(
                    Subscription.id, Subscription.lang, Subscription.silent, Subscription.link_preview,
                    Subscription.thumbnail, Subscription.length,
                ).where(Subscription.id.in_(subscriptions))
            )  # fmt: skip
            options = {
                sub_id: (lang, style_from(silent, preview, thumbnail, length))
                for sub_id, lang, silent, preview, thumbnail, length in found.all()
            }
    claimed = []
    for row in rows:
        lang, style = options.get(row.subscription_id or 0, (None, DEFAULT_STYLE))
        claimed.append(
            Claimed(
                row.id, row.article_id, row.platform, row.channel_id, row.subscription_id, row.attempts,
                row.plain, row.priority, lang=lang, round=row.round, style=style, action=row.action,
                message_id=row.message_id, revision=row.revision,
            )
        )
    claimed.sort(key=lambda c: (-c.priority, c.id))
    return claimed


async def next_due(
    sessions: async_sessionmaker[AsyncSession], *, platforms: Collection[str], partition: Partition = WHOLE
) -> datetime | None:
    """Return when the next row of this partition becomes due (a retry, a deferral or an
    expiring lease)."""
    mine = (Delivery.platform.in_(list(platforms)), partition.where(_T.shard))
    async with sessions() as session:
        pending = await session.scalar(select(func.min(Delivery.due_at)).where(Delivery.status == "pending", *mine))
        leased = await session.scalar(
            select(func.min(Delivery.lease_until)).where(Delivery.status == "sending", *mine)
        )
    times = [t for t in (pending, leased) if t is not None]
    return min(times) if times else None


def _mark_sent(worker: str) -> Update:
    return (
        update(_DELIVERIES)
        .where(_T.id == bindparam("b_id"), _T.status == "sending", _T.worker == worker)
        .values(
            status="sent",
            message_id=bindparam("b_message"),
            sent_at=bindparam("b_at"),
            lease_until=None,
            error=None,
        )
    )


def _sent_params(records: Sequence[SentRecord]) -> list[dict[str, object]]:
    return [{"b_id": r.id, "b_message": r.message_id, "b_at": r.sent_at} for r in records]


async def mark_sent(
    sessions: async_sessionmaker[AsyncSession], records: Sequence[SentRecord], *, worker: str
) -> None:
    """Record successful sends in one transaction."""
    if not records:
        return
    async with sessions.begin() as session:
        connection = await session.connection()
        await connection.execute(_mark_sent(worker), _sent_params(records))


class SentWriter:
    """Records successful sends, one transaction per batch, on a connection of its own kept open
    between batches: a write is then one statement and a commit, at half the CPU of taking a
    session from the pool each time (it matters when sends are written one by one). A failed
    write closes the connection; the next one opens another."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, worker: str) -> None:
        self._sessions = sessions
        bind = sessions.kw.get("bind")
        self._engine: AsyncEngine | None = bind if isinstance(bind, AsyncEngine) else None
        self._statement = _mark_sent(worker)
        self._worker = worker
        self._connection: AsyncConnection | None = None

    async def write(self, records: Sequence[SentRecord]) -> None:
        """Record these sends in one transaction."""
        if not records:
            return
        if self._engine is None:
            await mark_sent(self._sessions, records, worker=self._worker)
            return
        if self._connection is None:
            self._connection = await self._engine.connect()
        try:
            await self._connection.execute(self._statement, _sent_params(records))
            await self._connection.commit()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Close the connection (rolling back a write cut short)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await asyncio.shield(connection.close())
            except Exception as exc:  # noqa: BLE001 - it is gone either way
                log.debug("closing the outcome writer's connection failed (%s)", type(exc).__name__)


async def extend_leases(
    sessions: async_sessionmaker[AsyncSession], ids: Collection[int], *, worker: str, until: datetime
) -> None:
    """Push the lease of rows this worker still holds to `until`, so no other worker takes over
    a row whose send is in flight or whose outcome is not written yet."""
    if not ids:
        return
    async with sessions.begin() as session:
        await session.execute(
            update(_DELIVERIES)
            .where(_T.id.in_(list(ids)), _T.status == "sending", _T.worker == worker)
            .values(lease_until=until)
        )


async def reschedule(
    sessions: async_sessionmaker[AsyncSession],
    claimed: Claimed,
    *,
    worker: str,
    due_at: datetime,
    attempts: int,
    plain: bool | None = None,
    error: str | None = None,
) -> None:
    """Put a claimed row back to pending, due at `due_at`."""
    values: dict[str, object] = {
        "status": "pending", "due_at": due_at, "attempts": attempts,
        "lease_until": None, "worker": None, "error": error,
    }  # fmt: skip
    if plain is not None:
        values["plain"] = plain
    async with sessions.begin() as session:
        await session.execute(_mine(claimed.id, worker).values(**values))


async def release(
    sessions: async_sessionmaker[AsyncSession], claimed: Sequence[Claimed], *, worker: str
) -> None:
    """Give leased rows back untouched (a clean stop), so another worker may take them now."""
    if not claimed:
        return
    async with sessions.begin() as session:
        await session.execute(
            update(_DELIVERIES)
            .where(_T.id.in_([c.id for c in claimed]), _T.status == "sending", _T.worker == worker)
            .values(status="pending", lease_until=None, worker=None)
        )


async def fail(
    sessions: async_sessionmaker[AsyncSession],
    claimed: Claimed,
    *,
    worker: str,
    error: str,
    attempts: int,
) -> None:
    """Give up on a claimed row for good."""
    async with sessions.begin() as session:
        await session.execute(
            _mine(claimed.id, worker).values(
                status="failed", error=error, attempts=attempts, lease_until=None
            )
        )


async def drop(
    sessions: async_sessionmaker[AsyncSession], claimed: Claimed, *, worker: str, reason: str
) -> None:
    """Give up on a claimed edit or deletion quietly: the platform will not change that message
    any more (too old, deleted by someone). 'dropped' is neither sent nor failed."""
    async with sessions.begin() as session:
        await session.execute(
            _mine(claimed.id, worker).values(status="dropped", error=reason, lease_until=None)
        )


def _mine(delivery_id: int, worker: str):
    return update(_DELIVERIES).where(
        _T.id == delivery_id, _T.status == "sending", _T.worker == worker
    )


def _open_rows(platform: str, channel_id: str, now: datetime, worker: str):
    """Rows still to send to a target: pending, abandoned by a crashed worker, or leased to us."""
    return and_(
        _T.platform == platform,
        _T.channel_id == channel_id,
        or_(
            _T.status == "pending",
            and_(_T.status == "sending", or_(_T.lease_until < now, _T.worker == worker)),
        ),
    )


async def retire_target(
    sessions: async_sessionmaker[AsyncSession],
    platform: str,
    channel_id: str,
    *,
    reason: str,
    now: datetime,
    worker: str = "",
) -> int:
    """Stop sending to a target: deactivate its subscription and fail every open row for it
    (including the rows this worker holds); return how many rows failed."""
    async with sessions.begin() as session:
        await session.execute(
            update(Subscription)
            .where(Subscription.platform == platform, Subscription.channel_id == channel_id)
            .values(active=False, reason=reason, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        result = await session.execute(
            update(_DELIVERIES)
            .where(_open_rows(platform, channel_id, now, worker))
            .values(status="failed", error=reason, lease_until=None)
        )
        return max(0, affected_rows(result) or 0)


async def move_target(
    sessions: async_sessionmaker[AsyncSession],
    platform: str,
    old_id: str,
    new_id: str,
    *,
    now: datetime,
    claimed: Claimed | None = None,
    worker: str = "",
) -> None:
    """Move a target to its new channel id: its subscription (merged into an existing one for
    the new id) and its open rows (this worker's included), which become due at once there."""
    async with sessions.begin() as session:
        await move_subscription(session, platform, old_id, new_id, now)
        if claimed is not None:
            # A move counts as an attempt, so a channel that keeps moving cannot loop forever.
            await session.execute(
                _mine(claimed.id, worker).values(attempts=claimed.attempts + 1)
            )
        other = Delivery.__table__.alias("other")
        already_there = (
            select(other.c.id)
            .where(
                other.c.article_id == _T.article_id,
                other.c.round == _T.round,
                other.c.platform == platform,
                other.c.channel_id == new_id,
                other.c.action == _T.action,
                other.c.revision == _T.revision,
            )
            .exists()
        )
        open_rows = _open_rows(platform, old_id, now, worker)
        await session.execute(
            update(_DELIVERIES)
            .where(open_rows, ~already_there)
            .values(channel_id=new_id, status="pending", due_at=now, lease_until=None, worker=None)
        )
        await session.execute(
            update(_DELIVERIES)
            .where(open_rows)
            .values(status="failed", error=f"moved to {new_id}, which already has it", lease_until=None)
        )
