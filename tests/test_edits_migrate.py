"""Migration 0007: outbox rows already there become sends of revision 0 (still unique per article,
round and target), edits and deletions of one message can be added per revision, and the
downgrade removes them. SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.store.engine import create_engine
from bot.store.migrate import alembic_config
from tests.test_store_migrate import empty_url

__all__ = ["empty_url"]  # the fixture, used by name

_ARTICLE = (
    "INSERT INTO articles (id, key, path, title, date, categories, tags, summary, state, announce_pending, size, "
    "mtime_ns, digest, indexed_at) VALUES (1, 'a', 'a.md', 'A', '2026-01-01 00:00:00+00', '[]', '[]', '{}', "
    "'published', false, 0, 0, '', '2026-01-01 00:00:00+00')"
)
_ROW = (
    "INSERT INTO deliveries (article_id, round, platform, channel_id, status, priority, attempts, due_at, plain, "
    "created_at, message_id{extra}) VALUES (1, 0, 'telegram', '5', 'sent', 0, 0, '2026-01-01 00:00:00+00', false, "
    "'2026-01-01 00:00:00+00', '77'{values})"
)


def _move(step, revision: str):
    """Run an alembic command (`command.upgrade` or `command.downgrade`) on a connection."""

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        step(config, revision)

    return run


async def test_existing_rows_become_sends_and_edits_fit_beside_them(empty_url: str) -> None:
    engine = create_engine(empty_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_move(command.upgrade, "0006"))
        async with engine.begin() as conn:
            await conn.execute(text(_ARTICLE))
            await conn.execute(text(_ROW.format(extra="", values="")))
        async with engine.begin() as conn:
            await conn.run_sync(_move(command.upgrade, "head"))
        async with engine.begin() as conn:
            rows = (await conn.execute(text("SELECT action, revision FROM deliveries"))).all()
            assert [tuple(r) for r in rows] == [("send", 0)]
            for revision in (1, 2):
                await conn.execute(text(_ROW.format(extra=", action, revision", values=f", 'edit', {revision}")))
        with pytest.raises(IntegrityError):  # a send is still unique per article, round and target
            async with engine.begin() as conn:
                await conn.execute(text(_ROW.format(extra="", values="")))
        async with engine.begin() as conn:
            await conn.run_sync(_move(command.downgrade, "0006"))
        async with engine.begin() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM deliveries"))).scalar() == 1
    finally:
        await engine.dispose()
