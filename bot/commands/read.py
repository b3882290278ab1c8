"""`/read`: an article in parts. A reply carries at most `READ_PART_CHARS` of the body, cut at
block boundaries (a paragraph longer than `READ_BLOCK_CHARS` is cut into pieces first); each
platform shows what its message cap allows and offers the rest with a Continue button
(`read:<id>:<block>`, answered by `read_part`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.commands.args import parse_article_id
from bot.commands.context import (
    CommandContext,
    UsageError,
    lang_of,
)
from bot.commands.i18n import Lang, message
from bot.commands.types import ArticlePart, Button, Invocation, Reply
from bot.store.articles import get_article, summary_of
from bot.store.states import ArticleState
from bot.summary.model import Block, Image, Paragraph, Summary
from bot.textfit import split_text

READ_PART_CHARS = 60_000
"""Most body characters one `/read` reply carries: more than any platform's message cap shows
(Telegram: 10 messages of 4,096), so each platform cuts within it and offers the rest."""
READ_BLOCK_CHARS = 3_000
"""A longer paragraph is cut into pieces of this size, so every block fits one message."""


async def read(ctx: CommandContext, inv: Invocation) -> Reply:
    """Read one article in full, by its number."""
    if len(inv.args) != 1:
        raise UsageError(" ".join(inv.args))
    article_id = parse_article_id(inv.args[0])
    reply = await read_part(ctx, lang_of(inv), article_id, 0)
    assert reply is not None  # part 0 always exists
    return reply


async def read_part(ctx: CommandContext, lang: Lang, article_id: int, start: int) -> Reply | None:
    """Answer the article from block `start` on, at most `READ_PART_CHARS` of it; None when
    `start` is past its end (a stale button)."""
    row = await get_article(ctx.sessions, article_id)
    if row is None or row.state != ArticleState.PUBLISHED:
        return Reply(message("read.unknown", lang, id=article_id), ephemeral=True, error=True)
    loaded = await ctx.read_article(article_id)
    if loaded is None:
        summary, blocks, note = summary_of(row), [], message("read.partial", lang)
    else:
        summary, blocks, note = loaded[0], _bounded_blocks(loaded[1]), ""
    if start and start >= len(blocks):
        return None
    chosen = _part(blocks, start)
    part = ArticlePart(
        article_id=article_id,
        start=start,
        total=len(blocks),
        more_label=message("button.continue", lang),
        link_label=message("button.rest_on_site", lang),
        rest_note=message("read.rest", lang, left=len(blocks) - start - len(chosen)),
    )
    left = start + len(chosen) < len(blocks)
    text = _article_text(ctx, lang, summary, chosen, note, rest=part.rest_note if left else "")
    link = part.link_label if left else message("button.open", lang)
    buttons: tuple[Button, ...] = (Button(link, url=summary.url),) if summary.url else ()
    if left:
        buttons += (Button(part.more_label, action=part.action(start + len(chosen))),)
    return Reply(text, header=summary.title, summary=summary, blocks=tuple(chosen), buttons=buttons, part=part)


def _bounded_blocks(blocks: Sequence[Block]) -> list[Block]:
    """Return the blocks with every paragraph longer than `READ_BLOCK_CHARS` cut into pieces."""
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, Paragraph) and len(block.text) > READ_BLOCK_CHARS:
            out += [replace(block, text=piece, html="") for piece in split_text(block.text, READ_BLOCK_CHARS) if piece.strip()]
        else:
            out.append(block)
    return out


def _part(blocks: Sequence[Block], start: int) -> list[Block]:
    """Return the blocks from `start` on that together hold at most `READ_PART_CHARS` (one at least)."""
    chosen: list[Block] = []
    used = 0
    for block in blocks[start:]:
        size = len(block.text) if isinstance(block, Paragraph) else len(block.alt) + 1
        if chosen and used + size > READ_PART_CHARS:
            break
        chosen.append(block)
        used += size
    return chosen


def _article_text(
    ctx: CommandContext, lang: Lang, summary: Summary, blocks: Sequence[Block], note: str, rest: str = ""
) -> str:
    """Render an article as plain text, for platforms that show only text."""
    meta = [summary.date.astimezone(ctx.zone).strftime("%Y-%m-%d"), f"#{summary.article_id}"]
    if summary.author:
        meta.insert(1, summary.author)
    parts = [summary.title, " · ".join(meta)]
    if note:
        parts.append(note)
    body = [_block_text(lang, block) for block in blocks] if blocks else [summary.excerpt]
    parts += [text for text in body if text]
    if rest:
        parts.append(rest)
    if summary.url:
        parts.append(summary.url)
    return "\n\n".join(parts)


def _block_text(lang: Lang, block: Block) -> str:
    if isinstance(block, Image):
        return " ".join(part for part in (message("image", lang), block.alt, block.url) if part)
    if isinstance(block, Paragraph):
        if block.kind == "quote":  # an item's text already starts with its marker ("• ", "1. ")
            return f"> {block.text}"
        return block.text
    return ""
