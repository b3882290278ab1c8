"""Keep fetches pointed outward (images, feeds, git repositories): which addresses a URL from a post
or a source may reach, and an httpx transport that enforces it on every request (every redirect
hop included).

Image URLs come from posts, so they are untrusted: a post could name `http://169.254.169.254/`
or a hostname that resolves to `127.0.0.1` and have Herald fetch from inside its own network.
The transport resolves the host itself, refuses the request when any of its addresses is not a
public one, and connects to the address it checked (Host header and TLS server name stay the
URL's host), so a DNS answer that changes between check and connect cannot swap it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable

import httpx

__all__ = ["CLOUD_METADATA", "FetchRefused", "GuardedTransport", "Resolver", "refusal", "system_resolve"]

log = logging.getLogger("herald.fetch")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
"""`(host, port)` → the addresses to connect to (textual IPs)."""

CLOUD_METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, Oracle, DigitalOcean, OpenStack
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure wire server
        "192.0.0.192",  # Oracle Cloud (classic)
    )
)
"""Cloud metadata endpoints: refused even when private addresses are allowed."""
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SCHEMES = ("http", "https")
_REPORTED = 1024
_TRIED_ADDRESSES = 4


class FetchRefused(httpx.RequestError):
    """The URL may not be fetched: not http(s), or its host is not a public address."""


def _embedded_v4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4, Teredo), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def refusal(address: str | IPAddress, *, allow_private: bool = False) -> str | None:
    """Return why `address` may not be fetched from (e.g. "loopback"), or None when it may.

    `allow_private` lets loopback, private and link-local addresses through (for tests); cloud
    metadata, multicast, unspecified and reserved addresses are refused regardless.
    """
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
        ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
    embedded = _embedded_v4(ip)
    if embedded is not None:
        inner = refusal(embedded, allow_private=allow_private)
        return f"{inner} (inside IPv6 {ip})" if inner else None
    if ip in CLOUD_METADATA:
        return "a cloud metadata address"
    for kind in ("multicast", "unspecified"):
        if getattr(ip, f"is_{kind}"):
            return kind
    if ip.is_loopback:  # before "reserved": ::1 is inside the reserved ::/8
        return None if allow_private else "loopback"
    if ip.is_reserved:
        return "reserved"
    if allow_private:
        return None
    for kind in ("link_local", "private"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    if not ip.is_global:
        return "not a public address"
    return None


async def system_resolve(host: str, port: int) -> list[str]:
    """Resolve `host` with the system resolver; every address it gives, in its order."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for *_, sockaddr in infos:
        if sockaddr[0] not in seen:
            seen.append(str(sockaddr[0]))
    return seen


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that only reaches public addresses, and connects to the one it checked."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        resolve: Resolver | None = None,
        inner: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._allow_private = allow_private
        self._resolve = resolve or system_resolve
        # No kept-alive connections: the pool is keyed by the pinned IP, and two hosts sharing
        # one IP must not share a TLS connection made for the other's name.
        self._inner = inner or httpx.AsyncHTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))
        self._reported: set[str] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        host = url.raw_host.decode("ascii").strip("[]")
        if url.scheme not in _SCHEMES:
            raise self._refuse(request, url.scheme or "?", f"the {url.scheme or 'empty'} scheme is not fetched")
        if not host:
            raise self._refuse(request, "?", "no host")
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            addresses = await self._resolve(host, port)
        except OSError as exc:
            raise httpx.ConnectError(f"cannot resolve {host}: {exc}", request=request) from None
        if not addresses:
            raise httpx.ConnectError(f"{host} has no address", request=request)
        for address in addresses:
            try:
                reason = refusal(address, allow_private=self._allow_private)
            except ValueError:
                reason = "not an IP address"
            if reason is not None:
                raise self._refuse(request, host, f"{host} resolves to {address}: {reason}")
        failure: httpx.ConnectError | None = None
        for address in addresses[:_TRIED_ADDRESSES]:  # every one checked; the next if one is down
            pinned = httpx.Request(
                request.method,
                url.copy_with(host=address),
                headers=request.headers,  # Host: still the URL's host
                stream=request.stream,
                extensions={**request.extensions, "sni_hostname": host},
            )
            try:
                return await self._inner.handle_async_request(pinned)
            except httpx.ConnectError as exc:  # nothing was sent yet
                failure = exc
        assert failure is not None
        raise failure

    def _refuse(self, request: httpx.Request, host: str, reason: str) -> FetchRefused:
        if host not in self._reported:  # once per host: a broadcast asks for one image many times
            if len(self._reported) >= _REPORTED:
                self._reported.clear()
            self._reported.add(host)
            log.warning("fetch refused (not a public address): %s", reason)
        return FetchRefused(reason, request=request)

    async def aclose(self) -> None:
        await self._inner.aclose()
