"""Migrations: an empty database migrates to exactly the models' schema, and upgrading is idempotent."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from bot.store.engine import create_engine, session_factory
from bot.store.meta import get_meta, set_meta
from bot.store.migrate import alembic_config, upgrade, upgrade_sync
from bot.store.models import Base


def head_revision() -> str | None:
    """Return the newest migration revision shipped with Herald."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def current_revision(url: str) -> str | None:
    """Return the revision the database at `url` is at, or None when it was never migrated."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
    finally:
        await engine.dispose()


async def _wipe(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await engine.dispose()


@pytest.fixture
async def empty_url(db_url: str) -> AsyncIterator[str]:
    """A database URL with no tables at all (and none left behind afterwards)."""
    await _wipe(db_url)
    yield db_url
    await _wipe(db_url)


def _schema(conn: Connection) -> dict[str, set[tuple[str, bool]]]:
    inspector = inspect(conn)
    return {
        name: {(col["name"], bool(col["nullable"])) for col in inspector.get_columns(name)}
        for name in inspector.get_table_names()
        if name != "alembic_version"
    }


def _differences(conn: Connection) -> list:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


async def test_migrating_an_empty_database_gives_the_models_schema(empty_url: str) -> None:
    await upgrade(empty_url)
    engine = create_engine(empty_url)
    try:
        async with engine.connect() as conn:
            schema = await conn.run_sync(_schema)
            differences = await conn.run_sync(_differences)
    finally:
        await engine.dispose()
    expected = {
        table.name: {(col.name, bool(col.nullable)) for col in table.columns}
        for table in Base.metadata.sorted_tables
    }
    assert schema == expected
    assert differences == []


async def test_upgrading_twice_is_a_no_op(empty_url: str) -> None:
    await upgrade(empty_url)
    engine = create_engine(empty_url)
    sessions = session_factory(engine)
    try:
        await set_meta(sessions, "marker", "kept")
        await upgrade(empty_url)
        assert await current_revision(empty_url) == head_revision()
        assert await get_meta(sessions, "marker") == "kept"
    finally:
        await engine.dispose()


def test_upgrade_sync_works_from_plain_code(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'herald.db'}"
    upgrade_sync(url)
    upgrade_sync(url)
    assert (tmp_path / "sub" / "herald.db").exists()


async def test_a_fresh_database_reports_no_revision(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'herald.db'}"
    assert await current_revision(url) is None
    await upgrade(url)
    assert await current_revision(url) == head_revision() == "0009"


async def test_a_migrated_database_keeps_category_counts_current(empty_url: str) -> None:
    from bot.store.articles import category_counts

    await upgrade(empty_url)
    engine = create_engine(empty_url)
    sessions = session_factory(engine)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO articles (id, key, path, title, date, categories, tags, summary, state, "
                "announce_pending, size, mtime_ns, digest, indexed_at) VALUES (1, 'a', 'a.md', 'A', "
                "'2026-01-01 00:00:00', '[]', '[]', '{}', 'published', false, 0, 0, '', '2026-01-01 00:00:00')"))
            await conn.execute(text("INSERT INTO article_categories (article_id, norm, name, is_tag) "
                                    "VALUES (1, 'news', 'News', false)"))
        assert await category_counts(sessions) == [("News", 1)]
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE articles SET state = 'removed' WHERE id = 1"))
        assert await category_counts(sessions) == []
    finally:
        await engine.dispose()
