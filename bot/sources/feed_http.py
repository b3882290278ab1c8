"""Fetching a feed document: one guarded, conditional, capped GET.

Every request goes through `bot.guard.GuardedTransport` (public addresses only unless
`allow_private`, checked on every redirect hop). The ETag and Last-Modified kept from the last
poll are sent back, so a 304 costs one small request; a 200 whose bytes hash to the digest kept
(`state["body"]`) is unchanged too, for servers that do neither. Redirects are followed by hand
(at most `MAX_REDIRECTS`) so that a permanent one (301, 308: every hop so far permanent) is
remembered as `state["url"]` and later polls go straight there. The body is decompressed here,
never more than `max_bytes + 1` bytes at a time, so a gzip bomb stops at the cap.

Reasons in `SourceFailure` name the host and path at most: never a query string, user info or
token. Building a client costs ~25 ms of CPU (its TLS context), so one client per event loop is
shared by every poll (`shared_client`) unless the caller passes its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import weakref
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

import bot
from bot.guard import FetchRefused, GuardedTransport
from bot.sources.model import PollContext, SourceFailure, Unchanged

__all__ = [
    "MAX_REDIRECTS",
    "Fetched",
    "fetch_feed",
    "new_client",
    "readable_url",
    "shared_client",
]

MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 7 * 86400.0
_CHUNK = 64 * 1024
_PERMANENT = (301, 308)
_REDIRECTS = (301, 302, 303, 307, 308)
_ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
_CLIENTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[bool, httpx.AsyncClient]] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True, slots=True)
class Fetched:
    """A feed document that changed since the last poll."""

    url: str
    """Where the document was read from, after redirects (the base for relative links)."""
    body: bytes
    """Decompressed, at most `max_bytes`."""
    content_type: str
    """The Content-Type header as sent (with its charset), or ""."""
    state: dict[str, str]
    """The state to keep: url (after a permanent redirect), etag, last_modified, body digest."""
    location: str = ""
    """The feed's configured URL (identities resolve against it: see `bot.sources.feed_xml`)."""


def new_client(*, allow_private: bool = False, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """A client for feed fetches (guarded; no proxy from the environment, no automatic redirects).

    `transport` replaces the network below the guard (tests); the caller closes the client."""
    return httpx.AsyncClient(
        transport=GuardedTransport(allow_private=allow_private, inner=transport),
        follow_redirects=False,
        trust_env=False,  # a proxy from the environment would resolve hosts unchecked
    )


def shared_client(allow_private: bool) -> httpx.AsyncClient:
    """The client every poll on the running event loop shares (made on first use)."""
    loop = asyncio.get_running_loop()
    clients = _CLIENTS.setdefault(loop, {})
    client = clients.get(allow_private)
    if client is None or client.is_closed:
        client = clients[allow_private] = new_client(allow_private=allow_private)
    return client


def readable_url(url: str) -> str:
    """`url` as a failure reason may show it: scheme, host, port and path; no user info or query."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "the feed URL"
    if ":" in host:
        host = f"[{host}]"
    path = parts.path if len(parts.path) <= 200 else parts.path[:200] + "…"
    return f"{parts.scheme}://{host}{port}{path}"


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None


def user_agent(ctx: PollContext) -> str:
    """`Herald/<version>`, and `(+site URL)` when one is configured."""
    site = ctx.content.site_url
    return f"Herald/{bot.__version__}" + (f" (+{site})" if site else "")


async def fetch_feed(client: httpx.AsyncClient, location: str, state: dict[str, str], ctx: PollContext) -> Fetched | Unchanged:
    """GET the feed at `state["url"]` (a remembered permanent redirect) or `location`.

    Returns `Unchanged` on 304 or on the same bytes as last time; raises `SourceFailure`. The
    caller bounds the time (`ctx.timeout`) of the whole poll."""
    url = state.get("url") or location
    kept = dict(state)
    headers = {"User-Agent": user_agent(ctx), "Accept": _ACCEPT, "Accept-Encoding": "gzip, deflate"}
    if state.get("etag"):
        headers["If-None-Match"] = state["etag"]
    if state.get("last_modified"):
        headers["If-Modified-Since"] = state["last_modified"]
    token_origin = _origin(location) if ctx.token else None
    permanent = True
    for _hop in range(MAX_REDIRECTS + 1):
        sent = dict(headers)
        if token_origin is not None and _origin(url) == token_origin:  # the token goes to its own host only
            sent["Authorization"] = f"Bearer {ctx.token}"
        try:
            request = client.build_request("GET", url, headers=sent, timeout=httpx.Timeout(ctx.timeout))
            response = await client.send(request, stream=True)
        except FetchRefused as exc:
            raise SourceFailure(f"{readable_url(url)} is not a public address ({_refusal(exc)})", state=_moved(kept)) from None
        except httpx.TimeoutException:
            raise SourceFailure(f"no answer from {readable_url(url)} within {ctx.timeout:g} s", state=_moved(kept)) from None
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            raise SourceFailure(f"cannot fetch {readable_url(url)}: {_error_name(exc)}", state=_moved(kept)) from None
        try:
            status = response.status_code
            if status in _REDIRECTS and "location" in response.headers:
                target = _redirect_target(url, response.headers["location"])
                permanent = permanent and status in _PERMANENT
                if permanent:
                    kept["url"] = target
                url = target
                continue
            if status == 304:
                return Unchanged(_validators(kept, response))
            if not 200 <= status < 300:
                raise SourceFailure(
                    f"{readable_url(url)} answered HTTP {status}", retry_after=_retry_after(response), state=_moved(kept)
                )
            body = await _read_body(response, ctx.max_bytes, url, kept)
        finally:
            await response.aclose()
        new_state = _validators(kept, response)
        digest = hashlib.sha256(body).hexdigest()
        if state.get("body") == digest:
            return Unchanged({**new_state, "body": digest})
        new_state["body"] = digest
        return Fetched(url, body, response.headers.get("content-type", ""), new_state, location)
    raise SourceFailure(f"more than {MAX_REDIRECTS} redirects from {readable_url(location)}", state=_moved(kept))


def _moved(kept: dict[str, str]) -> dict[str, str]:
    """What a failed poll keeps: a permanent redirect seen on the way."""
    return {"url": kept["url"]} if "url" in kept else {}


def _redirect_target(url: str, location: str) -> str:
    target = urljoin(url, location.strip())
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceFailure(f"{readable_url(url)} redirects to something that is not an http(s) URL")
    return target


def _validators(kept: dict[str, str], response: httpx.Response) -> dict[str, str]:
    state = dict(kept)
    for header, key in (("etag", "etag"), ("last-modified", "last_modified")):
        value = response.headers.get(header, "").strip()
        if value and len(value) <= 512:
            state[key] = value
    return state


def _retry_after(response: httpx.Response) -> float | None:
    if response.status_code not in (429, 503):
        return None
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdecimal():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
        sent = parsedate_to_datetime(response.headers["date"]) if "date" in response.headers else None
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None or (sent is not None and sent.tzinfo is None):
        return None
    if sent is None:
        sent = datetime.now(UTC)
    return min(max((when - sent).total_seconds(), 0.0), MAX_RETRY_AFTER)


def _decoder(response: httpx.Response, url: str) -> zlib._Decompress | None:
    codings = [c.strip().lower() for c in response.headers.get("content-encoding", "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return None
    if codings == ["gzip"] or codings == ["x-gzip"]:
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if codings == ["deflate"]:
        return zlib.decompressobj(zlib.MAX_WBITS)  # zlib-wrapped; raw deflate is tried on error
    raise SourceFailure(f"{readable_url(url)} sent the feed as {', '.join(codings)[:40]}, which Herald does not decode")


async def _read_body(response: httpx.Response, limit: int, url: str, kept: dict[str, str]) -> bytes:
    """Read and decompress the body, stopping as soon as it holds more than `limit` bytes."""
    too_big = SourceFailure(f"{readable_url(url)} is larger than {_size(limit)}", state=_moved(kept))
    decoder = _decoder(response, url)
    declared = response.headers.get("content-length", "")
    if decoder is None and declared.isdecimal() and int(declared) > limit:
        raise too_big
    out = bytearray()
    raw_deflate = False
    try:
        async for chunk in response.aiter_raw(_CHUNK):
            if decoder is None:
                out += chunk
            else:
                try:
                    data = decoder.decompress(chunk, limit + 1 - len(out))
                except zlib.error:
                    if raw_deflate or out or response.headers.get("content-encoding", "").strip().lower() != "deflate":
                        raise
                    raw_deflate, decoder = True, zlib.decompressobj(-zlib.MAX_WBITS)
                    data = decoder.decompress(chunk, limit + 1 - len(out))
                out += data
                while decoder.unconsumed_tail and len(out) <= limit:
                    out += decoder.decompress(decoder.unconsumed_tail, limit + 1 - len(out))
            if len(out) > limit:
                raise too_big
    except zlib.error:
        raise SourceFailure(f"{readable_url(url)} sent a body that does not decompress", state=_moved(kept)) from None
    except httpx.TimeoutException:
        raise SourceFailure(f"{readable_url(url)} stopped sending the feed halfway (timed out)", state=_moved(kept)) from None
    except httpx.HTTPError as exc:
        raise SourceFailure(f"reading {readable_url(url)} failed: {_error_name(exc)}", state=_moved(kept)) from None
    return bytes(out)


def _size(limit: int) -> str:
    mib = limit / 2**20
    return f"{mib:g} MiB" if mib >= 1 else f"{limit // 1024 or 1} KiB" if limit >= 1024 else f"{limit} bytes"


def _refusal(exc: FetchRefused) -> str:
    text = str(exc)
    return text.rsplit(": ", 1)[-1][:100] if ": " in text else text[:100]


def _error_name(exc: Exception) -> str:
    """A short, token-free name for a transport error."""
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server broke the HTTP exchange"
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError)):
        return "not a usable URL"
    return type(exc).__name__
