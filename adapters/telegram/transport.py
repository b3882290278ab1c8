"""python-telegram-bot's HTTP transport on aiohttp instead of httpx.

PTB builds every request (parameters, uploads), maps every answer to its errors and parses the
results; only the HTTP round trip is done here, by aiohttp, whose C parser and connection pool
cost far less CPU per request than httpx's pure-Python stack (`bench.broadcast_bench` measures
the difference). The mapping of failures is what delivery needs to know: whether a failed
request may have reached Telegram (`is_unanswered`: written, then the answer was lost) or
certainly did not (no connection, no free connection in the pool).
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = ["AiohttpRequest", "is_unanswered"]

_UNANSWERED = (
    aiohttp.ServerDisconnectedError,
    aiohttp.ClientPayloadError,
    aiohttp.SocketTimeoutError,
    aiohttp.ServerTimeoutError,
    TimeoutError,
)
"""Errors raised after the request was written (or while it was): the socket closed or timed out
reading the answer, or the whole request's bound ran out."""
_NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
"""aiohttp errors raised before anything was written: no connection was made."""


def is_unanswered(cause: BaseException | None) -> bool:
    """Tell whether a transport failure happened after the request was (maybe) written."""
    if cause is None or isinstance(cause, _NOT_SENT):
        return False
    return isinstance(cause, (_UNANSWERED, aiohttp.ClientOSError))


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` over one `aiohttp.ClientSession` with a bounded connection pool.

    Timeouts as PTB defines them: `connect_timeout` to open a connection, `pool_timeout` to wait
    for a free one, `read_timeout` for the answer, `write_timeout` (or `media_write_timeout` for
    uploads) added to the whole request's bound, since aiohttp has no separate write timeout.
    """

    __slots__ = ("_connect", "_media_write", "_pool", "_pool_wait", "_read", "_session", "_write")

    def __init__(
        self,
        *,
        connection_pool_size: int = 8,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._pool = max(1, connection_pool_size)
        self._read = read_timeout
        self._write = write_timeout
        self._media_write = media_write_timeout
        self._connect = connect_timeout
        self._pool_wait = pool_timeout

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds it to long polling's timeout)."""
        return self._read

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool, limit_per_host=self._pool, use_dns_cache=True)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Make one request; return the status code and the body (see `BaseRequest.do_request`)."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data and request_data.contains_files else None
        fields = request_data.json_parameters if request_data else None
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        wait = self._pool_wait if isinstance(pool_timeout, DefaultValue) else pool_timeout
        default_write = self._media_write if files else self._write
        write = default_write if isinstance(write_timeout, DefaultValue) else write_timeout
        timeout = aiohttp.ClientTimeout(
            total=_sum(connect, wait, write, read),
            connect=_sum(connect, wait),
            sock_connect=connect,
            sock_read=read,
        )
        body: Any = _multipart(fields or {}, files) if files else fields
        try:
            async with self._session.request(
                method, url, data=body, timeout=timeout, allow_redirects=False
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            if isinstance(exc, aiohttp.ConnectionTimeoutError):
                raise TimedOut("Timed out before a connection to the Bot API was made") from exc
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def _sum(*parts: float | None) -> float | None:
    """Add timeouts; any one of them unbounded (None) leaves the sum unbounded."""
    return None if any(p is None for p in parts) else sum(p for p in parts if p is not None)


def _multipart(fields: dict[str, str], files: dict[str, Any]) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
