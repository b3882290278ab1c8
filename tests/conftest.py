"""Shared fixtures: the corpus folder, and databases (SQLite always, PostgreSQL when
HERALD_TEST_POSTGRES_URL is set) with a fresh schema for every test."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.store.engine import create_engine, session_factory
from bot.store.models import Base

# CI and `make test` run the same examples every time (no flaky reds); HYPOTHESIS_PROFILE=explore
# searches new ones.
hypothesis_settings.register_profile("herald", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("explore", deadline=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "herald"))

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
POSTGRES_URL = os.environ.get("HERALD_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The shared corpus of real posts; skip the test when it is absent."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent")
    return CORPUS


@pytest.fixture
async def fresh_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database of its own (never migrated; dropped afterwards), for
    replicas started on it. Skips when HERALD_TEST_POSTGRES_URL is unset."""
    from tests.replicas_support import fresh_postgres

    async with fresh_postgres() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A private PostgreSQL database for this test session (created, then dropped)."""
    if not POSTGRES_URL:
        pytest.skip("HERALD_TEST_POSTGRES_URL is not set")
    import asyncio

    import asyncpg

    name = f"herald_test_{uuid.uuid4().hex[:10]}"
    base = make_url(POSTGRES_URL)
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)

    async def _admin(sql: str) -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _backends() -> list[str]:
    return ["sqlite", "postgresql"]


@pytest.fixture(params=_backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL: a temporary SQLite file, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'herald.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a fresh, empty schema (tables created from the models)."""
    eng = create_engine(db_url)
    async with eng.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    try:
        yield eng
    finally:
        async with eng.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
        await eng.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The session factory store functions take."""
    return session_factory(engine)
