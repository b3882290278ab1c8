"""A fresh PostgreSQL database per test, for the replica tests (they need a database never migrated)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get("HERALD_TEST_POSTGRES_URL")


@asynccontextmanager
async def fresh_postgres() -> AsyncIterator[str]:
    """Create a new, empty database beside HERALD_TEST_POSTGRES_URL's; drop it afterwards.
    Skips the test when that variable is unset."""
    if not POSTGRES_URL:
        pytest.skip("HERALD_TEST_POSTGRES_URL is not set")
    import asyncpg

    name = f"herald_replicas_{uuid.uuid4().hex[:10]}"
    base = make_url(POSTGRES_URL)
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
