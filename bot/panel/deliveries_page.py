"""The deliveries page: per article and per target, how many outbox rows were sent, failed, are
retrying (pending after a failed attempt) or wait; the last errors (bounded, shown as text); and
the sends of the last 24 hours by hour, drawn by the template as an inline SVG bar chart.
Route: `GET /deliveries`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.models import ArticleRow, Delivery

if TYPE_CHECKING:
    from bot.panel.app import PanelConfig

MAX_ROWS = 100
"""Most articles and most targets listed (those with the newest deliveries first)."""
MAX_ERRORS = 20
"""Most recent errors listed."""
MAX_ERROR_CHARS = 300
"""Longest error text shown (longer ones are cut and end with "…")."""
WINDOW_DAYS = 30
"""The per-article and per-target counts read only the outbox rows created in the last WINDOW_DAYS days."""
HOURS = 24
CHART_WIDTH = 480
CHART_HEIGHT = 120
"""The chart's drawing area in SVG units: 24 bars of 20 units, the tallest CHART_HEIGHT high."""
BAR_STEP = CHART_WIDTH // HOURS
BAR_WIDTH = BAR_STEP - 4

TEXT_KEYS = frozenset({
    "panel.nav.deliveries", "panel.deliveries.heading", "panel.deliveries.chart", "panel.deliveries.chart_total",
    "panel.deliveries.by_article", "panel.deliveries.by_target", "panel.deliveries.article",
    "panel.deliveries.target", "panel.deliveries.sent", "panel.deliveries.failed", "panel.deliveries.retrying",
    "panel.deliveries.waiting", "panel.deliveries.none", "panel.deliveries.errors", "panel.deliveries.no_errors",
    "panel.deliveries.bar", "panel.deliveries.window",
})
"""The catalogue texts this page's template says."""


@dataclass(frozen=True, slots=True)
class Counts:
    """Outbox rows of one article or one target, by outcome."""

    key: str
    """The article's title, or the target (`telegram:-100…`)."""
    article_id: int | None
    sent: int
    failed: int
    retrying: int
    waiting: int


@dataclass(frozen=True, slots=True)
class Bar:
    """One hour of the chart: its start (UTC), the rows sent in it, and its drawn geometry."""

    hour: datetime
    sent: int
    x: int
    y: int
    height: int


@dataclass(frozen=True, slots=True)
class DeliveryError:
    """One failed attempt's error as the page shows it."""

    article_id: int
    title: str
    target: str
    status: str
    attempts: int
    error: str
    at: datetime


@dataclass(frozen=True, slots=True)
class DeliveriesView:
    """What the deliveries page shows."""

    by_article: list[Counts]
    by_target: list[Counts]
    errors: list[DeliveryError]
    bars: list[Bar]
    sent_24h: int


def _outcome_sums() -> tuple[ColumnElement[Any], ...]:
    def count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    waiting = Delivery.status.in_(["pending", "sending"])
    return (
        count(and_(Delivery.status == "sent", Delivery.action == "send")),
        count(Delivery.status == "failed"),
        count(and_(waiting, Delivery.attempts > 0)),
        count(and_(waiting, Delivery.attempts == 0)),
    )


def _hour_of(column: Any, dialect: str) -> ColumnElement[str]:
    """`YYYY-MM-DD HH` of a UTC timestamp column, in SQL (SQLite keeps UTC text; PostgreSQL a timestamptz)."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", column)


def cut(text: str) -> str:
    """Bound an error text for the page."""
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS - 1] + "…"


def chart(counts: dict[datetime, int], now: datetime) -> list[Bar]:
    """Lay out 24 hourly bars ending with the current hour; the tallest is CHART_HEIGHT high."""
    first = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=HOURS - 1)
    hours = [first + timedelta(hours=n) for n in range(HOURS)]
    top = max((counts.get(hour, 0) for hour in hours), default=0)
    bars = []
    for n, hour in enumerate(hours):
        sent = counts.get(hour, 0)
        height = round(sent * CHART_HEIGHT / top) if top else 0
        bars.append(Bar(hour, sent, n * BAR_STEP + 2, CHART_HEIGHT - height, height))
    return bars


async def deliveries_view(sessions: async_sessionmaker[AsyncSession], now: datetime) -> DeliveriesView:
    """Read the deliveries page's counts (rows created in the last WINDOW_DAYS days), errors and the last
    24 hours' sends (one grouped query each)."""
    first = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=HOURS - 1)
    recent = Delivery.created_at >= now - timedelta(days=WINDOW_DAYS)
    async with sessions() as session:
        dialect = session.get_bind().dialect.name
        latest = func.max(Delivery.id)
        articles = (await session.execute(
            select(Delivery.article_id, ArticleRow.title, *_outcome_sums())
            .join(ArticleRow, ArticleRow.id == Delivery.article_id).where(recent)
            .group_by(Delivery.article_id, ArticleRow.title).order_by(latest.desc()).limit(MAX_ROWS)
        )).all()
        targets = (await session.execute(
            select(Delivery.platform, Delivery.channel_id, *_outcome_sums()).where(recent)
            .group_by(Delivery.platform, Delivery.channel_id).order_by(latest.desc()).limit(MAX_ROWS)
        )).all()
        errors = (await session.execute(
            select(Delivery, ArticleRow.title).join(ArticleRow, ArticleRow.id == Delivery.article_id)
            .where(Delivery.error.is_not(None), Delivery.error != "", Delivery.status != "dropped")
            .order_by(Delivery.id.desc()).limit(MAX_ERRORS)
        )).all()
        hour = _hour_of(Delivery.sent_at, dialect)
        sent = (await session.execute(
            select(hour, func.count())
            .where(Delivery.status == "sent", Delivery.action == "send", Delivery.sent_at >= first)
            .group_by(hour)
        )).all()
    counts = {datetime.strptime(f"{label} +0000", "%Y-%m-%d %H %z"): int(n) for label, n in sent if label}
    bars = chart(counts, now)
    return DeliveriesView(
        by_article=[Counts(title or f"#{article_id}", article_id, *map(int, sums)) for article_id, title, *sums in articles],
        by_target=[Counts(f"{platform}:{channel}", None, *map(int, sums)) for platform, channel, *sums in targets],
        errors=[
            DeliveryError(row.article_id, title or f"#{row.article_id}", f"{row.platform}:{row.channel_id}", row.status,
                          row.attempts, cut(row.error or ""), row.sent_at or row.due_at)
            for row, title in errors
        ],
        bars=bars, sent_24h=sum(bar.sent for bar in bars),
    )


def add_routes(
    app: web.Application, config: PanelConfig, *, render: Callable[..., web.Response],
) -> None:
    """Register `GET /deliveries` on the panel's application."""

    async def deliveries(request: web.Request) -> web.Response:
        view = await deliveries_view(config.sessions, config.clock.now())
        return render(request, "deliveries.html", view=view, width=CHART_WIDTH, height=CHART_HEIGHT,
                      bar_width=BAR_WIDTH, window_days=WINDOW_DAYS)

    app.router.add_get("/deliveries", deliveries)
