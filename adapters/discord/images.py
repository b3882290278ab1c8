"""Download article images to attach them to embeds, for hosts that block hotlinking.

Discord's media proxy fetches an embed's image itself; a host that refuses foreign fetches
shows an empty image, silently. Such hosts are found by probing them as Discord would (see
`hotlink`), or named by the operator (`HERALD_DISCORD_ATTACH_HOSTS`, `*` for every host). Their
images are downloaded as a visit to the site would fetch them (with the article, or the image's
own origin, as Referer) and uploaded with the message, referenced as `attachment://<file>`.
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

import httpx

from adapters.discord.hotlink import HotlinkVerdicts, image_type, origin_of, probe_image

__all__ = ["MAX_BYTES", "Download", "ImageFetcher", "host_matches", "image_type"]

log = logging.getLogger("herald.discord.images")

MAX_BYTES = 10 * 1024 * 1024
"""Discord's default upload limit per file (10 MiB)."""
_CACHED = 16
_TIMEOUT = 20.0
_CONNECT_TIMEOUT = 10.0
# A browser's request for an image on the site's own page (hotlink checks look at the Referer).
_BROWSER_HEADERS = {
    "User-Agent": "Mozilla/5.0 (compatible; Herald image fetch)",
    "Accept": "image/avif,image/webp,image/png,image/*;q=0.8,*/*;q=0.5",
}


@dataclass(frozen=True, slots=True)
class Download:
    """An image ready to upload: its bytes and the file name to reference it by."""

    filename: str
    data: bytes


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


def referers(url: str, page: str | None) -> list[str]:
    """Return the Referers to try for an image: the article's URL, then the image's own origin."""
    found = [page] if page and origin_of(page) else []
    origin = origin_of(url)
    if origin and origin + "/" not in found:
        found.append(origin + "/")
    return found


class ImageFetcher:
    """Decide which images to attach (configured hosts, or hosts found to block) and download them."""

    def __init__(self, hosts: Sequence[str], *, max_bytes: int = MAX_BYTES, detect: bool = True) -> None:
        self.hosts = tuple(h for h in hosts if h.strip())
        self._max = max_bytes
        self._detect = detect
        self._cache: OrderedDict[str, Download | None] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}
        self._client: httpx.AsyncClient | None = None
        self._verdicts = HotlinkVerdicts(self._probe)

    def wants(self, url: str) -> bool:
        """Tell whether configuration says this image must be attached rather than hotlinked."""
        return bool(self.hosts) and host_matches(url, self.hosts)

    async def blocked(self, url: str) -> bool:
        """Tell whether the image's host does not serve it to Discord (probed once per host)."""
        if not self._detect:
            return False
        return not await self._verdicts.hotlinkable(url)

    async def fetch(self, url: str, page: str | None = None) -> Download | None:
        """Return the image at `url` (cached), or None when it cannot be used as an attachment."""
        if url in self._cache:
            self._cache.move_to_end(url)
            return self._cache[url]
        lock = self._locks.setdefault(url, asyncio.Lock())
        async with lock:
            if url not in self._cache:
                self._cache[url] = await self._download(url, page)
                while len(self._cache) > _CACHED:
                    self._cache.popitem(last=False)
            self._locks.pop(url, None)
            return self._cache.get(url)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            timeout = httpx.Timeout(_TIMEOUT, connect=_CONNECT_TIMEOUT)
            self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=True)
        return self._client

    async def _probe(self, url: str) -> bool:
        return await probe_image(self._http(), url)

    async def _download(self, url: str, page: str | None) -> Download | None:
        host = origin_of(url)
        for referer in referers(url, page) or [None]:
            headers = dict(_BROWSER_HEADERS, **({"Referer": referer} if referer else {}))
            try:
                data = await asyncio.wait_for(self._get(url, headers), _TIMEOUT)
            except (TimeoutError, httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
                log.info("image not attached: %s: %s", host, type(exc).__name__)
                return None  # the host is unreachable: another Referer will not help
            if data is None:
                continue
            ext = image_type(data)
            if ext is None:
                log.info("image not attached: %s sent something that is not an image", host)
                continue
            name = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
            return Download(f"image-{name}.{ext}", data)
        return None

    async def _get(self, url: str, headers: dict[str, str]) -> bytes | None:
        """Return the body of a 2xx answer (at most the size cap), or None."""
        async with self._http().stream("GET", url, headers=headers) as response:
            if not response.is_success:
                log.info("image not attached: %s answered %s", origin_of(url), response.status_code)
                return None
            declared = response.headers.get("content-length", "")
            if declared.isdecimal() and int(declared) > self._max:
                log.info("image not attached: %s sent more than %d bytes", origin_of(url), self._max)
                return None
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) > self._max:
                    log.info("image not attached: %s sent more than %d bytes", origin_of(url), self._max)
                    return None
            return bytes(data)

    async def close(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
