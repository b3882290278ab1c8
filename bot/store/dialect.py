"""Statements whose SQL differs between SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["dialect_insert"]


def dialect_insert(session: AsyncSession, table: type) -> postgresql.Insert | sqlite.Insert:
    """Return an INSERT for the session's database that supports ON CONFLICT."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"the outbox needs SQLite or PostgreSQL, not {name}")
