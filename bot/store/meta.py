"""Small key/value facts about the database (`meta` table), such as whether the first index ran."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.models import Meta

INITIAL_INDEX_DONE = "initial_index_done"
"""Set once the first full scan recorded what was already in the content folder."""


async def get_meta(sessions: async_sessionmaker[AsyncSession], key: str) -> str | None:
    """Return the value stored under `key`, or None."""
    async with sessions() as session:
        row = await session.get(Meta, key)
        return None if row is None else row.value


async def set_meta(sessions: async_sessionmaker[AsyncSession], key: str, value: str) -> None:
    """Store `value` under `key`, replacing any previous value."""
    async with sessions.begin() as session:
        await set_meta_in(session, key, value)


async def set_meta_in(session: AsyncSession, key: str, value: str) -> None:
    """Store `value` under `key` inside an open transaction."""
    row = await session.get(Meta, key)
    if row is None:
        session.add(Meta(key=key, value=value))
    else:
        row.value = value
