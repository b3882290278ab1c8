"""`herald run` started while PostgreSQL is unreachable waits for it instead of exiting."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

import aiohttp
from db_proxy import DatabaseProxy
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.serve import main_async
from bot.settings import Settings
from bot.store.engine import create_engine
from bot.store.models import Base

PASSWORD = "pw-never-logged-42"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _wipe(url: str) -> None:
    """Leave the session's shared database empty, migrations included (`herald run` migrates)."""
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await engine.dispose()


async def test_run_waits_for_an_unreachable_database_and_then_starts(postgres_url, tmp_path: Path, caplog) -> None:
    await _wipe(postgres_url)
    url = make_url(postgres_url)
    proxy = DatabaseProxy(url.port or 5432, url.host or "127.0.0.1")
    await proxy.start(listen=False)  # the database server is not up yet
    through_proxy = url.set(host="127.0.0.1", port=proxy.port, password=PASSWORD)
    port = _free_port()
    content = tmp_path / "content"
    content.mkdir()
    settings = Settings(
        _env_file=None, content_dir=content, http_port=port, scan_interval=3600,
        database_url=through_proxy.render_as_string(hide_password=False),
    )  # fmt: skip
    caplog.set_level(logging.WARNING, logger="herald.app")
    running = asyncio.create_task(main_async(settings, platforms={}))
    try:
        await asyncio.sleep(3.5)
        assert not running.done(), "herald run gave up on a database that was not up yet"
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as answer:
            assert answer.status == 503
            assert "database" in await answer.text()
        await proxy.listen()  # the database comes up
        assert await asyncio.wait_for(running, 30) == 0
    finally:
        running.cancel()
        await proxy.stop()
        await _wipe(postgres_url)
    tries = [r for r in caplog.records if r.levelno == logging.WARNING and "unreachable" in r.getMessage()]
    assert len(tries) >= 2  # tried, waited, tried again
    assert all(PASSWORD not in r.getMessage() for r in caplog.records)
    assert "connection refused" in tries[0].getMessage()
