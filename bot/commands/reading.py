"""Commands for reading: `/latest`, `/category`, `/categories`, `/read`, and the buttons under
them: list pages, back to the categories, and the next part of a long article.

Every number a user or a button sends is parsed within bounds (`bot.commands.context`): a
count is capped, an id fits the database's integer, an offset stays near the list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.commands.context import (
    MAX_ID,
    MAX_NAME_CHARS,
    MAX_OFFSET,
    BadArgument,
    CommandContext,
    UsageError,
    lang_of,
)
from bot.commands.i18n import Lang, join_names, message
from bot.commands.names import closest, known_names, normalize, resolve
from bot.commands.types import ACTION_MAX_BYTES, ArticlePart, Button, Invocation, ListItem, Reply
from bot.store.articles import category_counts, count_published, get_article, latest_articles, summary_of
from bot.store.models import ArticleRow
from bot.store.states import ArticleState
from bot.summary.model import Block, Image, Paragraph, Summary
from bot.textfit import split_text

_CATEGORY_BUTTONS = 10
"""How many categories `/categories` offers as buttons (Discord allows 25, Telegram more)."""
CATEGORIES_ACTION = "categories"
"""The action of the back button under a category's list: show the categories again."""
READ_PART_CHARS = 60_000
"""Most body characters one `/read` reply carries: more than any platform's message cap shows
(Telegram: 10 messages of 4,096), so each platform cuts within it and offers the rest."""
READ_BLOCK_CHARS = 3_000
"""A longer paragraph is cut into pieces of this size, so every block fits one message."""
_BIG = 10**9
"""What a count with too many digits means: far more than any cap."""


def parse_count(text: str) -> int:
    """Parse a positive article count (a huge one stays huge, for the caller to cap); raise
    `UsageError` otherwise."""
    text = text.strip()
    if not text.isdecimal():
        raise UsageError(text[:16])
    if len(text) > 9:
        return _BIG
    if int(text) < 1:
        raise UsageError(text)
    return int(text)


def parse_article_id(text: str) -> int:
    """Parse an article number (`42` or `#42`) within the database's integer; raise `UsageError`
    when it is no number, `BadArgument` when it is out of range."""
    text = text.strip().removeprefix("#")
    if not text.isdecimal():
        raise UsageError(text[:16])
    if len(text) > len(str(MAX_ID)) or not 1 <= int(text) <= MAX_ID:
        raise BadArgument("arg.bad_id", max=MAX_ID)
    return int(text)


def check_name(name: str) -> None:
    """Refuse a category name longer than any we keep."""
    if len(name) > MAX_NAME_CHARS:
        raise BadArgument("arg.name_too_long", max=MAX_NAME_CHARS)


def _date(ctx: CommandContext, row: ArticleRow) -> str:
    return row.date.astimezone(ctx.zone).strftime("%Y-%m-%d")


def _list_reply(
    ctx: CommandContext,
    lang: Lang,
    header: str,
    rows: Sequence[ArticleRow],
    *,
    total: int,
    offset: int,
    n: int,
    action: Callable[[int], str],
    note: str = "",
) -> Reply:
    """Build a page of an article list with Newer/Older buttons."""
    lines = [header]
    lines += [f"#{row.id} · {_date(ctx, row)} · {row.title}" for row in rows]
    lines.append(message("list.hint", lang))
    if note:
        lines.append(note)
    buttons: list[Button] = []
    if offset > 0:
        buttons.append(Button(message("button.newer", lang), action=action(max(0, offset - n))))
    if offset + len(rows) < total:
        buttons.append(Button(message("button.more", lang), action=action(offset + n)))
    return Reply(
        text="\n".join(lines),
        header=header,
        items=tuple(ListItem(row.id, row.title, row.date) for row in rows),
        buttons=tuple(buttons),
    )


def _page_bounds(ctx: CommandContext, args: Sequence[str]) -> tuple[int, bool]:
    """Return the requested count (default page size, capped at the maximum) and whether it was capped."""
    if not args:
        return ctx.page_size, False
    if len(args) > 1:
        raise UsageError(" ".join(args))
    n = parse_count(args[0])
    return min(n, ctx.max_page), n > ctx.max_page


async def latest(ctx: CommandContext, inv: Invocation) -> Reply:
    """Show the newest articles (default 5, at most 20)."""
    n, capped = _page_bounds(ctx, inv.args)
    return await latest_page(ctx, lang_of(inv), offset=0, n=n, capped=capped)


async def latest_page(ctx: CommandContext, lang: Lang, *, offset: int, n: int, capped: bool = False) -> Reply:
    """Answer one page of the newest articles."""
    total = await count_published(ctx.sessions)
    if total == 0:
        return Reply(message("latest.empty", lang))
    rows = await latest_articles(ctx.sessions, limit=n, offset=offset)
    if not rows:
        return Reply(message("latest.past_end", lang), ephemeral=True)
    header = message("latest.header", lang, first=offset + 1, last=offset + len(rows), total=total)
    note = message("latest.capped", lang, max=ctx.max_page) if capped else ""
    return _list_reply(
        ctx, lang, header, rows, total=total, offset=offset, n=n,
        action=lambda at: f"latest:{at}:{n}", note=note,
    )


def category_action(norm: str, offset: int, n: int) -> str:
    """Return the button action for a page of a category, within Telegram's 64 bytes."""
    action = f"category:{offset}:{n}:{norm}"
    if len(action.encode("utf-8")) <= ACTION_MAX_BYTES:
        return action
    return f"category#:{offset}:{n}:{_digest(norm)}"


def _digest(norm: str) -> str:
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:16]


async def known_categories(ctx: CommandContext) -> dict[str, str]:
    """Map match key → name for every visible category with published articles."""
    counts = await category_counts(ctx.sessions, hidden_norms=ctx.hidden_categories)
    return known_names([name for name, _count in counts])


async def category(ctx: CommandContext, inv: Invocation) -> Reply:
    """Show the newest articles in one category."""
    args = list(inv.args)
    n, capped = ctx.page_size, False
    known = await known_categories(ctx)
    # A trailing number is the page size, unless the whole text names a category ("Top 10").
    whole = " ".join(args).strip()
    if len(args) > 1 and args[-1].strip().isdecimal() and resolve(whole, known) is None:
        n, capped = _page_bounds(ctx, [args.pop()])
    wanted = " ".join(args).strip()
    if not wanted:
        raise UsageError("")
    check_name(wanted)
    lang = lang_of(inv)
    name = resolve(wanted, known) or wanted
    norm = normalize(name)
    if norm in ctx.hidden_categories or await count_published(ctx.sessions, category_norm=norm) == 0:
        return _no_category(lang, wanted, known)
    return await category_page(ctx, lang, norm=norm, name=name, offset=0, n=n, capped=capped)


def _no_category(lang: Lang, wanted: str, known: dict[str, str]) -> Reply:
    lines = [message("category.unknown", lang, name=join_names([wanted], lang))]
    near = closest(wanted, known)
    if near:
        lines.append(message("suggest", lang, names=join_names(near, lang)))
    lines.append(message("category.see_all", lang))
    return Reply("\n".join(lines), ephemeral=True, error=True)


async def category_page(
    ctx: CommandContext, lang: Lang, *, norm: str, name: str, offset: int, n: int, capped: bool = False
) -> Reply:
    """Answer one page of a category's newest articles."""
    total = await count_published(ctx.sessions, category_norm=norm)
    rows = await latest_articles(ctx.sessions, limit=n, offset=offset, category_norm=norm)
    if not rows:
        return Reply(message("latest.past_end", lang), ephemeral=True)
    header = message("category.header", lang, name=name, first=offset + 1, last=offset + len(rows), total=total)
    note = message("latest.capped", lang, max=ctx.max_page) if capped else ""
    page = _list_reply(
        ctx, lang, header, rows, total=total, offset=offset, n=n,
        action=lambda at: category_action(norm, at, n), note=note,
    )
    back = Button(message("button.categories", lang), action=CATEGORIES_ACTION)
    return replace(page, buttons=(*page.buttons, back))


async def categories(ctx: CommandContext, inv: Invocation) -> Reply:
    """List the categories and how many articles each has."""
    if inv.args:
        raise UsageError(" ".join(inv.args))
    return await categories_list(ctx, lang_of(inv))


async def categories_list(ctx: CommandContext, lang: Lang) -> Reply:
    """Answer the list of categories, with a button per category."""
    counts = await category_counts(ctx.sessions, hidden_norms=ctx.hidden_categories)
    if not counts:
        return Reply(message("categories.empty", lang))
    header = message("categories.header", lang, count=len(counts))
    lines = [header] + [message("categories.line", lang, name=name, count=count) for name, count in counts]
    buttons = tuple(
        Button(message("categories.line", lang, name=name, count=count),
               action=category_action(normalize(name), 0, ctx.page_size))
        for name, count in counts[:_CATEGORY_BUTTONS]
    )
    return Reply("\n".join(lines), header=header, buttons=buttons)


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


async def page_action(ctx: CommandContext, inv: Invocation, action: str) -> Reply | None:
    """Answer a reading button (`latest:…`, `category:…`, `category#:…`, `categories`,
    `read:<id>:<block>`); None if not one of them or no longer valid."""
    kind, _, rest = action.partition(":")
    lang = lang_of(inv)
    if action == CATEGORIES_ACTION:
        return await categories_list(ctx, lang)
    if kind == "read":
        id_text, _, start_text = rest.partition(":")
        if not start_text.isdecimal() or len(start_text) > 9:
            return None
        return await read_part(ctx, lang, parse_article_id(id_text), int(start_text))
    if kind == "latest":
        offset, n = _offset_and_count(ctx, rest.split(":"))
        return await latest_page(ctx, lang, offset=offset, n=n)
    if kind in ("category", "category#"):
        offset_text, _, rest = rest.partition(":")
        n_text, _, key = rest.partition(":")
        offset, n = _offset_and_count(ctx, [offset_text, n_text])
        name = await _category_by_key(ctx, key, hashed=kind == "category#")
        if name is None:
            return None
        return await category_page(ctx, lang, norm=normalize(name), name=name, offset=offset, n=n)
    return None


def _offset_and_count(ctx: CommandContext, parts: list[str]) -> tuple[int, int]:
    """Parse a button's offset (at most `MAX_OFFSET`) and page size (1 to the maximum page)."""
    if not parts or not parts[0].isdecimal() or len(parts[0]) > 9 or int(parts[0]) > MAX_OFFSET:
        raise ValueError("bad offset")
    offset = int(parts[0])
    n = int(parts[1]) if len(parts) > 1 and parts[1].isdecimal() and len(parts[1]) <= 3 else ctx.page_size
    return offset, max(1, min(n, ctx.max_page))


async def _category_by_key(ctx: CommandContext, key: str, *, hashed: bool) -> str | None:
    """Find the category a button meant: by normalised name, or by its digest."""
    if not key or (key in ctx.hidden_categories and not hashed):
        return None
    counts = await category_counts(ctx.sessions, hidden_norms=ctx.hidden_categories)
    for name, _count in counts:
        norm = normalize(name)
        if (hashed and _digest(norm) == key) or (not hashed and norm == key):
            return name
    if not hashed and await count_published(ctx.sessions, category_norm=key):
        return key  # a tag, not a category: it still has a page
    return None
