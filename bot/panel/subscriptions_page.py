"""The subscriptions page: every active subscription by platform (its category filters, language,
and the options its chat chose: keyword filters, digest, card settings), the configured
channels (HERALD_CHANNELS), the disabled ones and why (as `/stats` and
`herald_targets_disabled` see them), and removing a chat's subscription through the same store
function `/unsubscribe all` uses. Routes: `GET /subscriptions`, `POST /subscriptions/remove`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.commands.i18n import Lang, message
from bot.commands.settings_cmd import option_lines
from bot.filters import FilterRule
from bot.store import subscriptions as subscription_store
from bot.store.models import Subscription, SubscriptionCategory
from bot.store.stats import disabled_targets
from bot.store.subscription_options import load_rules
from bot.store.subscriptions import SubscriptionState, schedule_of, style_of
from bot.summary import normalize_category

if TYPE_CHECKING:
    from bot.panel.app import PanelConfig

PAGE_SIZE = 50
"""Subscriptions listed per page."""
MAX_PAGE = 100_000
"""Highest page number read from the address (larger ones show the last page's neighbourhood: empty)."""
MAX_PLATFORM_CHARS = 32
MAX_CHANNEL_CHARS = 128
"""Bounds of the remove form's fields (the store's column sizes)."""

TEXT_KEYS = frozenset({
    "panel.nav.subscriptions", "panel.subs.heading", "panel.subs.count", "panel.subs.none", "panel.subs.platform",
    "panel.subs.target", "panel.subs.kind", "panel.subs.categories", "panel.subs.everything", "panel.subs.lang",
    "panel.subs.default_lang", "panel.subs.remove", "panel.subs.configured", "panel.subs.channels",
    "panel.subs.no_channels", "panel.subs.disabled", "panel.subs.no_disabled", "panel.subs.removed",
    "panel.subs.not_subscribed", "panel.subs.config_managed", "panel.articles.page", "panel.pager.previous",
    "panel.pager.next", "settings.panel.options",
})
"""The catalogue texts this page's template says."""


@dataclass(frozen=True, slots=True)
class SubscriptionRow:
    """One active subscription as the page shows it."""

    platform: str
    channel_id: str
    kind: str
    origin: str
    lang: str | None
    categories: tuple[str, ...]
    options: tuple[str, ...] = ()
    """Its filters, digest and card settings that are not the default, one line each (as
    `/subscriptions` says them), in the panel's language."""


@dataclass(frozen=True, slots=True)
class SubscriptionsView:
    """One page of active subscriptions, and the configured and disabled channels."""

    rows: list[SubscriptionRow]
    total: int
    page: int
    pages: int
    channels: tuple[str, ...]
    disabled: list[tuple[str, str, str]]


def page_number(raw: str) -> int:
    """Read `?page=` (bounded; anything else is page 1)."""
    raw = raw[:8]
    return min(int(raw), MAX_PAGE) if raw.isdigit() and int(raw) > 0 else 1


async def subscriptions_view(
    sessions: async_sessionmaker[AsyncSession], page: int, channels: tuple[str, ...],
    *, lang: Lang = "en", zone: tzinfo = UTC,
) -> SubscriptionsView:
    """Return page `page` of the active subscriptions (by platform, then chat) with their
    filters and options (said in `lang`, digest times in their zone, else `zone`)."""
    async with sessions() as session:
        total = int(await session.scalar(
            select(func.count()).select_from(Subscription).where(Subscription.active.is_(True))
        ) or 0)
        rows = (await session.scalars(
            select(Subscription).where(Subscription.active.is_(True))
            .order_by(Subscription.platform, Subscription.channel_id)
            .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        )).all()
        names: dict[int, list[str]] = {}
        if rows:
            found = await session.execute(
                select(SubscriptionCategory.subscription_id, SubscriptionCategory.name)
                .where(SubscriptionCategory.subscription_id.in_([row.id for row in rows]))
            )
            for subscription_id, name in found:
                names.setdefault(subscription_id, []).append(name)
        rules = await load_rules(session, [row.id for row in rows if row.filter_kinds])
    shown = [
        SubscriptionRow(row.platform, row.channel_id, row.kind, row.origin, row.lang,
                        tuple(sorted(names.get(row.id, []), key=normalize_category)),
                        tuple(option_lines(_state(row, rules.get(row.id, [])), zone, lang)))
        for row in rows
    ]
    return SubscriptionsView(
        rows=shown, total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)), channels=channels,
        disabled=await disabled_targets(sessions),
    )


def _state(row: Subscription, rules: list[FilterRule]) -> SubscriptionState:
    """The options of a listed row, as `/subscriptions` reads them."""
    return SubscriptionState(
        id=row.id, platform=row.platform, channel_id=row.channel_id, kind=row.kind, origin=row.origin,
        active=row.active, categories=(), lang=row.lang, filters=tuple(rules), style=style_of(row),
        lang_chosen=row.lang_chosen, digest=schedule_of(row), digest_next_at=row.digest_next_at,
    )


async def remove(
    config: PanelConfig, platform: str, channel_id: str, lang: Lang,
) -> tuple[bool, str]:
    """Unsubscribe a chat from everything (as `/unsubscribe all`); return (done, what to say)."""
    target = f"{platform}:{channel_id}"
    found = await subscription_store.get_subscription(config.sessions, platform, channel_id)
    if found is None or not found.active:
        return False, message("panel.subs.not_subscribed", lang, target=target)
    if found.origin == "config":
        return False, message("panel.subs.config_managed", lang, target=target)
    await subscription_store.unsubscribe(config.sessions, platform, channel_id, None, config.clock.now())
    return True, message("panel.subs.removed", lang, target=target)


Render = Callable[..., web.Response]
Form = Callable[[web.Request], Awaitable[dict[str, str]]]


def add_routes(
    app: web.Application, config: PanelConfig, *, render: Render, form: Form, signed_in: Callable[[web.Request], Any],
    lang_of: Callable[[web.Request], Lang],
) -> None:
    """Register `GET /subscriptions` and `POST /subscriptions/remove` on the panel's application."""

    async def view(request: web.Request, *, status: int = 200, notice: str | None = None,
                   error: str | None = None) -> web.Response:
        page = page_number(request.query.get("page", ""))
        shown = await subscriptions_view(config.sessions, page, config.channels, lang=lang_of(request),
                                         zone=config.zone)
        return render(request, "subscriptions.html", status=status, view=shown, notice=notice, error=error)

    async def subscriptions(request: web.Request) -> web.Response:
        return await view(request)

    async def remove_one(request: web.Request) -> web.Response:
        session = signed_in(request)
        assert session is not None  # the middleware refuses a POST without a session
        typed = await form(request)
        platform = typed.get("platform", "")[:MAX_PLATFORM_CHARS + 1]
        channel_id = typed.get("channel", "")[:MAX_CHANNEL_CHARS + 1]
        lang = lang_of(request)
        if not platform or not channel_id or len(platform) > MAX_PLATFORM_CHARS or len(channel_id) > MAX_CHANNEL_CHARS:
            said = message("panel.subs.not_subscribed", lang, target=f"{platform[:32]}:{channel_id[:32]}")
            return await view(request, status=400, error=said)
        done, said = await remove(config, platform, channel_id, lang)
        if not done:
            return await view(request, status=400, error=said)
        return await view(request, notice=said)

    app.router.add_get("/subscriptions", subscriptions)
    app.router.add_post("/subscriptions/remove", remove_one)
