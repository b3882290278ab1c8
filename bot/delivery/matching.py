"""Which subscriptions an article matches, as SQL conditions fan-out puts in its statements:
categories, then keyword filters (substrings of the article's `match_text`).

A keyword is found with `instr` (SQLite) or `strpos` (PostgreSQL), never LIKE: keywords may
contain `%` and `_`. Subscriptions without keyword filters (`filter_kinds` bits clear) skip the
lookups, so the many unfiltered ones cost what they did before filters existed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement, Text, and_, exists, literal, not_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from bot.filters.text import match_text
from bot.store.models import (
    FILTER_EXCLUDE,
    FILTER_INCLUDE,
    FILTER_REGEX,
    ArticleCategory,
    ArticleRow,
    Subscription,
    SubscriptionCategory,
    SubscriptionFilter,
)

__all__ = ["article_text", "categories_match", "has_substring", "keywords_pass", "no_keyword_excluded"]


class has_substring(FunctionElement[bool]):  # an SQL function, named like one
    """`has_substring(haystack, needle)`: true when `needle` occurs in `haystack` (plain text, no
    wildcards)."""

    type = Boolean()
    inherit_cache = True
    name = "has_substring"


@compiles(has_substring, "sqlite")
def _sqlite_substring(element: has_substring, compiler: SQLCompiler, **kw: Any) -> str:
    haystack, needle = element.clauses.clauses
    return f"(instr({compiler.process(haystack, **kw)}, {compiler.process(needle, **kw)}) > 0)"


@compiles(has_substring, "postgresql")
def _postgres_substring(element: has_substring, compiler: SQLCompiler, **kw: Any) -> str:
    haystack, needle = element.clauses.clauses
    return f"(strpos({compiler.process(haystack, **kw)}, {compiler.process(needle, **kw)}) > 0)"


def categories_match(article_id: int) -> ColumnElement[bool]:
    """The subscription has no category filter, or one equal to one of the article's categories/tags."""
    sub = Subscription
    has_filter = exists().where(SubscriptionCategory.subscription_id == sub.id)
    filter_matches = exists().where(
        SubscriptionCategory.subscription_id == sub.id,
        SubscriptionCategory.norm == ArticleCategory.norm,
        ArticleCategory.article_id == article_id,
    )
    return or_(not_(has_filter), filter_matches)


def _keyword_found(text: str, *, exclude: bool) -> ColumnElement[bool]:
    """One of the subscription's include (or exclude) keywords occurs in `text`."""
    rule = SubscriptionFilter
    return exists().where(
        rule.subscription_id == Subscription.id,
        rule.exclude.is_(exclude),
        rule.regex.is_(False),
        has_substring(literal(text, Text()), rule.pattern),
    )


def _without(bit: int) -> ColumnElement[bool]:
    return Subscription.filter_kinds.bitwise_and(bit) == 0


def no_keyword_excluded(text: str) -> ColumnElement[bool]:
    """None of the subscription's exclude keywords occurs in the article's text."""
    return or_(_without(FILTER_EXCLUDE), not_(_keyword_found(text, exclude=True)))


def keywords_pass(text: str) -> ColumnElement[bool]:
    """A subscription without expressions passes its keyword filters: it has no include keyword
    or one occurs in `text`, and no exclude keyword occurs."""
    return and_(
        _without(FILTER_REGEX),
        or_(_without(FILTER_INCLUDE), _keyword_found(text, exclude=False)),
        no_keyword_excluded(text),
    )


async def article_text(session: AsyncSession, article_id: int) -> str | None:
    """Return the article's `match_text`, computing and storing it when the row has none (indexed
    before filters existed); None when there is no such article."""
    row = (
        await session.execute(
            select(ArticleRow.match_text, ArticleRow.title, ArticleRow.categories, ArticleRow.tags, ArticleRow.summary)
            .where(ArticleRow.id == article_id)
        )
    ).first()
    if row is None:
        return None
    stored, title, categories, tags, summary = row
    if stored is not None:
        return str(stored)
    excerpt = summary.get("excerpt") if isinstance(summary, dict) else None
    text = match_text(title, _strings(categories), _strings(tags), excerpt if isinstance(excerpt, str) else None)
    await session.execute(
        update(ArticleRow)
        .where(ArticleRow.id == article_id)
        .values(match_text=text)
        .execution_options(synchronize_session=False)
    )
    return text


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []
