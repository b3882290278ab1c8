"""Tell whether Discord can show an image by its URL, by asking its host as Discord would.

Discord's media proxy fetches an embed's image with its own User-Agent and no Referer; a host
that blocks hotlinking answers 403 (or a page) and the embed shows an empty image, silently.
One short probe per origin (scheme, host, port) tells:
- a 2xx with an image content type or image bytes: **shown**, link it;
- an HTTP answer that refuses (401/403/404 and other 4xx, or a 2xx that is not an image):
  **refused**, attach it;
- no answer to judge (connect error, timeout, 5xx, 408/429, a refused address): **unknown**.
  That is not a verdict: the image stays linked and the origin is probed again after
  `RETRY_AFTER` seconds.
Verdicts are remembered per origin (bounded) for `VERDICT_LIFETIME`, then probed again, so a
broadcast probes each host once and a host that changes its mind is noticed within a day.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from adapters.fetch import content_type, origin_of, sniff_image

__all__ = [
    "DISCORDBOT_USER_AGENT",
    "RETRY_AFTER",
    "VERDICT_LIFETIME",
    "HotlinkVerdicts",
    "image_type",
    "origin_of",
    "probe_image",
]

log = logging.getLogger("herald.discord.hotlink")

DISCORDBOT_USER_AGENT = "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)"
"""The User-Agent Discord's media proxy fetches embed images with."""
PROBE_TIMEOUT = 5.0
PROBE_BYTES = 4096
"""Enough of the body to recognise an image's magic bytes."""
REMEMBERED_ORIGINS = 1024
VERDICT_LIFETIME = 24 * 3600.0
"""Seconds a verdict (shown or refused) holds before the origin is probed again."""
RETRY_AFTER = 60.0
"""Seconds after a probe that got no answer before the origin is probed again (image linked meanwhile)."""
# Answers that say nothing about hotlinking: the server is busy, slow or broken right now.
_NOT_A_VERDICT = frozenset({408, 425, 429})

Probe = Callable[[str], Awaitable[bool | None]]
"""`url` → True (shown), False (refused), None (no answer to judge)."""


def image_type(data: bytes) -> str | None:
    """Return the file extension for PNG, JPEG, GIF or WebP bytes, or None for anything else."""
    kind = sniff_image(data)
    return kind.extension if kind else None


async def probe_image(client: httpx.AsyncClient, url: str, *, timeout: float = PROBE_TIMEOUT) -> bool | None:
    """Fetch the start of `url` as Discord's media proxy would: True when an image came back,
    False when the host answered with a refusal, None when there was no answer to judge."""
    try:
        async with asyncio.timeout(timeout):
            return await _probe(client, url)
    except (TimeoutError, httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        log.info("image probe of %s got no answer: %s", origin_of(url), type(exc).__name__)
        return None


async def _probe(client: httpx.AsyncClient, url: str) -> bool | None:
    # No Referer: httpx sends none unless asked, and neither does Discord.
    headers = {"User-Agent": DISCORDBOT_USER_AGENT, "Accept": "image/*,*/*;q=0.8"}
    async with client.stream("GET", url, headers=headers, follow_redirects=True) as response:
        status = response.status_code
        if status >= 500 or status in _NOT_A_VERDICT:
            log.info("image probe of %s got no verdict: HTTP %s", origin_of(url), status)
            return None
        if not response.is_success:
            log.info("image probe of %s: HTTP %s", origin_of(url), status)
            return False
        kind = content_type(response)
        if kind.startswith("image/"):
            return True
        head = bytearray()
        async for chunk in response.aiter_bytes():
            head += chunk
            if len(head) >= PROBE_BYTES:
                break
        if sniff_image(bytes(head)) is not None:
            return True
        log.info("image probe of %s: %s, not an image", origin_of(url), kind or "no content type")
        return False


@dataclass(frozen=True, slots=True)
class _Verdict:
    shown: bool
    until: float  # clock time after which the origin is probed again


class HotlinkVerdicts:
    """Remember, per origin and for a while, whether Discord can hotlink its images."""

    def __init__(
        self,
        probe: Probe,
        *,
        remembered: int = REMEMBERED_ORIGINS,
        lifetime: float | None = None,
        retry_after: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._probe = probe
        self._size = remembered
        self._lifetime = VERDICT_LIFETIME if lifetime is None else lifetime
        self._retry_after = RETRY_AFTER if retry_after is None else retry_after
        self._clock = clock
        self._verdicts: OrderedDict[str, _Verdict] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}

    def _known(self, origin: str) -> _Verdict | None:
        verdict = self._verdicts.get(origin)
        if verdict is None or verdict.until <= self._clock():
            return None
        self._verdicts.move_to_end(origin)
        return verdict

    async def hotlinkable(self, url: str) -> bool:
        """Tell whether an embed can show the image at `url` by linking it (probing its host
        when nothing current is known; while a probe gets no answer, the answer is yes)."""
        origin = origin_of(url)
        if origin is None:
            return True  # not fetchable by us either; leave it to Discord
        known = self._known(origin)
        if known is not None:
            return known.shown
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            known = self._known(origin)
            if known is None:
                known = await self._judge(origin, url)
            self._locks.pop(origin, None)
            return known.shown

    async def _judge(self, origin: str, url: str) -> _Verdict:
        shown = await self._probe(url)
        now = self._clock()
        if shown is None:
            verdict = _Verdict(True, now + self._retry_after)
            log.info("images from %s stay linked; probing it again in %.0f s", origin, self._retry_after)
        else:
            verdict = _Verdict(shown, now + self._lifetime)
            if not shown:
                log.info("images from %s are attached: it does not serve them to Discord", origin)
        self._verdicts[origin] = verdict
        self._verdicts.move_to_end(origin)
        while len(self._verdicts) > self._size:
            self._verdicts.popitem(last=False)
        return verdict
