"""Roles by lease on PostgreSQL (`bot.replicas`): migrations under concurrent start, one holder
per role, handing over on a clean stop or when the holder cannot renew (it gives the role up
before another takes it), what /healthz, /metrics and `herald status` show; on SQLite one
process holds every role.

The PostgreSQL tests skip when HERALD_TEST_POSTGRES_URL is unset."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.app import build
from bot.delivery.ratelimit import Rate, RateLimits
from bot.platform import PlatformSpec, RuntimeBase
from bot.replicas import SCHEDULER, Replicas, receiver
from bot.replicas.sqlite_lock import DatabaseInUse, hold_sqlite
from bot.serve import serve
from bot.settings import Settings
from bot.store.engine import create_engine, session_factory
from bot.store.migrate import alembic_config, upgrade
from tests.replicas_support import fresh_postgres
from tests.test_replicas_process import REPO, until

ROLES = (SCHEDULER, receiver("telegram"))


@pytest.fixture
async def fresh_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database (dropped afterwards)."""
    async with fresh_postgres() as url:
        yield url


class Outlet:
    name = "fake"

    def render(self, summary: Any, *, plain: bool, lang: str = "en", style: Any = None) -> list[Any]:
        return []

    async def send(self, channel_id: str, requests: list[Any]) -> str:
        return "1"

    def channel_class(self, channel_id: str) -> str:
        return "private"


class Receiver(RuntimeBase):
    """A platform that counts how many of the replicas receive it at once."""

    name = "fake"
    limits = RateLimits(overall=Rate(1000, 1.0), per_channel=Rate(1000, 1.0, burst=1000), classes=())
    receiving_now: ClassVar[set[int]] = set()
    most = 0

    def __init__(self) -> None:
        self.outlet: Any = Outlet()

    @property
    def connected(self) -> bool:
        return True

    async def run(self, stop: asyncio.Event) -> None:
        while await self.receiving.wait_held(stop):
            Receiver.receiving_now.add(id(self))
            Receiver.most = max(Receiver.most, len(Receiver.receiving_now))
            await self.receiving.wait_lost(stop)
            Receiver.receiving_now.discard(id(self))


SPEC = PlatformSpec("fake", lambda summary: [], lambda summary, blocks: [], enabled=lambda s: True,
                    create_runtime=lambda settings, services: Receiver())


async def revision(url: str) -> str:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return str((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one())
    finally:
        await engine.dispose()


async def test_replicas_starting_together_migrate_once(fresh_database: str) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    await asyncio.gather(*(upgrade(fresh_database) for _ in range(5)))
    assert await revision(fresh_database) == head
    await asyncio.gather(*(upgrade(fresh_database) for _ in range(3)))  # nothing left to do
    assert await revision(fresh_database) == head


async def coordinators(url: str, n: int, **options: Any) -> tuple[list[Replicas], Any]:
    await upgrade(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    return [Replicas(sessions, ROLES, solo=False, **options) for _ in range(n)], engine


async def test_each_role_has_one_holder_and_a_clean_stop_hands_it_over(fresh_database: str) -> None:
    replicas, engine = await coordinators(fresh_database, 3)
    stop = asyncio.Event()
    try:
        for r in replicas:
            await r.start()
        first, *others = replicas
        assert sorted(first.held) == sorted(ROLES)
        assert all(r.held == [] for r in others)
        runs = [asyncio.create_task(r.run(stop)) for r in replicas]
        await until(lambda: all(len(r.live) == 3 for r in replicas))
        assert [r.index for r in replicas] == [0, 1, 2]  # oldest first, the same order everywhere
        assert {tuple(x.id for x in r.live) for r in replicas} == {tuple(r.id for r in replicas)}

        await first.leave()  # a clean stop gives its leases up
        runs[0].cancel()
        await until(lambda: sorted(role for r in others for role in r.held) == sorted(ROLES))
        for role in ROLES:
            assert sum(r.role(role).held for r in others) == 1
        await until(lambda: all(len(r.live) == 2 for r in others))
    finally:
        stop.set()
        await engine.dispose()


async def test_a_holder_that_cannot_renew_stops_before_another_takes_over(fresh_database: str) -> None:
    options = {"lease_time": 2.0, "heartbeat": 0.2, "stop_margin": 0.8}
    (holder, other), engine = await coordinators(fresh_database, 2, **options)
    stop = asyncio.Event()
    both: list[str] = []

    async def never_both() -> None:
        while True:
            both.extend(role for role in ROLES if holder.role(role).held and other.role(role).held)
            await asyncio.sleep(0.005)

    checker = asyncio.create_task(never_both())
    cut_off: list[bool] = []
    holder.on_cut_off(cut_off.append)  # what its delivery engine is told: stop sending, then go on
    try:
        await holder.start()
        await other.start()
        assert sorted(holder.held) == sorted(ROLES)
        runs = [asyncio.create_task(r.run(stop)) for r in (holder, other)]
        # The holder is cut off from the database (a network split): its heartbeats fail.
        unreachable = create_engine("postgresql://herald@127.0.0.1:9/none")
        holder._sessions = session_factory(unreachable)
        await until(lambda: holder.held == [])
        assert cut_off == [True]
        await until(lambda: sorted(other.held) == sorted(ROLES))
        assert both == []
        holder._sessions = other._sessions  # the split heals: it renews again, as a replica without roles
        await until(lambda: cut_off == [True, False])
        assert holder.held == [] and sorted(other.held) == sorted(ROLES)
        stop.set()
        await asyncio.gather(*runs)
        await unreachable.dispose()
    finally:
        checker.cancel()
        stop.set()
        await engine.dispose()


def settings(tmp_path: Path, url: str, **values: Any) -> Settings:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    values = {"http_port": 0, "scan_interval": 3600, **values}
    return Settings(_env_file=None, content_dir=content, database_url=url, **values)  # type: ignore[arg-type]


async def test_health_metrics_and_status_show_the_replicas_and_their_roles(
    tmp_path: Path, fresh_database: str
) -> None:
    from bot.serve import replicas_of

    heralds = [await build(settings(tmp_path, fresh_database), platforms={"fake": SPEC}) for _ in range(2)]
    replicas = [replicas_of(h) for h in heralds]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(serve(h, stop, replicas=r)) for h, r in zip(heralds, replicas, strict=True)]
    try:
        await until(lambda: all(len(r.live) == 2 for r in replicas))
        leader, follower = replicas if replicas[0].held else replicas[::-1]
        assert leader.held == [SCHEDULER, receiver("fake")] and follower.held == []
        await until(lambda: Receiver.most)
        assert Receiver.most == 1
        metrics = heralds[replicas.index(leader)].metrics.render().decode()
        assert "herald_replicas_live 2.0" in metrics
        assert 'herald_leadership_changes_total{role="scheduler"} 1.0' in metrics
        assert 'herald_role_held{role="scheduler"} 1.0' in metrics

        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "bot", "status"], capture_output=True, text=True, cwd=tmp_path,
            env={"HERALD_DATABASE_URL": fresh_database, "HERALD_CONTENT_DIR": str(tmp_path / "content"),
                 "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        )
        assert done.returncode == 0, done.stderr
        out = done.stdout
        assert "replicas: 2 live" in out and leader.id in out and follower.id in out
        assert "scheduler\t" + leader.id in out and "receiver:fake\t" + leader.id in out
        assert "held " in out and "expires in" in out
        assert "outbox: 0 pending, 0 sending" in out and "queue: 0 waiting" in out
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        for h in heralds:
            await h.close()


async def test_healthz_names_this_replica_and_its_roles(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"sqlite:///{tmp_path / 'herald.db'}"
    herald = await build(settings(tmp_path, url, http_port=port), platforms={"fake": SPEC})
    stop = asyncio.Event()
    from bot.serve import replicas_of

    replicas = replicas_of(herald)
    task = asyncio.create_task(serve(herald, stop, replicas=replicas))
    try:
        async with httpx.AsyncClient() as client:
            async def answered() -> Any:
                try:
                    return (await client.get(f"http://127.0.0.1:{port}/healthz")).json()
                except httpx.TransportError:
                    return None

            body = None
            while body is None:
                body = await answered()
                await asyncio.sleep(0.05)
        assert body["status"] == "ok"
        # SQLite: one process, every role
        assert body["replica"] == {"id": replicas.id, "roles": [SCHEDULER, receiver("fake")]}
    finally:
        stop.set()
        await task
        await herald.close()


def test_sqlite_is_one_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'herald.db'}"
    lock = hold_sqlite(url)
    assert lock is not None
    with pytest.raises(DatabaseInUse, match="SQLite serves one process"):
        hold_sqlite(url)
    lock.release()
    again = hold_sqlite(url)  # free again once the first stopped
    assert again is not None
    again.release()
    assert hold_sqlite("postgresql://h@db/h") is None
