"""Summaries: `Article` → `Summary` (the chat card) and `Article` → blocks (the whole text, for /read).

`summarize` is pure and cheap: it converts only as much of the body as the excerpt needs (a
prefix a few times the excerpt length, grown only when that prefix holds too little text), and
skips Markdown rendering for bodies that are already one HTML fragment. The excerpt source is
`Article.excerpt` when it has text, else the body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.content.article import Article
from bot.summary import markup
from bot.summary.blocks import html_blocks
from bot.summary.excerpt import excerpt_html, fit_excerpt, gather
from bot.summary.hashtags import hashtag, hashtags, normalize_category, visible_categories
from bot.summary.model import Block, Image, Paragraph, Summary

__all__ = [
    "Block",
    "Image",
    "Paragraph",
    "Summary",
    "SummaryConfig",
    "article_blocks",
    "hashtag",
    "normalize_category",
    "summarize",
]

DEFAULT_EXCERPT_CHARS = 400
_HTML_FACTOR = 4
"""How many source characters of HTML to convert per excerpt character on the first try."""
_MARKDOWN_FACTOR = 2
"""The same for Markdown, which is mostly text."""
_GROWTH = 4
_MIN_PREFIX = 1024


@dataclass(frozen=True, slots=True)
class SummaryConfig:
    """How summaries are made: which categories stay hidden, how long the excerpt may be."""

    hidden_categories: tuple[str, ...] = ()
    excerpt_chars: int = DEFAULT_EXCERPT_CHARS
    """Target length of the excerpt (code points), before platform fitting."""

    @classmethod
    def from_settings(cls, settings: Any) -> SummaryConfig:
        """Build the configuration from `Settings` (HERALD_HIDDEN_CATEGORIES, HERALD_EXCERPT_CHARS)."""
        return cls(hidden_categories=tuple(settings.hidden_categories), excerpt_chars=settings.excerpt_chars)


def _leading_text(source: str, title: str, limit: int) -> tuple[str, list[Block]]:
    """Return the text of the first paragraphs of `source` (more than `limit` unless it is all)
    and the blocks it was gathered from."""
    html = markup.is_html(source)
    size = max((_HTML_FACTOR if html else _MARKDOWN_FACTOR) * limit, _MIN_PREFIX)
    while True:
        chunk, whole = markup.prefix(source, size, html)
        blocks = html_blocks(markup.to_html(chunk, html), join_cjk=not html, enough=limit + len(title) + 8)
        text = gather(blocks, title, limit)
        if whole or len(text) > limit:
            return text, blocks
        size *= _GROWTH


def summarize(article: Article, config: SummaryConfig = SummaryConfig()) -> Summary:
    """Return the chat card for `article`: title, excerpt (plain, and with its inline markup),
    thumbnail, link, hashtags."""
    limit = max(config.excerpt_chars, 1)
    text, blocks = "", list[Block]()
    if article.excerpt and article.excerpt.strip():
        text, blocks = _leading_text(article.excerpt, article.title, limit)
    if not text and article.body:
        text, blocks = _leading_text(article.body, article.title, limit)
    excerpt = fit_excerpt(text, limit)
    return Summary(
        article_id=article.id,
        key=article.key,
        title=article.title,
        excerpt=excerpt,
        excerpt_html=excerpt_html(blocks, article.title, excerpt),
        date=article.date,
        image=article.thumbnail,
        url=article.url,
        author=article.author,
        hashtags=hashtags(article.categories, article.tags, config.hidden_categories),
        categories=visible_categories(article.categories, config.hidden_categories),
    )


def article_blocks(article: Article) -> list[Block]:
    """Return the whole body as paragraphs and images (relative image URLs resolved against the
    article URL when it is absolute, else dropped), boilerplate and captions left out."""
    body = article.body or ""
    html = markup.is_html(body)
    return html_blocks(markup.to_html(body, html), article.url, join_cjk=not html)
