"""`herald status`: the replicas and their roles, lease ages, the outbox's depth and the queue,
read from the database (any replica's host, or an admin's shell, sees the same)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.replicas.coordinator import LEASE_TIME
from bot.replicas.leases import current_leases, database_now, live_replicas
from bot.schedule.when import format_when
from bot.settings import Settings
from bot.store import queue
from bot.store.engine import create_engine, session_factory
from bot.store.migrate import upgrade
from bot.store.models import Delivery

SHOWN_ITEMS = 10
"""Queue items listed (the soonest); the count covers all of them."""
OUTBOX_WAITING = ("pending", "sending")


def seconds(span: float) -> str:
    """A duration the way an operator reads it: `4.2 s`, `3 min 5 s`, `2 h 10 min`."""
    if span < 60:
        return f"{span:.1f} s"
    minutes, secs = divmod(int(span), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


async def status_lines(settings: Settings) -> list[str]:
    """Everything `herald status` prints, one line each."""
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        sessions = session_factory(engine)
        lines = await _replica_lines(sessions) if engine.dialect.name == "postgresql" else [
            "replicas: one process (SQLite holds every role; run replicas on PostgreSQL)"
        ]
        return lines + await _outbox_lines(sessions) + await _queue_lines(sessions, settings)
    finally:
        await engine.dispose()


async def _replica_lines(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        now = await database_now(session)
        replicas = await live_replicas(session, LEASE_TIME)
        leases = await current_leases(session)
    held: dict[str, list[str]] = {}
    for lease in leases:
        if lease.expires_at > now:
            held.setdefault(lease.holder, []).append(lease.role)
    lines = [f"replicas: {len(replicas)} live"]
    for replica in replicas:
        roles = ", ".join(held.get(replica.id, [])) or "sends only"
        lines.append(
            f"  {replica.id}\thost {replica.host}\tpid {replica.pid}\tup {seconds(_age(now, replica.started_at))}"
            f"\theartbeat {seconds(_age(now, replica.heartbeat_at))} ago\t{roles}"
        )
    lines.append("roles:" if leases else "roles: none held yet")
    for lease in leases:
        if lease.expires_at > now:
            lines.append(f"  {lease.role}\t{lease.holder}\theld {seconds(_age(now, lease.acquired_at))}"
                         f"\texpires in {seconds(_age(lease.expires_at, now))}")
        else:
            lines.append(f"  {lease.role}\tfree (last {lease.holder}, expired {seconds(_age(now, lease.expires_at))} ago)")
    return lines


async def _outbox_lines(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    query = (
        select(Delivery.status, func.count())
        .where(Delivery.status.in_(OUTBOX_WAITING))
        .group_by(Delivery.status)
    )
    async with sessions() as session:
        counts = {status: int(n) for status, n in (await session.execute(query)).all()}
    return [f"outbox: {counts.get('pending', 0)} pending, {counts.get('sending', 0)} sending"]


async def _queue_lines(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> list[str]:
    rows = await queue.waiting(sessions)
    lines = [f"queue: {len(rows)} waiting"]
    for item, title in rows[:SHOWN_ITEMS]:
        target = f"\t→ {item.target}" if item.target else ""
        lines.append(f"  #{item.id}\t{format_when(item.due_at, settings.zone)}\tarticle #{item.article_id}\t{title}{target}")
    if len(rows) > SHOWN_ITEMS:
        lines.append(f"  … and {len(rows) - SHOWN_ITEMS} more (herald queue list)")
    return lines


def _age(now: datetime, then: datetime) -> float:
    return max(0.0, (now - then).total_seconds())
