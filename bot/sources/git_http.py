"""The HTTP side of a git fetch: a urllib3 pool manager for dulwich's smart-HTTP client that only
reaches public addresses, follows no redirect, and stops a fetch that grows past its byte budget
or its deadline.

The address check happens where the socket is opened (`_new_conn`): the host is resolved there,
every address it gives is checked with `bot.guard.refusal`, and the connection goes to a checked
address, so there is no gap between check and connect for a DNS answer to change in. TLS still
verifies the certificate against the URL's host name. Proxies from the environment are not used.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util import connection as util_connection

from bot.guard import refusal

__all__ = ["Budget", "FetchStopped", "HttpStatus", "NotGit", "Redirected", "Refused", "guarded_pool"]

_TRIED_ADDRESSES = 4


class FetchStopped(Exception):
    """The fetch went over its byte budget or its deadline, or was cancelled."""


class Refused(Exception):
    """The host resolves to an address a source may not reach; the message says which."""


class Redirected(Exception):
    """The server answered with a redirect (never followed)."""

    def __init__(self, status: int, host: str | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.host = host


class HttpStatus(Exception):
    """The server answered with an error status."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


class NotGit(Exception):
    """The server answered, but not as a smart-HTTP git server (an HTML page, a dumb server)."""

    def __init__(self, content_type: str) -> None:
        super().__init__(content_type)
        self.content_type = content_type


class Budget:
    """Bytes and time one fetch may use; shared by every response of the fetch (thread-safe
    enough: one fetch runs in one thread; `cancel` is called from the event loop)."""

    def __init__(self, max_bytes: int, deadline: float) -> None:
        self.max_bytes = max_bytes
        self.deadline = deadline
        """`time.monotonic()` value after which reading stops."""
        self.used = 0
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()

    def check(self) -> None:
        """Raise `FetchStopped` when the fetch is cancelled, over its deadline or its bytes."""
        if self._cancelled.is_set():
            raise FetchStopped("cancelled")
        if time.monotonic() > self.deadline:
            raise FetchStopped("deadline")
        if self.used > self.max_bytes:
            raise FetchStopped("size")

    def remaining(self) -> float:
        return max(self.deadline - time.monotonic(), 0.001)

    def counting(self, read: Callable[..., bytes]) -> Callable[..., bytes]:
        """Wrap a response's `read` so every chunk counts against the budget."""

        def counted(*args: Any, **kwargs: Any) -> bytes:
            self.check()
            data = read(*args, **kwargs)
            self.used += len(data)
            self.check()
            return data

        return counted


def _guarded_connect(conn: HTTPConnection, allow_private: bool, budget: Budget) -> socket.socket:
    """Resolve the connection's host, refuse it unless every address may be reached, and connect
    to a checked address (the next one if it does not answer)."""
    budget.check()
    host = conn.host.strip("[]")
    try:
        infos = socket.getaddrinfo(host, conn.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise urllib3.exceptions.NameResolutionError(host, conn, socket.gaierror(str(exc))) from None
    addresses: list[str] = []
    for *_, sockaddr in infos:
        if str(sockaddr[0]) not in addresses:
            addresses.append(str(sockaddr[0]))
    if not addresses:
        raise urllib3.exceptions.NewConnectionError(conn, f"{host} has no address")
    for address in addresses:
        try:
            reason = refusal(address, allow_private=allow_private)
        except ValueError:
            reason = "not an IP address"
        if reason is not None:
            raise Refused(f"{host} resolves to {address}: {reason}")
    failure: OSError | None = None
    for address in addresses[:_TRIED_ADDRESSES]:
        try:
            return util_connection.create_connection(
                (address, conn.port),
                min(budget.remaining(), conn.timeout) if isinstance(conn.timeout, (int, float)) else budget.remaining(),
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except OSError as exc:
            failure = exc
    raise urllib3.exceptions.NewConnectionError(conn, f"cannot connect to {host}: {failure}")


def guarded_pool(*, allow_private: bool, budget: Budget, timeout: float) -> urllib3.PoolManager:
    """A pool manager for `dulwich.client.Urllib3HttpGitClient`: guarded connections, no retries,
    no redirects (a 3xx raises `Redirected`), error statuses raise `HttpStatus`, an answer that is
    not smart-HTTP git raises `NotGit`, and every byte read counts against `budget`."""

    class _Connection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _guarded_connect(self, allow_private, budget)

    class _TLSConnection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _guarded_connect(self, allow_private, budget)

    class _Pool(HTTPConnectionPool):
        ConnectionCls = _Connection

    class _TLSPool(HTTPSConnectionPool):
        ConnectionCls = _TLSConnection

    class _Manager(urllib3.PoolManager):
        def urlopen(self, method: str, url: str, redirect: bool = True, **kw: Any) -> Any:  # type: ignore[override]
            budget.check()
            response = super().urlopen(method, url, redirect=False, **kw)
            status = response.status
            if 300 <= status < 400:
                response.release_conn()
                location = response.headers.get("Location") or ""
                raise Redirected(status, urllib3.util.parse_url(location).host if location else None)
            if status >= 400:
                retry = response.headers.get("Retry-After", "")
                response.release_conn()
                raise HttpStatus(status, float(retry) if retry.isdigit() else None)
            kind = response.headers.get("Content-Type") or ""
            if "service=git-" in url and not kind.startswith("application/x-git-"):
                response.release_conn()
                raise NotGit(kind.split(";")[0][:60] or "no content type")
            response.read = budget.counting(response.read)  # type: ignore[method-assign]
            return response

    manager = _Manager(
        num_pools=2,
        maxsize=1,
        retries=False,
        timeout=urllib3.Timeout(connect=timeout, read=timeout),
        headers={"User-Agent": "herald-git (dulwich)"},
    )
    manager.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}
    return manager
