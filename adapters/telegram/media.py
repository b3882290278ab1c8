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
from dataclasses import dataclass
from datetime import datetime, UTC

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import InputFile

from bot.store.media import forget_file_id, get_file_id, put_file_id

log = logging.getLogger("herald.telegram.media")

PLATFORM = "telegram"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
"""Telegram takes uploaded photos up to 10 MB (core.telegram.org/bots/api#sendphoto)."""
FETCH_TIMEOUT = 10.0
BROKEN_FOR = 600.0
"""Seconds an image that could neither be fetched by Telegram nor uploaded is sent as text."""
_USER_AGENT = "Mozilla/5.0 (compatible; HeraldBot/1.0; +https://github.com/)"


@dataclass(frozen=True, slots=True)
class ImageType:
    """An image format as an upload names it: file extension and MIME type."""

    extension: str
    mime: str


JPEG = ImageType("jpg", "image/jpeg")
PNG = ImageType("png", "image/png")
GIF = ImageType("gif", "image/gif")
WEBP = ImageType("webp", "image/webp")


def sniff_image(data: bytes) -> ImageType | None:
    """Return the format the image's magic bytes announce (JPEG, PNG, GIF, WebP), else None."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def image_upload(data: bytes) -> InputFile:
    """Wrap downloaded image bytes for upload, named and typed after their format."""
    kind = sniff_image(data)
    if kind is None:
        return InputFile(data, filename="image")  # sent as application/octet-stream
    upload = InputFile(data, filename=f"image.{kind.extension}")
    upload.mimetype = kind.mime  # not left to the host's mimetypes table
    return upload


class ImageFetcher:
    """Download an image with a size cap and a timeout; None when it cannot be had."""

    def __init__(self, *, max_bytes: int = MAX_UPLOAD_BYTES, timeout: float = FETCH_TIMEOUT) -> None:
        self._max = max_bytes
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None

    async def fetch(self, url: str) -> bytes | None:
        """Return the image's bytes, or None (too big, not an image, unreachable, too slow)."""
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(
                timeout=self._timeout, follow_redirects=True, headers={"User-Agent": _USER_AGENT}
            )
        try:
            return await asyncio.wait_for(self._download(self._client, url), self._timeout)
        except (TimeoutError, httpx.HTTPError, ValueError) as exc:
            log.info("image download failed (%s): %s", type(exc).__name__, url[:200])
            return None

    async def _download(self, client: httpx.AsyncClient, url: str) -> bytes | None:
        async with client.stream("GET", url) as response:
            if response.status_code != 200:
                log.info("image download got HTTP %s: %s", response.status_code, url[:200])
                return None
            kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind and not kind.startswith("image/") and kind != "application/octet-stream":
                log.info("image download got %s, not an image: %s", kind, url[:200])
                return None
            declared = response.headers.get("content-length", "")
            if declared.isdecimal() and int(declared) > self._max:
                return None
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) > self._max:
                    log.info("image larger than %d bytes: %s", self._max, url[:200])
                    return None
            return bytes(data) if data else None

    async def close(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class PhotoCache:
    """File ids by image URL: memory first, then the database; images known to be broken."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession] | None,
        *,
        capacity: int = 4096,
    ) -> None:
        self._sessions = sessions
        self._capacity = capacity
        self._ids: OrderedDict[str, str] = OrderedDict()
        self._broken: dict[str, float] = {}
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    async def get(self, url: str) -> str | None:
        """Return the file id known for this URL."""
        if url in self._ids:
            self._ids.move_to_end(url)
            return self._ids[url]
        if self._sessions is None:
            return None
        file_id = await get_file_id(self._sessions, PLATFORM, url)
        if file_id is not None:
            self._remember(url, file_id)
        return file_id

    async def put(self, url: str, file_id: str) -> None:
        """Remember the file id Telegram gave for this URL."""
        self._remember(url, file_id)
        self._broken.pop(url, None)
        if self._sessions is not None:
            await put_file_id(self._sessions, PLATFORM, url, file_id, datetime.now(UTC))

    async def forget(self, url: str) -> None:
        """Drop a file id Telegram no longer accepts."""
        self._ids.pop(url, None)
        if self._sessions is not None:
            await forget_file_id(self._sessions, PLATFORM, url)

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
