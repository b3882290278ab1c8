"""Download article images to attach them to embeds, for hosts that block hotlinking.

Discord's media proxy fetches an embed's image itself; a host that refuses foreign fetches
shows an empty image, silently. Such hosts are found by probing them as Discord would (see
`hotlink`), or named by the operator (`HERALD_DISCORD_ATTACH_HOSTS`, `*` for every host). Their
images are downloaded as a visit to the site would fetch them (with the article, or the image's
own origin, as Referer) and uploaded with the message, referenced as `attachment://<file>`.
Probes and downloads go through the guarded downloader (`adapters.fetch`): public addresses
only, unless `HERALD_ALLOW_PRIVATE_FETCH` is set.
A broadcast sends one image to many channels: downloads are cached (a few, by URL); a failed
download only for `hotlink.RETRY_AFTER`, so a passing network error does not stick.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from adapters.discord import hotlink
from adapters.discord.hotlink import HotlinkVerdicts, image_type, probe_image
from adapters.fetch import FetchRefused, ImageDownloader, origin_of

__all__ = ["MAX_BYTES", "Download", "EmbedImages", "host_matches", "image_type"]

log = logging.getLogger("herald.discord.images")

MAX_BYTES = 10 * 1024 * 1024
"""Discord's default upload limit per file (10 MiB)."""
_CACHED = 16
_TIMEOUT = 20.0
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


class EmbedImages:
    """Decide which embed images to attach (configured hosts, or hosts found to block) and download them."""

    def __init__(
        self,
        hosts: Sequence[str],
        *,
        max_bytes: int = MAX_BYTES,
        detect: bool = True,
        allow_private: bool = False,
    ) -> None:
        self.hosts = tuple(h for h in hosts if h.strip())
        self._detect = detect
        self._cache: OrderedDict[str, tuple[Download | None, float]] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}
        self._downloads = ImageDownloader(allow_private=allow_private, max_bytes=max_bytes, timeout=_TIMEOUT)
        self._verdicts = HotlinkVerdicts(self._probe)

    def wants(self, url: str) -> bool:
        """Tell whether configuration says this image must be attached rather than hotlinked."""
        return bool(self.hosts) and host_matches(url, self.hosts)

    async def blocked(self, url: str) -> bool:
        """Tell whether the image's host does not serve it to Discord (a probe's current verdict)."""
        if not self._detect:
            return False
        return not await self._verdicts.hotlinkable(url)

    async def fetch(self, url: str, page: str | None = None) -> Download | None:
        """Return the image at `url` (cached), or None when it cannot be used as an attachment."""
        cached = self._cached(url)
        if cached is not None:
            return cached[0]
        lock = self._locks.setdefault(url, asyncio.Lock())
        async with lock:
            cached = self._cached(url)
            if cached is None:
                download = await self._download(url, page)
                # A failure is retried after a short while: it may have been the network.
                until = float("inf") if download is not None else time.monotonic() + hotlink.RETRY_AFTER
                cached = self._cache[url] = (download, until)
                while len(self._cache) > _CACHED:
                    self._cache.popitem(last=False)
            self._locks.pop(url, None)
            return cached[0]

    def _cached(self, url: str) -> tuple[Download | None, float] | None:
        entry = self._cache.get(url)
        if entry is None or entry[1] <= time.monotonic():
            return None
        self._cache.move_to_end(url)
        return entry

    async def _probe(self, url: str) -> bool | None:
        return await probe_image(self._downloads.client(), url)

    async def _download(self, url: str, page: str | None) -> Download | None:
        host = origin_of(url)
        tries: list[str | None] = [*referers(url, page)] or [None]
        for referer in tries:
            headers = dict(_BROWSER_HEADERS, **({"Referer": referer} if referer else {}))
            try:
                data = await self._downloads.get(url, headers)
            except FetchRefused:
                return None  # logged once per host by the guard
            except (TimeoutError, httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
                log.info("image not attached: %s: %s", host, type(exc).__name__)
                return None  # the host is unreachable: another Referer will not help
            if data is None:
                continue  # refused or not an image with this Referer
            ext = image_type(data)
            name = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
            return Download(f"image-{name}.{ext}", data)
        return None

    async def close(self) -> None:
        """Close the HTTP client."""
        await self._downloads.close()
