"""Apply Alembic migrations programmatically: no alembic.ini on disk, scripts inside the package.

On PostgreSQL the upgrade runs under a session advisory lock (`MIGRATION_LOCK`), so replicas
started at the same moment migrate once: the first takes the lock and migrates, the others wait
for it, then find nothing left to do. SQLite is one process (`bot.replicas.sqlite_lock`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.engine import create_engine, session_factory

T = TypeVar("T")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x48455241_4C44_0001 & 0x7FFF_FFFF_FFFF_FFFF
"""The advisory lock key (a bigint) held while migrating a PostgreSQL database ("HERALD", 1)."""


def alembic_config(url: str | None = None) -> Config:
    """Build the Alembic configuration in code, pointing at the packaged migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        # ConfigParser interpolation: a literal % in a password must be doubled.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(url: str) -> None:
    """Bring the database at `url` up to the newest schema (a no-op when it is current)."""
    engine = create_engine(url)
    try:
        if engine.dialect.name != "postgresql":
            async with engine.begin() as connection:
                await connection.run_sync(_upgrade_connection)
            return
        async with engine.connect() as connection:
            # A session lock: it outlives the transactions below and ends with the connection
            # at the latest (a replica killed while migrating releases it).
            await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            await connection.commit()
            try:
                await connection.run_sync(_upgrade_connection)
                await connection.commit()
            finally:
                await connection.rollback()
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                await connection.commit()
    finally:
        await engine.dispose()


def upgrade_sync(url: str) -> None:
    """Run `upgrade` from synchronous code (not from inside a running event loop)."""
    asyncio.run(upgrade(url))


def _upgrade_connection(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def with_store(url: str, work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
    """Bring the database at `url` up to date, run `work` with its sessions, then release it (the
    shell's commands: `herald queue`, `herald source`)."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        return await work(session_factory(engine))
    finally:
        await engine.dispose()
