"""The admin panel's HTTP side: an aiohttp sub-application mounted at `/panel`, pages rendered
with Jinja2 (autoescaping on: every article field is text, never markup).

Routes: `GET /` (the articles list, or the sign-in page without a session), `GET /articles/{id}`,
`GET /queue` (queue at a time or for one target, move, cancel, broadcast now: `POST /queue/add`,
`/queue/{n}/move`, `/queue/{n}/cancel`, `/articles/{id}/queue`, `/articles/{id}/broadcast`),
`GET /approvals` (held articles; `POST /approvals/{id}/{approve|queue|skip}`), `GET /subscriptions`
(`POST /subscriptions/remove`: bot/panel/subscriptions_page.py), `GET /deliveries`
(bot/panel/deliveries_page.py), `GET /sources` (`POST /sources/{name}/poll`: bot/panel/sources_page.py),
`GET /login/{token}`
(a page with a Sign in button: link previewers that fetch the link do not use it up), `POST /login`
(uses the link once, sets the session cookie), `POST /webapp` (Telegram Mini App initData → session),
`POST /logout`, `/static/`. Every state-changing request of a session carries its CSRF token
(form field `csrf` or header `X-CSRF-Token`), else 403. Tokens never reach a log: the server
writes no access log, and nothing here logs a request's path.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.commands.context import CommandContext, Settled
from bot.commands.i18n import Lang, language_of, message
from bot.content import ContentConfig
from bot.panel import actions, deliveries_page, queue_page, sources_page, subscriptions_page
from bot.panel import articles as article_pages
from bot.panel.auth import (
    MAX_TOKEN_CHARS,
    SESSION_TTL,
    PanelSession,
    csrf_ok,
    end_session,
    find_session,
    link_admin,
    redeem_link,
    start_session,
)
from bot.panel.previews import discord_embeds, telegram_bubbles
from bot.panel.webapp import MAX_INIT_DATA_CHARS, verify_init_data
from bot.platform import PlatformSpec
from bot.schedule.when import format_when
from bot.sources.spec import SourceSpec, SpecError
from bot.store.queue import get_item
from bot.summary import SummaryConfig
from bot.targets import Target

log = logging.getLogger("herald.panel")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

HERE = Path(__file__).parent
COOKIE = "herald_panel"
MAX_FORM_BYTES = 16 * 1024
"""Largest form body read (initData is a few hundred bytes)."""
CSP = (
    "default-src 'self'; img-src 'self' https: http: data:; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self' https://web.telegram.org"
)
"""Scripts and styles only from the panel itself; images of posts from their hosts."""
PREVIEW_PLATFORMS = ("telegram", "discord")

TEXT_KEYS = frozenset({
    "panel.title", "panel.signin.heading", "panel.signin.how", "panel.signin.confirm", "panel.signin.button",
    "panel.signin.refused", "panel.signin.not_admin", "panel.signin.miniapp", "panel.signout", "panel.signed_in_as",
    "panel.forbidden", "panel.nav.articles", "panel.articles.search", "panel.articles.category",
    "panel.articles.any_category", "panel.articles.state", "panel.articles.any_state", "panel.articles.filter",
    "panel.articles.count", "panel.articles.none", "panel.articles.page", "panel.articles.newer",
    "panel.articles.older", "panel.filter.published", "panel.filter.held", "panel.filter.future",
    "panel.filter.problem", "panel.state.draft", "panel.state.scheduled", "panel.state.held",
    "panel.state.published", "panel.state.removed", "panel.article.back", "panel.article.missing",
    "panel.article.telegram", "panel.article.discord", "panel.article.problems", "panel.article.no_problems",
    "panel.article.failed", "panel.article.stored", "panel.article.file", "panel.article.date", "panel.article.bot",
    "panel.article.no_preview", "panel.nav.queue", "panel.queue.heading", "panel.queue.zone", "panel.queue.slots",
    "panel.queue.no_slots", "panel.queue.empty", "panel.queue.count", "panel.queue.everyone", "panel.queue.to",
    "panel.queue.button", "panel.queue.added", "panel.queue.refused", "panel.queue.add", "panel.queue.article",
    "panel.queue.when", "panel.queue.when_hint", "panel.queue.target", "panel.queue.target_hint", "panel.queue.submit",
    "panel.queue.cancel", "panel.queue.move", "panel.queue.broadcast", "panel.nav.approvals",
    "panel.approvals.heading", "panel.approvals.empty", "panel.approvals.count", "button.approve", "button.queue",
    "button.skip",
}) | subscriptions_page.TEXT_KEYS | deliveries_page.TEXT_KEYS | sources_page.TEXT_KEYS
"""The catalogue texts the templates say (`t("panel.title")`); a key not listed here is refused."""

PREFIX = web.AppKey("panel_prefix", str)
SESSION: web.RequestKey[PanelSession | None] = web.RequestKey("panel_session")
"""The request's signed-in session, or None (set by the session middleware)."""
"""Where the panel is mounted (`/panel`), for links in pages."""


@dataclass(frozen=True)
class PanelConfig:
    """What the panel needs from the app: the store, the clock, who the admins are, and how to render."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    admins: frozenset[Target]
    public_url: str
    """The panel's public address (HERALD_PANEL_URL): cookies are Secure when it is https."""
    content: ContentConfig
    summary: SummaryConfig
    platforms: Mapping[str, PlatformSpec] = field(default_factory=dict)
    telegram_token: str | None = None
    """The bot token that signs Mini App initData; None: the Mini App cannot sign in."""
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    """Where queue times are shown and typed (HERALD_TIMEZONE)."""
    slots: tuple[time, ...] = ()
    """Daily broadcast slots (HERALD_QUEUE_SLOTS)."""
    run_queue: Callable[[], Awaitable[object]] | None = None
    """Send due queue items now (the app's queue runner); None leaves them to its periodic look."""
    wake: Callable[[], None] | None = None
    """Tell the delivery engine new outbox rows are due (an approval fans out)."""
    settled: Settled | None = None
    """Edit every admin's chat approval card to show a decision (the app's `ApprovalCards.settle`)."""
    channels: tuple[str, ...] = ()
    """Configured channels (HERALD_CHANNELS), offered as queue targets."""
    sources_folder: SourceSpec | None = None
    """The content folder as a source (the Sources page lists it first); None: none is configured."""

    @classmethod
    def from_settings(
        cls, settings: Any, *, sessions: async_sessionmaker[AsyncSession], clock: Clock,
        platforms: Mapping[str, PlatformSpec], run_queue: Callable[[], Awaitable[object]] | None = None,
        wake: Callable[[], None] | None = None, settled: Settled | None = None,
    ) -> PanelConfig:
        """Build the panel's configuration from `Settings`."""
        from bot.panel.address import panel_url
        from bot.schedule.slots import parse_slots
        from bot.targets import parse_targets

        token = settings.telegram_token.get_secret_value() if settings.telegram_token is not None else None
        return cls(
            sessions=sessions, clock=clock, admins=frozenset(parse_targets(settings.admins)),
            public_url=panel_url(settings) or "http://127.0.0.1/panel",
            content=ContentConfig.from_settings(settings), summary=SummaryConfig.from_settings(settings),
            platforms={name: spec for name, spec in platforms.items() if name in PREVIEW_PLATFORMS},
            telegram_token=token, zone=settings.zone, slots=parse_slots(settings.queue_slots), run_queue=run_queue,
            wake=wake, settled=settled, channels=tuple(str(target) for target in parse_targets(settings.channels)),
            sources_folder=_folder(settings),
        )

    @property
    def secure(self) -> bool:
        """Whether the session cookie is `Secure` (the panel is served over https)."""
        return urlsplit(self.public_url).scheme == "https"

    def commands(self) -> CommandContext:
        """The context the chat commands get, for the panel's actions to run the same code."""
        async def no_article(_article_id: int) -> None:
            return None

        return CommandContext(
            sessions=self.sessions, clock=self.clock, read_article=no_article, admins=self.admins, zone=self.zone,
            slots=self.slots, run_queue=self.run_queue, wake=self.wake, settled=self.settled,
        )

    def is_admin(self, admin: str) -> bool:
        """Tell whether `admin` (`telegram:42`) is still one of HERALD_ADMINS."""
        platform, _, user = admin.partition(":")
        return Target(platform, user) in self.admins


def _folder(settings: Any) -> SourceSpec | None:
    from bot.sources.config import configured

    try:
        return configured(settings).folder
    except SpecError:  # the app refuses to start on it
        return None


_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _lang(request: web.Request) -> Lang:
    header = request.headers.get("Accept-Language", "")[:200]
    return language_of(header.split(",")[0].split(";")[0].strip() or None)


def _render(request: web.Request, template: str, *, status: int = 200, **values: Any) -> web.Response:
    lang = _lang(request)

    def t(key: str, **fill: Any) -> str:
        if key not in TEXT_KEYS:
            raise KeyError(f"{key!r} is not a panel text")
        return message(key, lang, **fill)

    session = request.get(SESSION)
    html = _ENV.get_template(template).render(
        t=t, lang={"en": "en", "zh": "zh-Hans", "zh-Hant": "zh-Hant"}[lang], session=session,
        base=request.app[PREFIX], **values,
    )
    return web.Response(text=html, status=status, content_type="text/html")


@web.middleware
async def _headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if not request.path.startswith(f"{request.app[PREFIX]}/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


OPEN_POSTS = ("login", "webapp")
OPEN_PAGE = "login/"
"""The one page shown without a session: a sign-in link's confirmation."""
"""Requests that start a session (so have none yet): a link's token or signed initData is their proof."""


def _session_middleware(config: PanelConfig) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def sessions(request: web.Request, handler: Handler) -> web.StreamResponse:
        prefix = request.app[PREFIX]
        tail = request.path[len(prefix):].strip("/")
        if tail.startswith("static/") and request.method in ("GET", "HEAD"):
            request[SESSION] = None
            return await handler(request)
        found = await find_session(config.sessions, request.cookies.get(COOKIE), config.clock.now())
        if found is not None and not config.is_admin(found.admin):
            found = None  # no longer an admin: the session signs nobody in
        request[SESSION] = found
        if request.method in ("GET", "HEAD") and found is None and not tail.startswith(OPEN_PAGE):
            return _render(request, "signin.html", status=401)  # no session: no page but how to get one
        if request.method not in ("GET", "HEAD", "OPTIONS") and tail not in OPEN_POSTS:
            if found is None:
                return _render(request, "refused.html", status=403, said=None, reason="panel.forbidden")
            given = request.headers.get("X-CSRF-Token")
            if given is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                given = (await _form(request)).get("csrf")
            if not csrf_ok(found.token, given):
                return _render(request, "refused.html", status=403, said=None, reason="panel.forbidden")
        return await handler(request)

    return sessions


async def _form(request: web.Request) -> dict[str, str]:
    if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_FORM_BYTES, actual_size=request.content_length)
    form = await request.post()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _set_cookie(response: web.StreamResponse, config: PanelConfig, session: PanelSession, prefix: str) -> None:
    response.set_cookie(
        COOKIE, session.token, max_age=int(SESSION_TTL.total_seconds()), path=prefix or "/",
        httponly=True, samesite="Lax", secure=config.secure,
    )


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def panel_app(config: PanelConfig, prefix: str = "/panel") -> web.Application:
    """Return the panel as an aiohttp application to mount at `prefix` (`add_subapp`)."""
    app = web.Application(middlewares=[_headers, _session_middleware(config)], client_max_size=MAX_FORM_BYTES)
    app[PREFIX] = prefix

    async def home(request: web.Request) -> web.Response:
        wanted = article_pages.ArticleFilter.from_query(dict(request.query))
        page = await article_pages.list_articles(config.sessions, wanted, config.clock.now())

        def page_link(number: int) -> str:
            values = {"q": wanted.query, "category": wanted.category, "state": wanted.state, "page": str(number)}
            return f"{prefix}/?" + urlencode({k: v for k, v in values.items() if v})

        return _render(request, "articles.html", page=page, states=article_pages.STATES, page_link=page_link)

    async def article(request: web.Request) -> web.Response:
        raw = request.match_info["id"]
        article_id = int(raw) if raw.isdigit() and len(raw) <= 18 else 0
        view = None
        if article_id > 0:
            view = await article_pages.article_view(
                config.sessions, article_id, content=config.content, summary=config.summary,
                platforms=dict(config.platforms),
            )
        if view is None:
            return _render(request, "missing.html", status=404, article_id=raw[:20])
        return _render(
            request, "article.html", view=view,
            telegram=telegram_bubbles(view.requests["telegram"]) if "telegram" in view.requests else None,
            discord=discord_embeds(view.requests["discord"]) if "discord" in view.requests else None,
        )

    async def queue_view(
        request: web.Request, *, status: int = 200, notice: str | None = None, error: str | None = None,
        typed: Mapping[str, str] | None = None,
    ) -> web.Response:
        days, total = await queue_page.queue_days(config.sessions, config.zone)
        added = None
        raw = request.query.get("added", "")
        if raw.isdigit() and len(raw) <= 18 and notice is None and error is None:
            item = await get_item(config.sessions, int(raw))
            if item is not None:
                added = {"qid": item.id, "id": item.article_id, "when": format_when(item.due_at, config.zone)}
        kept = {key: (typed or {}).get(key, "")[:actions.MAX_FIELD_CHARS] for key in ("article", "when", "target")}
        return _render(
            request, "queue.html", status=status, days=days, total=total, added=added, zone=config.zone.key,
            slots=", ".join(f"{slot:%H:%M}" for slot in config.slots), notice=notice, error=error, typed=kept,
            channels=config.channels,
        )

    async def queue(request: web.Request) -> web.Response:
        return await queue_view(request)

    async def queue_add(request: web.Request) -> web.StreamResponse:
        session = request[SESSION]
        assert session is not None  # the middleware refuses a POST without a session
        form = await _form(request)
        lang = _lang(request)
        try:
            article_id = actions.article_number(form.get("article", ""), lang)
            planned = await actions.queue_article(
                config.commands(), article_id, when=form.get("when"), target=form.get("target"), admin=session.admin,
                lang=lang,
            )
        except actions.ActionError as exc:
            return await queue_view(request, status=400, error=exc.text, typed=form)
        log.info("panel: %s queued article %d as #%d", session.admin, article_id, planned.item.id)
        return await queue_view(request, notice=actions.added_text(config.commands(), planned, lang))

    async def queue_article(request: web.Request) -> web.StreamResponse:
        session = request[SESSION]
        raw = request.match_info["id"]
        article_id = int(raw) if raw.isdigit() and len(raw) <= 18 else 0
        if session is None or article_id <= 0:
            return _render(request, "missing.html", status=404, article_id=raw[:20])
        form = await _form(request)
        lang = _lang(request)
        try:
            planned = await actions.queue_article(
                config.commands(), article_id, when=form.get("when"), target=form.get("target"), admin=session.admin,
                lang=lang,
            )
        except actions.ActionError as exc:
            said = message("panel.queue.refused", lang, reason=exc.text)
            return await queue_view(request, status=400, error=said, typed={**form, "article": str(article_id)})
        log.info("panel: %s queued article %d as #%d", session.admin, article_id, planned.item.id)
        return _see_other(f"{prefix}/queue?added={planned.item.id}")

    async def broadcast(request: web.Request) -> web.StreamResponse:
        session = request[SESSION]
        assert session is not None
        lang = _lang(request)
        try:
            article_id = actions.article_number(request.match_info["id"], lang)
            said = await actions.broadcast_now(config.commands(), article_id, admin=session.admin, lang=lang)
        except actions.ActionError as exc:
            return await queue_view(request, status=400, error=exc.text)
        log.info("panel: %s broadcast article %d now", session.admin, article_id)
        return await queue_view(request, notice=said)

    async def queue_cancel(request: web.Request) -> web.StreamResponse:
        lang = _lang(request)
        try:
            queue_id = actions.article_number(request.match_info["qid"], lang)
            said = await actions.cancel_item(config.commands(), queue_id, lang=lang)
        except actions.ActionError as exc:
            return await queue_view(request, status=400, error=exc.text)
        return await queue_view(request, notice=said)

    async def queue_move(request: web.Request) -> web.StreamResponse:
        session = request[SESSION]
        assert session is not None
        form = await _form(request)
        lang = _lang(request)
        try:
            queue_id = actions.article_number(request.match_info["qid"], lang)
            planned = await actions.move_item(
                config.commands(), queue_id, when=form.get("when"), admin=session.admin, lang=lang,
            )
        except actions.ActionError as exc:
            return await queue_view(request, status=400, error=exc.text)
        return await queue_view(request, notice=actions.added_text(config.commands(), planned, lang))

    async def approvals_view(
        request: web.Request, *, status: int = 200, notice: str | None = None, error: str | None = None,
    ) -> web.Response:
        page = await article_pages.list_articles(
            config.sessions, article_pages.ArticleFilter(state="held"), config.clock.now(),
        )
        return _render(request, "approvals.html", status=status, page=page, notice=notice, error=error)

    async def approvals(request: web.Request) -> web.Response:
        return await approvals_view(request)

    async def decide(request: web.Request) -> web.StreamResponse:
        session = request[SESSION]
        assert session is not None
        lang = _lang(request)
        if request.match_info["action"] not in actions.ACTIONS:
            return _render(request, "missing.html", status=404, article_id=request.match_info["id"][:20])
        try:
            article_id = actions.article_number(request.match_info["id"], lang)
            reply = await actions.decide(
                config.commands(), article_id, request.match_info["action"], admin=session.admin, lang=lang,
            )
        except actions.ActionError as exc:
            return await approvals_view(request, status=400, error=exc.text)
        log.info("panel: %s decided %s on article %d", session.admin, request.match_info["action"], article_id)
        return await approvals_view(request, notice=reply.text)

    async def login_page(request: web.Request) -> web.Response:
        token = request.match_info["token"][:MAX_TOKEN_CHARS + 1]
        admin = await link_admin(config.sessions, token, config.clock.now())
        if admin is None:
            return _render(request, "refused.html", status=403, said=None, reason="panel.signin.refused")
        if not config.is_admin(admin):
            return _render(request, "refused.html", status=403, said=None, reason="panel.signin.not_admin")
        return _render(request, "confirm.html", token=token, admin=admin)

    async def login(request: web.Request) -> web.StreamResponse:
        token = (await _form(request)).get("token", "")
        now = config.clock.now()
        session = await redeem_link(config.sessions, token, now)
        if session is None:
            return _render(request, "refused.html", status=403, said=None, reason="panel.signin.refused")
        if not config.is_admin(session.admin):
            await end_session(config.sessions, session.token)
            return _render(request, "refused.html", status=403, said=None, reason="panel.signin.not_admin")
        log.info("panel: %s signed in by link", session.admin)
        response = _see_other(f"{prefix}/")
        _set_cookie(response, config, session, prefix)
        return response

    async def webapp(request: web.Request) -> web.Response:
        init_data = (await _form(request)).get("init_data", "")[:MAX_INIT_DATA_CHARS + 1]
        now = config.clock.now()
        user = verify_init_data(init_data, config.telegram_token, now) if config.telegram_token else None
        if user is None:
            return web.json_response({"ok": False, "error": message("panel.webapp.refused", _lang(request))}, status=403)
        admin = f"telegram:{user.user_id}"
        if not config.is_admin(admin):
            return web.json_response({"ok": False, "error": message("panel.signin.not_admin", _lang(request))}, status=403)
        session = await start_session(config.sessions, admin, now)
        log.info("panel: %s signed in from the Telegram Mini App", admin)
        response = web.json_response({"ok": True, "next": f"{prefix}/"})
        _set_cookie(response, config, session, prefix)
        return response

    async def logout(request: web.Request) -> web.StreamResponse:
        session = request[SESSION]  # never None: the middleware refuses a POST without a session
        if session is not None:
            await end_session(config.sessions, session.token)
        response = _see_other(f"{prefix}/")
        response.del_cookie(COOKIE, path=prefix or "/")
        return response

    app.router.add_get("/", home)
    app.router.add_get("/articles/{id}", article)
    app.router.add_get("/queue", queue)
    app.router.add_post("/articles/{id}/queue", queue_article)
    app.router.add_post("/articles/{id}/broadcast", broadcast)
    app.router.add_post("/queue/add", queue_add)
    app.router.add_post("/queue/{qid}/cancel", queue_cancel)
    app.router.add_post("/queue/{qid}/move", queue_move)
    app.router.add_get("/approvals", approvals)
    app.router.add_post("/approvals/{id}/{action}", decide)
    app.router.add_get("/login/{token}", login_page)
    app.router.add_post("/login", login)
    app.router.add_post("/webapp", webapp)
    app.router.add_post("/logout", logout)
    subscriptions_page.add_routes(
        app, config, render=_render, form=_form, signed_in=lambda request: request[SESSION], lang_of=_lang,
    )
    deliveries_page.add_routes(app, config, render=_render)
    sources_page.add_routes(app, config, render=_render, signed_in=lambda request: request[SESSION], lang_of=_lang)
    app.router.add_static("/static", HERE / "static", append_version=True)
    return app


def mount_panel(root: web.Application, config: PanelConfig, prefix: str = "/panel") -> None:
    """Mount the panel on `root` (the health server's application) at `prefix`."""
    async def bare(_request: web.Request) -> web.StreamResponse:
        return web.Response(status=308, headers={"Location": f"{prefix}/"})

    root.router.add_get(prefix, bare)
    root.add_subapp(prefix, panel_app(config, prefix))


def panel_mount(
    settings: Any, *, sessions: async_sessionmaker[AsyncSession], clock: Clock,
    platforms: Mapping[str, PlatformSpec] | None = None, run_queue: Callable[[], Awaitable[object]] | None = None,
    wake: Callable[[], None] | None = None, settled: Settled | None = None,
) -> Callable[[web.Application], None]:
    """Return what `HealthServer(mount=...)` calls to serve the panel at `/panel` (the previews
    come from the installed platforms' renderers, as `herald preview` takes them)."""
    from bot.platform import load_platforms

    config = PanelConfig.from_settings(
        settings, sessions=sessions, clock=clock, platforms=platforms if platforms is not None else load_platforms(),
        run_queue=run_queue, wake=wake, settled=settled,
    )
    return lambda root: mount_panel(root, config)
