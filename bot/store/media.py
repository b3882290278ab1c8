"""Platform file ids for image URLs: a photo uploaded (or fetched) once is reused by its id.

Telegram answers every photo it accepts with a `file_id` valid for this bot; sending that id
instead of the URL skips the fetch or the upload, so a broadcast costs one upload per image.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.models import MediaCache

Sessions = async_sessionmaker[AsyncSession]

_URL_MAX = 2048
"""The `url` column's length: longer URLs are simply not cached."""


async def get_file_id(sessions: Sessions, platform: str, url: str) -> str | None:
    """Return the file id stored for this image URL on `platform`, if any."""
    if len(url) > _URL_MAX:
        return None
    async with sessions() as session:
        return await session.scalar(
            select(MediaCache.file_id).where(MediaCache.platform == platform, MediaCache.url == url)
        )


async def put_file_id(sessions: Sessions, platform: str, url: str, file_id: str, now: datetime) -> None:
    """Store (or replace) the file id of this image URL on `platform`."""
    if len(url) > _URL_MAX:
        return
    try:
        async with sessions.begin() as session:
            row = await session.get(MediaCache, (platform, url))
            if row is None:
                session.add(MediaCache(platform=platform, url=url, file_id=file_id, created_at=now))
            else:
                row.file_id, row.created_at = file_id, now
    except IntegrityError:  # another worker stored one at the same moment: either id is good
        return


async def forget_file_id(sessions: Sessions, platform: str, url: str) -> None:
    """Drop the file id of this image URL (the platform no longer accepts it)."""
    async with sessions.begin() as session:
        await session.execute(delete(MediaCache).where(MediaCache.platform == platform, MediaCache.url == url))
