"""`/sources` (admin): the folder, feeds and git repositories articles come from, one short line
each — kind, published articles, last and next fetch in HERALD_TIMEZONE — and, for a source whose
polls fail, how many times in a row and the last error (on one line, cut; adapters escape it as
every reply text). The same view as `herald source list` and the panel (`bot.sources.listing`)."""

from __future__ import annotations

from datetime import datetime

from bot.commands.context import CommandContext, UsageError, lang_of
from bot.commands.i18n import Lang, message
from bot.commands.types import Invocation, Reply
from bot.schedule.when import format_when
from bot.sources.listing import ListedSource, listed_sources, one_line

MAX_SHOWN = 30
"""Sources listed in chat (a chat message holds 2,000–4,000 characters); the panel shows all."""
ERROR_CHARS = 160
"""Longest last error shown in chat."""


def _when(ctx: CommandContext, moment: datetime | None, lang: Lang) -> str:
    return message("sources.never", lang) if moment is None else format_when(moment, ctx.zone)  # type: ignore[arg-type]


def _lines(ctx: CommandContext, source: ListedSource, lang: Lang) -> list[str]:
    if source.kind == "folder" and not source.polled:
        return [message("sources.folder", lang, name=source.name, articles=source.articles)]
    kind = source.kind if source.kind != "?" else message("sources.unknown_kind", lang)
    lines = [message("sources.line", lang, name=source.name, kind=kind, articles=source.articles,
                     last=_when(ctx, source.last_fetch_at, lang), next=_when(ctx, source.next_fetch_at, lang))]
    if source.last_error:
        lines.append(message("sources.failed", lang, failures=source.failures, error=one_line(source.last_error,
                                                                                              ERROR_CHARS)))
    return lines


async def sources(ctx: CommandContext, inv: Invocation) -> Reply:
    """Admin: list the sources articles come from and how their polling goes."""
    if inv.args:
        raise UsageError(" ".join(inv.args))
    lang = lang_of(inv)
    shown = await listed_sources(ctx.sessions, ctx.sources_folder)
    if not shown:
        return Reply(message("sources.none", lang))
    zone = getattr(ctx.zone, "key", None) or str(ctx.zone)
    header = message("sources.header", lang, count=len(shown), zone=zone)
    lines = [header]
    for source in shown[:MAX_SHOWN]:
        lines += _lines(ctx, source, lang)
    if len(shown) > MAX_SHOWN:
        lines.append(message("sources.more", lang, count=len(shown) - MAX_SHOWN))
    return Reply("\n".join(lines), header=header)
