"""Commands for reading: `/latest`, `/category`, `/categories`, `/read`, and the buttons under
them: list pages, back to the categories, and the next part of a long article.

Every number a user or a button sends is parsed within bounds (`bot.commands.context`): a
count is capped, an id fits the database's integer, an offset stays near the list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.commands.args import check_name, parse_article_id, parse_count
from bot.commands.context import (
    MAX_OFFSET,
    CommandContext,
    UsageError,
    lang_of,
)
from bot.commands.i18n import Lang, join_names, message
from bot.commands.names import closest, known_names, normalize, resolve
from bot.commands.read import read_part
from bot.commands.types import ACTION_MAX_BYTES, Button, Invocation, ListItem, Reply
from bot.store.listing import Listed, category_counts, count_published, latest_listed

_CATEGORY_BUTTONS = 10
"""How many categories `/categories` offers as buttons (Discord allows 25, Telegram more)."""
CATEGORIES_ACTION = "categories"
"""The action of the back button under a category's list: show the categories again."""
def _date(ctx: CommandContext, row: Listed) -> str:
    return row.date.astimezone(ctx.zone).strftime("%Y-%m-%d")


def _list_reply(
    ctx: CommandContext,
    lang: Lang,
    header: str,
    rows: Sequence[Listed],
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
    rows = await latest_listed(ctx.sessions, limit=n, offset=offset)
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
    rows = await latest_listed(ctx.sessions, limit=n, offset=offset, category_norm=norm)
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
