"""Digests in the database: what waits for a chat's next digest, and one digest's content."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.digests import Digest


async def load_digest(sessions: async_sessionmaker[AsyncSession], digest_id: int) -> Digest | None:
    """Return what digest `digest_id` lists, or None when it is gone."""
    raise NotImplementedError("digests are being written")
