"""Photos for Telegram: the file-id cache (memory in front of the database) and the fallback
download for images Telegram cannot fetch itself (hotlink-protected hosts are common), uploaded
under a name and content type sniffed from the image's own bytes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from telegram import InputFile

from adapters.fetch import GIF, JPEG, PNG, WEBP, ImageDownloader, ImageType, sniff_image

if TYPE_CHECKING:
    from bot.platform import PlatformStore

__all__ = [
    "GIF", "JPEG", "PNG", "WEBP", "ImageType", "PhotoCache", "image_downloader", "image_upload", "sniff_image",
]

log = logging.getLogger("herald.telegram.media")

PLATFORM = "telegram"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
"""Telegram takes uploaded photos up to 10 MB (core.telegram.org/bots/api#sendphoto)."""
FETCH_TIMEOUT = 10.0
BROKEN_FOR = 600.0
"""Seconds an image that could neither be fetched by Telegram nor uploaded is sent as text."""


def image_upload(data: bytes) -> InputFile:
    """Wrap downloaded image bytes for upload, named and typed after their format."""
    kind = sniff_image(data)
    if kind is None:
        return InputFile(data, filename="image")  # sent as application/octet-stream
    upload = InputFile(data, filename=f"image.{kind.extension}")
    upload.mimetype = kind.mime  # not left to the host's mimetypes table
    return upload


def image_downloader(*, allow_private: bool = False) -> ImageDownloader:
    """The guarded downloader for photos Telegram cannot fetch itself (its upload size cap)."""
    return ImageDownloader(allow_private=allow_private, max_bytes=MAX_UPLOAD_BYTES, timeout=FETCH_TIMEOUT)


class PhotoCache:
    """File ids by image URL: memory first, then the database; images known to be broken."""

    def __init__(
        self,
        store: PlatformStore | None,
        *,
        capacity: int = 4096,
    ) -> None:
        self._store = store
        self._capacity = capacity
        self._ids: OrderedDict[str, str] = OrderedDict()
        self._broken: dict[str, float] = {}
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    async def get(self, url: str) -> str | None:
        """Return the file id known for this URL."""
        if url in self._ids:
            self._ids.move_to_end(url)
            return self._ids[url]
        if self._store is None:
            return None
        file_id = await self._store.file_id(url)
        if file_id is not None:
            self._remember(url, file_id)
        return file_id

    async def put(self, url: str, file_id: str) -> None:
        """Remember the file id Telegram gave for this URL."""
        self._remember(url, file_id)
        self._broken.pop(url, None)
        if self._store is not None:
            await self._store.remember_file_id(url, file_id)

    async def forget(self, url: str) -> None:
        """Drop a file id Telegram no longer accepts."""
        self._ids.pop(url, None)
        if self._store is not None:
            await self._store.forget_file_id(url)

    def mark_broken(self, url: str) -> None:
        """Send this image as text for a while: neither Telegram nor we could get it."""
        if len(self._broken) > self._capacity:
            self._broken.clear()
        self._broken[url] = time.monotonic() + BROKEN_FOR

    def is_broken(self, url: str) -> bool:
        """Tell whether this image failed recently."""
        until = self._broken.get(url)
        return until is not None and until > time.monotonic()

    @asynccontextmanager
    async def first_send(self, url: str) -> AsyncIterator[None]:
        """Let one sender at a time send an image that has no file id yet (others then reuse it)."""
        lock, users = self._locks.get(url, (asyncio.Lock(), 0))
        self._locks[url] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[url]
            if users <= 1:
                del self._locks[url]
            else:
                self._locks[url] = (lock, users - 1)

    def _remember(self, url: str, file_id: str) -> None:
        self._ids[url] = file_id
        self._ids.move_to_end(url)
        while len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
