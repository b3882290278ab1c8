"""The replica registry and role leases in PostgreSQL, timed by the database's clock (`now()`).

A replica registers a row in `replicas` and renews its `heartbeat_at` every heartbeat; it is
live while that is younger than the lease time. Each role is one row in `leases`: a replica
takes it when nobody holds it or its holder's lease expired (one `INSERT … ON CONFLICT DO
UPDATE … WHERE`), and renews it while it holds it. No replica's own clock is ever compared with
another's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.models import LeaseRow, ReplicaRow

FORGET_AFTER = 60.0
"""Seconds after its last heartbeat a replica's row is deleted (it is not live long before)."""
MAX_ROLES = 64
"""At most this many roles are renewed in one heartbeat (one per platform, plus the scheduler)."""

_TAKE = text(
    """
    INSERT INTO leases (role, holder, acquired_at, expires_at)
    VALUES (:role, :holder, now(), now() + make_interval(secs => :ttl))
    ON CONFLICT (role) DO UPDATE SET
        holder = EXCLUDED.holder,
        expires_at = EXCLUDED.expires_at,
        acquired_at = CASE WHEN leases.holder = EXCLUDED.holder
                           THEN leases.acquired_at ELSE EXCLUDED.acquired_at END
    WHERE leases.holder = EXCLUDED.holder OR leases.expires_at < now()
    RETURNING role
    """
)

_BEAT = text(
    """
    INSERT INTO replicas (id, host, pid, started_at, heartbeat_at)
    VALUES (:id, :host, :pid, now(), now())
    ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()
    """
)


@dataclass(frozen=True, slots=True)
class Replica:
    """One running `herald run`, as the registry knows it."""

    id: str
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime


@dataclass(frozen=True, slots=True)
class Lease:
    """Who holds a role since when and until when (the database's clock)."""

    role: str
    holder: str
    acquired_at: datetime
    expires_at: datetime


async def beat(
    sessions: async_sessionmaker[AsyncSession], replica_id: str, host: str, pid: int,
    roles: Iterable[str], ttl: float,
) -> set[str]:
    """Renew this replica's heartbeat and take or renew each of `roles` it can, in one
    transaction; return the roles it holds now (until about `ttl` seconds from the database's now)."""
    held: set[str] = set()
    async with sessions.begin() as session:
        await session.execute(_BEAT, {"id": replica_id, "host": host[:255], "pid": pid})
        for role in list(roles)[:MAX_ROLES]:
            row = (await session.execute(_TAKE, {"role": role, "holder": replica_id, "ttl": ttl})).first()
            if row is not None:
                held.add(role)
        await session.execute(
            delete(ReplicaRow).where(
                ReplicaRow.heartbeat_at < text("now() - make_interval(secs => :forget)")
            ), {"forget": FORGET_AFTER},
        )
    return held


async def leave(sessions: async_sessionmaker[AsyncSession], replica_id: str) -> None:
    """Give up every lease of this replica and remove it from the registry (a clean stop), so
    another replica takes its roles at its next heartbeat instead of after the lease time."""
    async with sessions.begin() as session:
        await session.execute(delete(LeaseRow).where(LeaseRow.holder == replica_id))
        await session.execute(delete(ReplicaRow).where(ReplicaRow.id == replica_id))


async def live_replicas(session: AsyncSession, ttl: float) -> list[Replica]:
    """The replicas whose last heartbeat is younger than `ttl` seconds, oldest first (a stable
    order: a replica keeps its place while it lives, newcomers join at the end)."""
    rows = await session.execute(
        select(ReplicaRow)
        .where(ReplicaRow.heartbeat_at >= text("now() - make_interval(secs => :ttl)"))
        .order_by(ReplicaRow.started_at, ReplicaRow.id)
        .limit(1000),
        {"ttl": ttl},
    )
    return [Replica(r.id, r.host, r.pid, r.started_at, r.heartbeat_at) for r in rows.scalars()]


async def current_leases(session: AsyncSession) -> list[Lease]:
    """Every role's lease, expired or not, by role."""
    rows = await session.execute(select(LeaseRow).order_by(LeaseRow.role).limit(MAX_ROLES))
    return [Lease(r.role, r.holder, r.acquired_at, r.expires_at) for r in rows.scalars()]


async def database_now(session: AsyncSession) -> datetime:
    """The database's clock (what lease ages are measured against)."""
    value = (await session.execute(text("SELECT now()"))).scalar_one()
    assert isinstance(value, datetime)
    return value
