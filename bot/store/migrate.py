"""Apply Alembic migrations programmatically: no alembic.ini on disk, scripts inside the package."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from bot.store.engine import create_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


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
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_connection)
    finally:
        await engine.dispose()


def upgrade_sync(url: str) -> None:
    """Run `upgrade` from synchronous code (not from inside a running event loop)."""
    asyncio.run(upgrade(url))


def _upgrade_connection(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
