"""The Sources page: the content folder, then every feed and git source with its kind, address
(without credentials), origin, published articles, last and next fetch in HERALD_TIMEZONE,
failures in a row and last error (shown as text, cut) — the view `/sources` and `herald source
list` show (`bot.sources.listing`) — and a "Poll now" button per polled source, which makes it due
at once (`bot.store.sources.poll_now`; the poller fetches it at its next look).
Routes: `GET /sources`, `POST /sources/{name}/poll`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.commands.i18n import Lang, message
from bot.schedule.when import format_when
from bot.sources.listing import listed_sources
from bot.store.sources import poll_now

if TYPE_CHECKING:
    from bot.panel.app import PanelConfig

log = logging.getLogger("herald.panel")

MAX_NAME_CHARS = 64
"""Longest source name read from the address (the store's column size)."""

TEXT_KEYS = frozenset({
    "panel.nav.sources", "panel.sources.heading", "panel.sources.zone", "panel.sources.name", "panel.sources.kind",
    "panel.sources.location", "panel.sources.origin", "panel.sources.articles", "panel.sources.last_fetch",
    "panel.sources.next_fetch", "panel.sources.failures", "panel.sources.last_error", "panel.sources.watched",
    "panel.sources.poll", "panel.sources.polling", "panel.sources.unknown", "sources.none", "sources.never",
})
"""The catalogue texts this page's template says."""


def add_routes(
    app: web.Application, config: PanelConfig, *, render: Callable[..., web.Response],
    signed_in: Callable[[web.Request], Any], lang_of: Callable[[web.Request], Lang],
) -> None:
    """Register `GET /sources` and `POST /sources/{name}/poll` on the panel's application."""

    def when(moment: Any) -> str | None:
        return None if moment is None else format_when(moment, config.zone)

    async def view(request: web.Request, *, status: int = 200, notice: str | None = None,
                   error: str | None = None) -> web.Response:
        shown = await listed_sources(config.sessions, config.sources_folder)
        return render(request, "sources.html", status=status, sources=shown, when=when, zone=config.zone.key,
                      notice=notice, error=error)

    async def sources(request: web.Request) -> web.Response:
        return await view(request)

    async def poll(request: web.Request) -> web.Response:
        session = signed_in(request)
        assert session is not None  # the middleware refuses a POST without a session (and without its CSRF token)
        name = request.match_info["name"][:MAX_NAME_CHARS + 1]
        lang = lang_of(request)
        if len(name) > MAX_NAME_CHARS or not await poll_now(config.sessions, name, config.clock.now()):
            return await view(request, status=404, error=message("panel.sources.unknown", lang, name=name[:40]))
        log.info("panel: %s asked to poll source %s now", session.admin, name)
        return await view(request, notice=message("panel.sources.polling", lang, name=name))

    app.router.add_get("/sources", sources)
    app.router.add_post("/sources/{name}/poll", poll)
