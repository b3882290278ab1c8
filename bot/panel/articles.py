"""The articles page's data: a filtered, paged list from the store, and one article with its
Telegram and Discord previews and the problems `herald check` finds in its file."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import ContentConfig, load_article
from bot.content.article import Problem
from bot.platform import PlatformSpec
from bot.preview import Preview
from bot.request import Request
from bot.store.models import ArticleCategory, ArticleRow, Delivery
from bot.store.states import ArticleState
from bot.store.summaries import summary_of
from bot.summary import SummaryConfig, normalize_category, summarize

PAGE_SIZE = 20
MAX_PAGE = 500
"""Farthest page the list goes (10,000 articles back); search narrows beyond."""
MAX_QUERY_CHARS = 100
MAX_CATEGORY_CHARS = 256
MAX_CATEGORIES_SHOWN = 300
STATES = ("published", "held", "future", "problem")
"""The state filter: published, held for approval, future-dated, or with a failed delivery."""


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    """What the list is narrowed to, read (bounded) from the page's query string."""

    query: str = ""
    category: str = ""
    state: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, values: dict[str, str]) -> ArticleFilter:
        """Read the filter from query parameters, ignoring what is out of bounds."""
        state = values.get("state", "")
        try:
            page = int(values.get("page", "1")[:6])
        except ValueError:
            page = 1
        return cls(
            query=" ".join(values.get("q", "").split())[:MAX_QUERY_CHARS],
            category=values.get("category", "").strip()[:MAX_CATEGORY_CHARS],
            state=state if state in STATES else "",
            page=min(max(page, 1), MAX_PAGE),
        )


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """One page of the list."""

    rows: list[ArticleRow]
    total: int
    filter: ArticleFilter
    categories: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        """How many pages the filter gives (at least one)."""
        return min(max(1, -(-self.total // PAGE_SIZE)), MAX_PAGE)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _filtered(stmt: Select, wanted: ArticleFilter, now: datetime) -> Select:
    if wanted.query:
        stmt = stmt.where(ArticleRow.title.ilike(_like(wanted.query), escape="\\"))
    if wanted.category:
        stmt = stmt.where(
            ArticleRow.id.in_(
                select(ArticleCategory.article_id).where(ArticleCategory.norm == normalize_category(wanted.category))
            )
        )
    if wanted.state == "published":
        stmt = stmt.where(ArticleRow.state == ArticleState.PUBLISHED)
    elif wanted.state == "held":
        stmt = stmt.where(ArticleRow.state == ArticleState.HELD)
    elif wanted.state == "future":
        stmt = stmt.where(ArticleRow.state == ArticleState.SCHEDULED)
    elif wanted.state == "problem":
        stmt = stmt.where(ArticleRow.id.in_(select(Delivery.article_id).where(Delivery.status == "failed")))
    return stmt


async def list_articles(
    sessions: async_sessionmaker[AsyncSession], wanted: ArticleFilter, now: datetime
) -> ArticlePage:
    """Return one page of articles, newest first, as the filter asks."""
    async with sessions() as session:
        total = await session.scalar(_filtered(select(func.count()).select_from(ArticleRow), wanted, now)) or 0
        rows = (
            await session.scalars(
                _filtered(select(ArticleRow), wanted, now)
                .order_by(ArticleRow.date.desc(), ArticleRow.id.desc())
                .limit(PAGE_SIZE)
                .offset((wanted.page - 1) * PAGE_SIZE)
            )
        ).all()
        categories = (
            await session.scalars(
                select(ArticleCategory.name)
                .where(ArticleCategory.is_tag.is_(False))
                .group_by(ArticleCategory.name)
                .order_by(ArticleCategory.name)
                .limit(MAX_CATEGORIES_SHOWN)
            )
        ).all()
    return ArticlePage(rows=list(rows), total=int(total), filter=wanted, categories=list(categories))


@dataclass(frozen=True, slots=True)
class ArticleView:
    """One article: its row, the requests each platform would get, and its file's problems."""

    row: ArticleRow
    requests: dict[str, list[Request]]
    problems: tuple[Problem, ...]
    failed: int
    from_file: bool
    """True: rendered from the post file now (as `herald preview`); False: from the stored card."""


async def article_view(
    sessions: async_sessionmaker[AsyncSession],
    article_id: int,
    *,
    content: ContentConfig,
    summary: SummaryConfig,
    platforms: dict[str, PlatformSpec],
) -> ArticleView | None:
    """Return the article's view, or None when there is no such article."""
    async with sessions() as session:
        row = await session.get(ArticleRow, article_id)
        failed = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.article_id == article_id, Delivery.status == "failed")
        )
    if row is None:
        return None
    # Reading and rendering a post is file work: off the event loop, as the index does it.
    requests, problems, from_file = await asyncio.to_thread(_render, row, content, summary, platforms)
    return ArticleView(row=row, requests=requests, problems=problems, failed=int(failed or 0), from_file=from_file)


def _render(
    row: ArticleRow, content: ContentConfig, summary: SummaryConfig, platforms: dict[str, PlatformSpec]
) -> tuple[dict[str, list[Request]], tuple[Problem, ...], bool]:
    """Render like `herald preview` (load the file, summarize, the platform's renderer), with the
    article's real id; when the file cannot be loaded, render the card stored at the last index."""
    result = load_article(Path(content.root) / row.path, content)
    requests: dict[str, list[Request]] = {}
    for name, platform in platforms.items():
        if result.article is not None:
            article = replace(result.article, id=row.id)
            requests[name] = Preview(article, platform.render_summary(summarize(article, summary))).requests
        else:
            requests[name] = platform.render_summary(summary_of(row))
    return requests, result.problems, result.article is not None
