"""Tell whether Discord can show an image by its URL, by asking its host as Discord would.

Discord's media proxy fetches an embed's image with its own User-Agent and no Referer; a host
that blocks hotlinking answers 403 (or a page, or nothing) and the embed shows an empty image,
silently. One short probe per origin (scheme, host, port) tells: a 2xx with an image content
type or image bytes means "link it"; anything else means "attach it". Verdicts are remembered
per origin for the process lifetime (bounded), so a broadcast probes each host once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import httpx

log = logging.getLogger("herald.discord.hotlink")

DISCORDBOT_USER_AGENT = "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)"
"""The User-Agent Discord's media proxy fetches embed images with."""
PROBE_TIMEOUT = 5.0
PROBE_BYTES = 4096
"""Enough of the body to recognise an image's magic bytes."""
REMEMBERED_ORIGINS = 1024

Probe = Callable[[str], Awaitable[bool]]
# Magic numbers of the image types Discord shows in embeds.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)


def image_type(data: bytes) -> str | None:
    """Return the file extension for PNG, JPEG, GIF or WebP bytes, or None for anything else."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    for signature, ext in _SIGNATURES:
        if data.startswith(signature):
            return ext
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
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port else "")


async def probe_image(client: httpx.AsyncClient, url: str, *, timeout: float = PROBE_TIMEOUT) -> bool:
    """Fetch the start of `url` as Discord's media proxy would; tell whether an image came back."""
    try:
        return await asyncio.wait_for(_probe(client, url), timeout)
    except (TimeoutError, httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        log.info("image probe of %s failed: %s", origin_of(url), type(exc).__name__)
        return False


async def _probe(client: httpx.AsyncClient, url: str) -> bool:
    # No Referer: httpx sends none unless asked, and neither does Discord.
    headers = {"User-Agent": DISCORDBOT_USER_AGENT, "Accept": "image/*,*/*;q=0.8"}
    async with client.stream("GET", url, headers=headers, follow_redirects=True) as response:
        if not response.is_success:
            log.info("image probe of %s: HTTP %s", origin_of(url), response.status_code)
            return False
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind.startswith("image/"):
            return True
        head = bytearray()
        async for chunk in response.aiter_bytes():
            head += chunk
            if len(head) >= PROBE_BYTES:
                break
        if image_type(bytes(head)) is not None:
            return True
        log.info("image probe of %s: %s, not an image", origin_of(url), kind or "no content type")
        return False


class HotlinkVerdicts:
    """Remember, per origin, whether Discord can hotlink its images; probe each origin once."""

    def __init__(self, probe: Probe, *, remembered: int = REMEMBERED_ORIGINS) -> None:
        self._probe = probe
        self._size = remembered
        self._verdicts: OrderedDict[str, bool] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}

    async def hotlinkable(self, url: str) -> bool:
        """Tell whether an embed can show the image at `url` by linking it (probing its host once)."""
        origin = origin_of(url)
        if origin is None:
            return True  # not fetchable by us either; leave it to Discord
        known = self._verdicts.get(origin)
        if known is not None:
            self._verdicts.move_to_end(origin)
            return known
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin not in self._verdicts:
                verdict = await self._probe(url)
                if not verdict:
                    log.info("images from %s are attached: it does not serve them to Discord", origin)
                self._verdicts[origin] = verdict
                while len(self._verdicts) > self._size:
                    self._verdicts.popitem(last=False)
            self._locks.pop(origin, None)
            return self._verdicts.get(origin, True)
