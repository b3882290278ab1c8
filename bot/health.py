"""The operations HTTP server: `GET /healthz` for liveness/readiness, `GET /metrics` for Prometheus.

The server knows nothing about what "healthy" means: the composition root passes a `check`
coroutine (usually built from `database_check` plus platform states) and a `Metrics`. Port 0 binds
an OS-chosen free port (what tests want); `HERALD_HTTP_PORT=0` means "no server", so the app
decides with `wants_health_server(settings.http_port)` and never builds one for 0.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.metrics import CONTENT_TYPE, Metrics

log = logging.getLogger("herald.health")

DATABASE_TIMEOUT = 2.0
# A check that hangs must not hang the probe: Docker's HEALTHCHECK gives up after 5 s.
CHECK_TIMEOUT = 4.0


@dataclass(frozen=True)
class HealthStatus:
    """The result of a health check: overall verdict, one line per component, why not ok."""

    ok: bool
    checks: Mapping[str, str] = field(default_factory=dict)
    reason: str = ""

    @classmethod
    def from_checks(cls, results: Mapping[str, tuple[bool, str]]) -> HealthStatus:
        """Combine named (ok, detail) results: healthy only when every one is ok."""
        failed = [f"{name}: {detail}" for name, (ok, detail) in results.items() if not ok]
        checks = {name: detail for name, (_ok, detail) in results.items()}
        return cls(ok=not failed, checks=checks, reason="; ".join(failed))


async def database_check(
    sessions: async_sessionmaker[AsyncSession], timeout: float = DATABASE_TIMEOUT
) -> tuple[bool, str]:
    """Run `SELECT 1` within `timeout` seconds; return (ok, detail) and never raise."""
    missing = _missing_sqlite_folder(sessions)
    if missing is not None:
        log.warning("database folder %s is missing", missing)
        return False, "database folder is missing"
    try:
        async with asyncio.timeout(timeout):
            async with sessions() as session:
                await session.execute(text("SELECT 1"))
    except TimeoutError:
        return False, f"no answer within {timeout:g} s"
    except Exception as exc:  # noqa: BLE001 - a probe reports every failure, it never raises
        return False, database_cause(exc)
    return True, "ok"


# (exception class name, or a fragment of the message, lower-cased) → the short cause /healthz
# gives. Driver messages name the host, port, user or database: none of them is ever shown.
_DATABASE_CAUSES = (
    ("invalidpassworderror", "authentication failed"),
    ("invalidauthorizationspecificationerror", "authentication failed"),
    ("password authentication failed", "authentication failed"),
    ("invalidcatalognameerror", "database does not exist"),
    ("too many connections", "too many connections"),
    ("toomanyconnectionserror", "too many connections"),
    ("connection refused", "connection refused"),
    ("connect call failed", "connection refused"),
    ("name or service not known", "host not found"),
    ("temporary failure in name resolution", "host not found"),
    ("nodename nor servname", "host not found"),
    ("gaierror", "host not found"),
    ("timeout", "connection timed out"),
    ("timed out", "connection timed out"),
    ("unable to open database file", "cannot open the database file"),
    ("database is locked", "database is locked"),
    ("disk i/o error", "disk I/O error"),
    ("readonly database", "database is read-only"),
)


def database_cause(exc: BaseException) -> str:
    """Return a short cause for a failed database probe, without host, user, database or
    password: the full text goes to the log at DEBUG only."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 8:
        seen.append(current)
        current = current.__cause__ or current.__context__
    haystack = " ".join(f"{type(e).__name__} {e}" for e in seen).lower()
    for fragment, cause in _DATABASE_CAUSES:
        if fragment in haystack:
            return cause
    innermost = seen[-1]
    if isinstance(innermost, OSError):
        return "cannot connect"
    log.debug("database probe failed: %s", _describe(exc))
    return f"query failed ({type(innermost).__name__})"


def _missing_sqlite_folder(sessions: async_sessionmaker[AsyncSession]) -> Path | None:
    """Return the SQLite database's folder when it is gone (a volume unmounted or moved): a
    pooled connection keeps answering `SELECT 1` on the file it still holds open."""
    url = getattr(sessions.kw.get("bind"), "url", None)
    if url is None or url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    folder = Path(database).expanduser().parent
    return None if folder.is_dir() else folder


def database_and_platforms_check(
    sessions: async_sessionmaker[AsyncSession],
    connected: Callable[[], Mapping[str, bool | tuple[bool, str]]] = dict,
) -> Callable[[], Awaitable[HealthStatus]]:
    """Build the app's check: healthy when the database answers and every platform is served.

    `connected` maps each platform to whether it is connected, or to (ok, detail) as
    `bot.platform.platform_health` gives it: a platform whose API has failed for
    `UNREACHABLE_AFTER` seconds, or that another process competes with for its token, is
    (False, "what fails"); /healthz then answers 503 naming it, and 200 again once it is back.
    """

    async def check() -> HealthStatus:
        results = {"database": await database_check(sessions)}
        for name, state in connected().items():
            if isinstance(state, tuple):
                results[name] = (bool(state[0]), str(state[1]))
            else:
                results[name] = (state, "connected" if state else "disconnected")
        return HealthStatus.from_checks(results)

    return check


def wants_health_server(port: int) -> bool:
    """Tell whether the configured `HERALD_HTTP_PORT` asks for a server (0 disables it)."""
    return port != 0


class HealthServer:
    """An aiohttp server answering `/healthz` from `check()` and `/metrics` from `metrics`;
    `mount` adds routes of its own to the same application (the admin panel under `/panel`)."""

    def __init__(
        self,
        port: int,
        *,
        host: str = "127.0.0.1",
        check: Callable[[], Awaitable[HealthStatus]],
        metrics: Metrics,
        replica: Callable[[], Mapping[str, object]] | None = None,
        mount: Callable[[web.Application], None] | None = None,
    ) -> None:
        self._port = port
        self._mount = mount
        self._replica = replica
        self._host = host
        self._check = check
        self._metrics = metrics
        self._runner: web.AppRunner | None = None
        self._bound: int | None = None

    @property
    def bound_port(self) -> int:
        """The port actually listened on (the OS's choice when built with port 0)."""
        if self._bound is None:
            raise RuntimeError("the health server is not started")
        return self._bound

    async def start(self) -> None:
        """Bind and start serving; raise OSError when the port is taken."""
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._render_metrics)
        if self._mount is not None:  # more pages on the same server (the admin panel, `bot.panel`)
            self._mount(app)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._bound = runner.addresses[0][1]
        self._runner = runner
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self._host, self._bound)

    async def stop(self) -> None:
        """Stop serving and release the port."""
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
        self._bound = None

    async def _healthz(self, _request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                status = await self._check()
        except TimeoutError:
            status = HealthStatus(ok=False, reason=f"health check gave no answer within {CHECK_TIMEOUT:g} s")
        except Exception as exc:
            log.exception("health check failed")
            status = HealthStatus(ok=False, reason=f"health check failed: {_describe(exc)}")
        extra = {"replica": dict(self._replica())} if self._replica is not None else {}
        if status.ok:
            return web.json_response({"status": "ok", "checks": dict(status.checks), **extra})
        body = {"status": "unavailable", "reason": status.reason, "checks": dict(status.checks), **extra}
        return web.json_response(body, status=503)

    async def _render_metrics(self, _request: web.Request) -> web.Response:
        response = web.Response(body=self._metrics.render())
        # CONTENT_TYPE carries its own charset parameter, which aiohttp's content_type= refuses.
        response.headers["Content-Type"] = CONTENT_TYPE
        return response


def _describe(exc: BaseException) -> str:
    # First line only: SQLAlchemy appends the SQL and a help link; asyncpg/sqlite messages name
    # the database and user, never the password.
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text_ = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return text_[:200]
