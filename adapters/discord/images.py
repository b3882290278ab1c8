"""Download article images to attach them to embeds, for hosts that block hotlinking.

Discord's media proxy fetches an embed's image itself; a host that refuses foreign fetches
shows an empty image, silently. For the hosts an operator names (or every host, `*`), the image
is downloaded once and uploaded with the message, referenced as `attachment://<file>`.
A broadcast sends one image to many channels: downloads are cached (a few, by URL).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

log = logging.getLogger("herald.discord.images")

MAX_BYTES = 10 * 1024 * 1024
"""Discord's default upload limit per file (10 MiB)."""
_CACHED = 16
_TIMEOUT = aiohttp.ClientTimeout(total=20, sock_connect=10)
# Magic numbers of the image types Discord shows in embeds.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)


@dataclass(frozen=True, slots=True)
class Download:
    """An image ready to upload: its bytes and the file name to reference it by."""

    filename: str
    data: bytes


def image_type(data: bytes) -> str | None:
    """Return the file extension for PNG, JPEG, GIF or WebP bytes, or None for anything else."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    for signature, ext in _SIGNATURES:
        if data.startswith(signature):
            return ext
    return None


def host_matches(url: str, hosts: Sequence[str]) -> bool:
    """Tell whether `url`'s host is one of `hosts` or under one of them (`*` matches all)."""
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    if not host:
        return False
    for wanted in hosts:
        wanted = wanted.strip().lower().rstrip(".")
        if wanted == "*" or host == wanted or host.endswith("." + wanted):
            return True
    return False


class ImageFetcher:
    """Download images for hosts that need attaching, with a small cache."""

    def __init__(self, hosts: Sequence[str], *, max_bytes: int = MAX_BYTES) -> None:
        self.hosts = tuple(h for h in hosts if h.strip())
        self._max = max_bytes
        self._cache: OrderedDict[str, Download | None] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}
        self._session: aiohttp.ClientSession | None = None

    def wants(self, url: str) -> bool:
        """Tell whether this image should be attached rather than hotlinked."""
        return bool(self.hosts) and host_matches(url, self.hosts)

    async def fetch(self, url: str) -> Download | None:
        """Return the image at `url` (cached), or None when it cannot be used as an attachment."""
        if url in self._cache:
            self._cache.move_to_end(url)
            return self._cache[url]
        lock = self._locks.setdefault(url, asyncio.Lock())
        async with lock:
            if url not in self._cache:
                self._cache[url] = await self._download(url)
                while len(self._cache) > _CACHED:
                    self._cache.popitem(last=False)
            self._locks.pop(url, None)
            return self._cache.get(url)

    async def _download(self, url: str) -> Download | None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=_TIMEOUT, headers={"User-Agent": "Herald (image fetch)"})
        try:
            async with self._session.get(url) as response:
                if response.status != 200:
                    log.info("image not attached: %s answered %s", urlsplit(url).hostname, response.status)
                    return None
                data = await response.content.read(self._max + 1)
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            log.info("image not attached: %s: %s", urlsplit(url).hostname, type(exc).__name__)
            return None
        ext = image_type(data)
        if len(data) > self._max or ext is None:
            log.info("image not attached: %s is too big or not an image", urlsplit(url).hostname)
            return None
        name = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
        return Download(f"image-{name}.{ext}", data)

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None
