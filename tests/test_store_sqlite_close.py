"""Closing a SQLite connection never waits forever: SQLAlchemy's teardown of a connection held by
a cancelled task (a graceful close, then a forced stop) must end, or shutdown hangs
(`bot.store.sqlite_close`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite
from sqlalchemy import text

from bot.store.engine import create_engine

HANG = 10.0
"""Not a speed limit: a close that has not returned by then never will."""


async def test_a_graceful_close_overtaken_by_a_forced_stop_still_returns(tmp_path: Path) -> None:
    create_engine(f"sqlite:///{tmp_path / 'x.db'}")  # installs the fix, as the app does
    connection = await aiosqlite.connect(str(tmp_path / "y.db"))
    closing = asyncio.create_task(connection.close())  # SQLAlchemy's shielded graceful close…
    await asyncio.sleep(0)
    connection.stop()  # …and its forced stop once that close is cancelled
    await asyncio.wait_for(closing, HANG)
    assert connection._connection is None  # closed for good


async def test_a_task_cancelled_mid_write_leaves_the_database_usable(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'z.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER)"))
    started = asyncio.Event()

    async def write_forever() -> None:
        async with engine.connect() as conn:
            while True:
                await conn.execute(text("INSERT INTO t VALUES (1)"))
                started.set()
                await asyncio.sleep(0)

    for _ in range(20):  # cancelled at different points of the statement, the pool tears it down
        started.clear()
        task = asyncio.create_task(write_forever())
        await started.wait()
        task.cancel()
        await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), HANG)
    async with engine.begin() as conn:  # and nothing was left holding the write lock
        await conn.execute(text("INSERT INTO t VALUES (2)"))
    await asyncio.wait_for(engine.dispose(), HANG)
