"""Download an image named in a post, the one guarded way both platforms use.

Every download goes through `guard.GuardedTransport` (public addresses only, checked after DNS
and on every redirect hop, connected to the checked address), follows at most
`MAX_REDIRECTS` redirects, stops reading past a size cap, gives up after a total time, and keeps
only what is an image: an image (or generic binary) content type *and* PNG, JPEG, GIF or WebP
magic bytes. Failures are logged by origin only (a query string may hold a signature) and
return None: a card then goes out without the image, never late and never failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from bot.guard import FetchRefused, GuardedTransport, Resolver

__all__ = [
    "GIF",
    "JPEG",
    "PNG",
    "WEBP",
    "FetchRefused",
    "ImageDownloader",
    "ImageType",
    "content_type",
    "may_be_image",
    "origin_of",
    "sniff_image",
]

log = logging.getLogger("herald.fetch")

MAX_BYTES = 10 * 1024 * 1024
TIMEOUT = 20.0
"""Seconds a whole download may take, redirects and DNS included."""
CONNECT_TIMEOUT = 10.0
MAX_REDIRECTS = 5
USER_AGENT = "Mozilla/5.0 (compatible; HeraldBot/1.0)"
# Content types a server may give an image under; anything else (a page, JSON) is not read.
_GENERIC_TYPES = ("", "application/octet-stream", "binary/octet-stream")


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


def origin_of(url: str) -> str | None:
    """Return `scheme://host[:port]` of an http(s) URL, lower-cased, or None for anything else."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port else "")


def content_type(response: httpx.Response) -> str:
    """The response's media type, lower-cased, without parameters."""
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def may_be_image(kind: str) -> bool:
    """Tell whether a content type can hold an image (an image type, or a generic binary one)."""
    return kind.startswith("image/") or kind in _GENERIC_TYPES


class ImageDownloader:
    """Guarded, capped, timed image downloads over one HTTP client (also lent to probes)."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        max_bytes: int = MAX_BYTES,
        timeout: float = TIMEOUT,
        max_redirects: int = MAX_REDIRECTS,
        resolve: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self._timeout = timeout
        self._redirects = max_redirects
        self._allow_private = allow_private
        self._resolve = resolve
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    def client(self) -> httpx.AsyncClient:
        """The guarded HTTP client (redirects it follows are checked hop by hop, like the first)."""
        if self._client is None or self._client.is_closed:
            guard = GuardedTransport(allow_private=self._allow_private, resolve=self._resolve, inner=self._transport)
            self._client = httpx.AsyncClient(
                transport=guard,
                timeout=httpx.Timeout(self._timeout, connect=min(CONNECT_TIMEOUT, self._timeout)),
                max_redirects=self._redirects,
                headers={"User-Agent": USER_AGENT},
                trust_env=False,  # no proxy from the environment: it would resolve hosts unchecked
            )
        return self._client

    async def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> bytes | None:
        """Return the image's bytes, or None (refused, too big, not an image, unreachable, slow)."""
        try:
            return await self.get(url, headers)
        except FetchRefused:
            return None  # logged once per host by the guard
        except (TimeoutError, httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            log.info("image not fetched from %s: %s", origin_of(url), type(exc).__name__)
            return None

    async def get(self, url: str, headers: Mapping[str, str] | None = None) -> bytes | None:
        """Return the image's bytes, or None when the server's answer is not an image within the cap.

        Raises `FetchRefused`, `TimeoutError` or httpx's errors when there is no answer to judge.
        """
        async with asyncio.timeout(self._timeout):
            return await self._get(url, dict(headers or {}))

    async def _get(self, url: str, headers: dict[str, str]) -> bytes | None:
        origin = origin_of(url)
        async with self.client().stream("GET", url, headers=headers, follow_redirects=True) as response:
            if not response.is_success:
                log.info("image not fetched from %s: HTTP %s", origin, response.status_code)
                return None
            kind = content_type(response)
            if not may_be_image(kind):
                log.info("image not fetched from %s: %s is not an image", origin, kind)
                return None
            declared = response.headers.get("content-length", "")
            if declared.isdecimal() and int(declared) > self.max_bytes:
                log.info("image not fetched from %s: %s bytes, more than %d", origin, declared, self.max_bytes)
                return None
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) > self.max_bytes:
                    log.info("image not fetched from %s: more than %d bytes", origin, self.max_bytes)
                    return None
        if sniff_image(bytes(data)) is None:
            log.info("image not fetched from %s: the body is not a PNG, JPEG, GIF or WebP image", origin)
            return None
        return bytes(data)

    async def close(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
