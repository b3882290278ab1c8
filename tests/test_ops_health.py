"""The health server: /healthz follows the database (SQLite and PostgreSQL), /metrics serves counters."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.health import (
    HealthServer,
    HealthStatus,
    database_and_platforms_check,
    database_check,
    wants_health_server,
)
from bot.metrics import Metrics
from bot.store.engine import async_url, create_engine, session_factory

Check = Callable[[], Awaitable[HealthStatus]]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        yield session


async def _serve(check: Check, metrics: Metrics | None = None) -> HealthServer:
    server = HealthServer(0, host="127.0.0.1", check=check, metrics=metrics or Metrics())
    await server.start()
    return server


async def _healthz(http: aiohttp.ClientSession, server: HealthServer) -> tuple[int, dict]:
    async with http.get(f"http://127.0.0.1:{server.bound_port}/healthz") as response:
        return response.status, await response.json()


async def test_healthz_follows_a_sqlite_database_going_away_and_back(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    # NullPool: every probe opens the file afresh, as a restarted process would.
    engine = create_async_engine(async_url(f"sqlite:///{folder / 'herald.db'}"), poolclass=NullPool)
    server = await _serve(database_and_platforms_check(session_factory(engine), lambda: {"console": True}))
    try:
        status, body = await _healthz(http, server)
        assert (status, body) == (200, {"status": "ok", "checks": {"database": "ok", "console": "connected"}})

        shutil.rmtree(folder)
        status, body = await _healthz(http, server)
        assert status == 503
        assert body["status"] == "unavailable"
        assert body["reason"].startswith("database: ")
        assert body["checks"]["console"] == "connected"

        folder.mkdir()
        status, body = await _healthz(http, server)
        assert status == 200 and body["status"] == "ok"
    finally:
        await server.stop()
        await engine.dispose()


async def _admin(sql: str, *args: object) -> None:
    dsn = make_url(os.environ["HERALD_TEST_POSTGRES_URL"]).set(drivername="postgresql")
    conn = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


async def test_healthz_follows_postgresql_refusing_connections_and_back(
    postgres_url: str, http: aiohttp.ClientSession
) -> None:
    name = make_url(postgres_url).database
    engine = create_engine(postgres_url)
    server = await _serve(database_and_platforms_check(session_factory(engine)))
    try:
        assert (await _healthz(http, server))[0] == 200

        await _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await _admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        status, body = await _healthz(http, server)
        assert status == 503
        assert body["reason"].startswith("database: ")
        assert body["checks"]["database"] != "ok"

        await _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        status, body = await _healthz(http, server)
        assert (status, body["status"]) == (200, "ok")
    finally:
        await _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await server.stop()
        await engine.dispose()


async def test_database_check_reports_an_unreachable_server_without_raising() -> None:
    # Port 1 on localhost: nothing listens there, the connection is refused at once.
    engine = create_engine("postgresql://herald:s3cretpw@127.0.0.1:1/herald")
    try:
        ok, detail = await database_check(session_factory(engine))
    finally:
        await engine.dispose()
    assert not ok
    assert detail and "s3cretpw" not in detail


async def test_a_check_that_raises_is_reported_as_unavailable(http: aiohttp.ClientSession) -> None:
    async def broken() -> HealthStatus:
        raise RuntimeError("store not built yet")

    server = await _serve(broken)
    try:
        status, body = await _healthz(http, server)
    finally:
        await server.stop()
    assert status == 503
    assert "store not built yet" in body["reason"]


async def test_metrics_endpoint_shows_counters_moving(http: aiohttp.ClientSession) -> None:
    metrics = Metrics()

    async def healthy() -> HealthStatus:
        return HealthStatus(ok=True)

    server = await _serve(healthy, metrics)
    url = f"http://127.0.0.1:{server.bound_port}/metrics"
    line = 'herald_deliveries_total{outcome="sent",platform="telegram"}'
    try:
        async with http.get(url) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST
            assert line not in await response.text()
        metrics.delivery("telegram", "sent", 0.1)
        async with http.get(url) as response:
            text = await response.text()
    finally:
        await server.stop()
    assert f"{line} 1.0" in text
    assert 'herald_send_latency_seconds_count{platform="telegram"} 1.0' in text


async def test_stopping_releases_the_port_for_a_new_server(http: aiohttp.ClientSession) -> None:
    async def healthy() -> HealthStatus:
        return HealthStatus(ok=True, checks={"database": "ok"})

    first = await _serve(healthy)
    port = first.bound_port
    await first.stop()
    second = HealthServer(port, host="127.0.0.1", check=healthy, metrics=Metrics())
    await second.start()
    try:
        assert second.bound_port == port
        assert await _healthz(http, second) == (200, {"status": "ok", "checks": {"database": "ok"}})
    finally:
        await second.stop()


def test_port_zero_in_settings_means_no_server() -> None:
    assert not wants_health_server(0)
    assert wants_health_server(8080)


def test_status_combines_named_results() -> None:
    status = HealthStatus.from_checks({"database": (False, "timeout"), "content": (True, "ok")})
    assert not status.ok
    assert status.reason == "database: timeout"
    assert status.checks == {"database": "timeout", "content": "ok"}


async def test_healthz_is_503_while_a_platform_is_disconnected(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'herald.db'}")
    states = {"telegram": False, "discord": True}
    server = await _serve(database_and_platforms_check(session_factory(engine), lambda: dict(states)))
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{server.bound_port}/healthz") as resp:
                body = await resp.json()
                assert resp.status == 503
                assert "telegram: disconnected" in body["reason"]
            states["telegram"] = True
            async with http.get(f"http://127.0.0.1:{server.bound_port}/healthz") as resp:
                assert resp.status == 200
    finally:
        await server.stop()
        await engine.dispose()
