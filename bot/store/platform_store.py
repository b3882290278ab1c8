"""The storage a platform adapter owns, and nothing more: its media cache (image URL → the
platform's file id) and small facts of its own (the slash-command fingerprint). Adapters get a
`PlatformStore` for their platform from `Services.store`, never database sessions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store import media, meta


class PlatformStore:
    """One platform's own rows: every key is scoped to `platform`."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], platform: str, now: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._platform = platform
        self._now = now

    async def file_id(self, url: str) -> str | None:
        """Return the platform's file id stored for this image URL, if any."""
        return await media.get_file_id(self._sessions, self._platform, url)

    async def remember_file_id(self, url: str, file_id: str) -> None:
        """Store (or replace) the file id of this image URL."""
        await media.put_file_id(self._sessions, self._platform, url, file_id, self._now())

    async def forget_file_id(self, url: str) -> None:
        """Drop the file id of this image URL (the platform no longer accepts it)."""
        await media.forget_file_id(self._sessions, self._platform, url)

    async def fact(self, key: str) -> str | None:
        """Return a fact this platform stored under `key` (e.g. a command-sync fingerprint)."""
        return await meta.get_meta(self._sessions, self._key(key))

    async def remember_fact(self, key: str, value: str) -> None:
        """Store a fact of this platform under `key`, replacing the previous value."""
        await meta.set_meta(self._sessions, self._key(key), value)

    def _key(self, key: str) -> str:
        return key if key.startswith(f"{self._platform}.") else f"{self._platform}.{key}"
