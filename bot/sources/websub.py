"""WebSub (W3C): a feed's hub pushes "changed" to Herald instead of Herald asking every interval.

A feed that names a hub and its own URL (`<link rel="hub">` / `atom:link rel="hub"` and
`rel="self"`, JSON Feed `hubs` and `feed_url`: `bot.sources.feed` keeps them as `state["hub"]`
and `state["self"]`) is subscribed to after a successful poll, but only when Herald has a public
https address (HERALD_PANEL_URL; its callback is `<base>/sources/<name>/websub`). The request goes
through the feeds' guarded client (public addresses only), to an https hub only, with a random
secret per subscription and a lease of `LEASE` seconds, renewed `RENEW_BEFORE` its end. The hub's
verification is answered only for a topic and mode Herald asked for and still waits on. A
content distribution counts only when its `X-Hub-Signature` is the HMAC of its body under that
secret; it then makes the source due (`bot.sources.push` does that, with its throttle): the normal
conditional GET fetches the feed, the pushed body itself is never read as a feed. A hub that
refuses is logged once and asked again after `RETRY_REFUSED`; polling goes on as before.

What a subscription is, is kept in the source's state (`websub_*` keys, `bot.store.sources
.merge_state`), so every replica answers the hub alike; the state is never shown (listings show
none of it). A poll that was running while the hub verified may write the state it read before:
the subscription then looks pending, and is asked again `PENDING` later (the secret stays).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.guard import FetchRefused
from bot.sources.feed_http import readable_url, shared_client
from bot.sources.spec import SourceKind, SourceSpec
from bot.store import sources as store

__all__ = [
    "LEASE", "MAX_CHALLENGE", "PENDING", "RENEW_BEFORE", "RETRY_REFUSED", "SIGNATURES", "Signature", "WebSub",
    "callback_base", "parse_signature",
]

log = logging.getLogger("herald.sources")

LEASE = 10 * 86400
"""Seconds of lease asked for (the hub may grant another; at most `MAX_LEASE` is believed)."""
MAX_LEASE = 366 * 86400
MIN_LEASE = 60
RENEW_BEFORE = timedelta(days=1)
"""A subscription is asked again once its lease ends within this, or within half the lease the hub
granted when that is shorter (at the source's next poll)."""
PENDING = timedelta(hours=1)
"""A request the hub never verified is asked again after this."""
RETRY_REFUSED = timedelta(days=1)
"""A hub that refused is asked again after this (silently, unless it answers differently)."""
REQUEST_TIMEOUT = 10.0
MAX_CHALLENGE = 1024
"""Longest hub.challenge echoed (hubs send a few dozen characters)."""
SIGNATURES = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
"""The `X-Hub-Signature` methods WebSub names."""

_HUB, _TOPIC, _SECRET = "websub_hub", "websub_topic", "websub_secret"
_MODE, _ASKED, _UNTIL, _REFUSED = "websub_mode", "websub_asked", "websub_until", "websub_refused"
_LEASE = "websub_lease"


def callback_base(settings: Any) -> str | None:
    """Herald's public https address (HERALD_PANEL_URL without its `/panel`), or None: no WebSub."""
    url = str(settings.panel_url or "").strip().rstrip("/")
    if not url.lower().startswith("https://"):
        return None
    return url.removesuffix("/panel").rstrip("/") or None


@dataclass(frozen=True, slots=True)
class Signature:
    """An `X-Hub-Signature: method=hex` header, parsed."""

    method: str
    hexdigest: str

    def new_mac(self, secret: str) -> hmac.HMAC:
        """A fresh HMAC of this method under `secret`, to feed the body into."""
        return hmac.new(secret.encode(), digestmod=SIGNATURES[self.method])

    def matches(self, mac: hmac.HMAC) -> bool:
        """Whether the body fed into `mac` has this signature (constant time)."""
        return hmac.compare_digest(mac.hexdigest(), self.hexdigest)


def parse_signature(header: str | None) -> Signature | None:
    """Parse `X-Hub-Signature`; None when absent, of an unknown method, or not hex."""
    if not header or len(header) > 200:
        return None
    method, _, value = header.strip().partition("=")
    method, value = method.strip().lower(), value.strip().lower()
    if method not in SIGNATURES or not value or any(c not in "0123456789abcdef" for c in value):
        return None
    return Signature(method, value)


def _when(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


class WebSub:
    """Subscribe polled feeds to their hubs, and answer the hubs' requests (`bot.sources.push`
    serves them over HTTP)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        base: str,
        clock: Clock,
        allow_private: bool = False,
        client: httpx.AsyncClient | None = None,
        lease: int = LEASE,
    ) -> None:
        self._sessions = sessions
        self._base = base.rstrip("/")
        self._clock = clock
        self._allow_private = allow_private
        self._client = client
        self._lease = lease

    def callback(self, name: str) -> str:
        """The callback URL a hub is given for source `name`."""
        return f"{self._base}/sources/{name}/websub"

    async def after_poll(self, name: str, spec: SourceSpec, state: Mapping[str, str]) -> None:
        """Subscribe (or renew) when the feed just polled names a hub, unless that is under way."""
        hub, topic = state.get("hub", ""), state.get("self", "")
        if spec.kind is not SourceKind.FEED or not hub or not topic or not self._usable(hub):
            return
        now = self._clock.now()
        same = state.get(_HUB) == hub and state.get(_TOPIC) == topic
        if same and not self._due(state, now):
            return
        secret = state.get(_SECRET, "") if same else ""
        secret = secret or secrets.token_urlsafe(32)
        # Written before asking: a hub may verify before it answers the request.
        asking: dict[str, str | None] = {
            _HUB: hub, _TOPIC: topic, _SECRET: secret, _MODE: "subscribe", _ASKED: now.isoformat(),
        }
        if not same:
            asking[_UNTIL] = None
        if not await store.merge_state(self._sessions, name, asking):
            return
        refusal = await self._ask(hub, topic, secret, name)
        if refusal is None:
            log.info("source %s: asked the WebSub hub %s to push (verification pending)", name, readable_url(hub))
            await store.merge_state(self._sessions, name, {_REFUSED: None})
            return
        if state.get(_REFUSED) != refusal or not same:
            log.warning("source %s: the WebSub hub %s refused the subscription (%s); polling goes on",
                        name, readable_url(hub), refusal)
        await store.merge_state(self._sessions, name, {_MODE: None, _REFUSED: refusal})

    def _usable(self, hub: str) -> bool:
        """An https hub (http too when private fetches are allowed: tests); the secret travels in it."""
        try:
            scheme = urlsplit(hub).scheme.lower()
        except ValueError:
            return False
        return scheme == "https" or (scheme == "http" and self._allow_private)

    def _due(self, state: Mapping[str, str], now: datetime) -> bool:
        """Whether the subscription kept in `state` (same hub and topic) should be asked for again."""
        asked = _when(state.get(_ASKED))
        if state.get(_REFUSED):
            return asked is None or now - asked >= RETRY_REFUSED
        if state.get(_MODE) == "subscribe" and asked is not None and now - asked < PENDING:
            return False
        until = _when(state.get(_UNTIL))
        lease = state.get(_LEASE, "")
        before = min(RENEW_BEFORE, timedelta(seconds=int(lease) / 2)) if lease.isdecimal() else RENEW_BEFORE
        return until is None or until - now <= before

    async def _ask(self, hub: str, topic: str, secret: str, name: str) -> str | None:
        """POST the subscription request; None when the hub accepted it, else why not (no secret in it)."""
        client = self._client or shared_client(self._allow_private)
        form = {
            "hub.mode": "subscribe", "hub.topic": topic, "hub.callback": self.callback(name), "hub.secret": secret,
            "hub.lease_seconds": str(self._lease),
        }
        try:
            response = await client.post(hub, data=form, timeout=httpx.Timeout(REQUEST_TIMEOUT))
        except httpx.TimeoutException:
            return f"no answer within {REQUEST_TIMEOUT:g} s"
        except FetchRefused:
            return "not a public address"
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            return f"cannot connect ({type(exc).__name__})"
        await response.aclose()
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"

    async def verify(self, name: str, mode: str, topic: str, challenge: str, lease: str = "", reason: str = "") -> str | None:
        """Answer a hub's verification GET: the challenge to echo, "" to acknowledge a denial, or
        None (404) for anything Herald did not ask for or no longer waits on."""
        status = await store.get_source(self._sessions, name)
        if status is None:
            return None
        state, now = status.state, self._clock.now()
        if not topic or topic != state.get(_TOPIC):
            return None
        asked = _when(state.get(_ASKED))
        waiting = state.get(_MODE) == mode and asked is not None and now - asked < PENDING
        if mode == "denied" and (waiting or _UNTIL in state):
            why = " ".join(reason.split())[:200] or "no reason given"
            log.warning("source %s: the WebSub hub %s denied the subscription (%s); polling goes on",
                        name, readable_url(state.get(_HUB, "")), why)
            await store.merge_state(self._sessions, name, {_MODE: None, _UNTIL: None, _REFUSED: "denied",
                                                           _ASKED: now.isoformat()})
            return ""
        if mode != "subscribe" or not waiting or not challenge or len(challenge) > MAX_CHALLENGE:
            return None
        granted = int(lease) if lease.isdecimal() and len(lease) < 12 else self._lease
        granted = min(max(granted, MIN_LEASE), MAX_LEASE)
        until = now + timedelta(seconds=granted)
        await store.merge_state(self._sessions, name, {_MODE: None, _UNTIL: until.isoformat(), _LEASE: str(granted),
                                                       _REFUSED: None})
        log.info("source %s: the WebSub hub confirmed the subscription until %s", name, until.isoformat(timespec="minutes"))
        return challenge

    async def secret(self, name: str) -> str | None:
        """The secret distributions for `name` are signed with; None when there is no such source
        or no subscription (the hub is then told 410 Gone)."""
        status = await store.get_source(self._sessions, name)
        if status is None:
            return None
        return status.state.get(_SECRET) or None
