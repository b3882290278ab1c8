"""The panel's queue actions and approval decisions, done by the very functions the chat commands
use (`bot.schedule.broadcasts` for `/queue`, `/unqueue`, `/broadcast`; `admin_action` for the
Approve / Queue / Skip buttons), so they refuse the same things with the same words, change the
same store, and settle the admins' chat approval cards through the same hook.

Every refusal is an `ActionError` carrying the text the chat command would answer, in the
panel reader's language.
"""

from __future__ import annotations

from bot.commands.admin import ACTIONS, admin_action

__all__ = [
    "ACTIONS", "ActionError", "added_text", "article_number", "broadcast_now", "cancel_item", "decide", "move_item",
    "queue_article",
]
from bot.commands.args import parse_article_id
from bot.commands.context import BadArgument, CommandContext, UsageError
from bot.commands.i18n import Lang, message
from bot.commands.types import Invocation, Reply
from bot.schedule.broadcasts import BroadcastError, Planned, cancel, plan
from bot.schedule.when import format_when
from bot.store import queue as queue_store
from bot.store.articles import get_article

MAX_FIELD_CHARS = 200
"""Longest time or target text read from a form (a time is ~20 characters, a target ~100)."""
PANEL_CHANNEL = "panel"
"""The channel a panel decision is 'pressed' in: no approval card lives there, so every card is edited."""


class ActionError(Exception):
    """A refused action; `text` is what the chat command would have answered."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _said(error: BroadcastError | BadArgument, lang: Lang) -> ActionError:
    return ActionError(message(error.key, lang, **error.values))


def article_number(raw: str, lang: Lang) -> int:
    """Parse an article or queue number as the chat commands do (`42` or `#42`)."""
    try:
        return parse_article_id(raw[:32])
    except BadArgument as exc:
        raise _said(exc, lang) from None
    except UsageError:
        raise _said(BadArgument("arg.bad_id", max=2**63 - 1), lang) from None


def _bounded(text: str | None) -> str | None:
    if text is None:
        return None
    return text[: MAX_FIELD_CHARS + 1]


async def queue_article(
    ctx: CommandContext, article_id: int, *, when: str | None, target: str | None, admin: str, lang: Lang,
) -> Planned:
    """Queue an article at `when` (as `/queue <id> <when>`; empty: the next free slot) for
    everyone, or for one `target` (as `herald queue add --target`)."""
    target = (_bounded(target) or "").strip() or None
    try:
        planned = await plan(
            ctx.sessions, article_id, when=_bounded(when), now=ctx.clock.now(), zone=ctx.zone, slots=ctx.slots,
            target=target, created_by=admin,
        )
    except BroadcastError as exc:
        raise _said(exc, lang) from None
    if ctx.run_queue is not None:
        await ctx.run_queue()
    return planned


def added_text(ctx: CommandContext, planned: Planned, lang: Lang) -> str:
    """What `/queue` answers for an item just added."""
    item = planned.item
    if planned.due_now:
        return message("queue.added_now", lang, qid=item.id, id=item.article_id, title=planned.title)
    when = format_when(item.due_at, ctx.zone)  # type: ignore[arg-type]
    return message("queue.added", lang, qid=item.id, id=item.article_id, title=planned.title, when=when)


async def broadcast_now(ctx: CommandContext, article_id: int, *, admin: str, lang: Lang) -> str:
    """Send an article to every subscriber now, as `/broadcast <id>`; return its answer."""
    try:
        planned = await plan(ctx.sessions, article_id, when="now", now=ctx.clock.now(), zone=ctx.zone,
                             created_by=admin)
    except BroadcastError as exc:
        raise _said(exc, lang) from None
    if ctx.run_queue is not None:
        await ctx.run_queue()
    return message("broadcast.done", lang, id=article_id, title=planned.title, qid=planned.item.id)


async def cancel_item(ctx: CommandContext, queue_id: int, *, lang: Lang) -> str:
    """Cancel a waiting item, as `/unqueue <n>`; return its answer."""
    try:
        item = await cancel(ctx.sessions, queue_id, now=ctx.clock.now())
    except BroadcastError as exc:
        raise _said(exc, lang) from None
    if ctx.run_queue is not None:
        await ctx.run_queue()
    row = await get_article(ctx.sessions, item.article_id)
    title = row.title if row is not None else "?"
    return message("unqueue.done", lang, qid=item.id, id=item.article_id, title=title,
                   when=format_when(item.due_at, ctx.zone))  # type: ignore[arg-type]


async def move_item(ctx: CommandContext, queue_id: int, *, when: str | None, admin: str, lang: Lang) -> Planned:
    """Move a waiting item to `when`: the new time is checked as `/queue` checks it, then the
    item is queued anew (same article, same target) and the old one cancelled, as `/queue` then
    `/unqueue` would do. Nothing changes when either step is refused."""
    item = await queue_store.get_item(ctx.sessions, queue_id)
    if item is None:
        raise _said(BroadcastError("unqueue.unknown", qid=queue_id), lang)
    if item.status != "queued":
        raise _said(BroadcastError("unqueue.not_waiting", qid=queue_id, status=item.status), lang)
    now = ctx.clock.now()
    try:
        planned = await plan(
            ctx.sessions, item.article_id, when=_bounded(when), now=now, zone=ctx.zone, slots=ctx.slots,
            target=item.target, created_by=admin,
        )
        try:
            await cancel(ctx.sessions, queue_id, now=now)
        except BroadcastError:  # sent or cancelled meanwhile: take the new one back
            await queue_store.cancel(ctx.sessions, planned.item.id, now=now)
            raise
    except BroadcastError as exc:
        raise _said(exc, lang) from None
    if ctx.run_queue is not None:
        await ctx.run_queue()
    return planned


async def decide(ctx: CommandContext, article_id: int, action: str, *, admin: str, lang: Lang) -> Reply:
    """Approve / Queue (next slot) / Skip a held article exactly as the chat buttons do: the same
    handler, so every admin's approval card is edited to show the decision."""
    if action not in ACTIONS:
        raise ValueError(f"{action!r} is not one of {ACTIONS}")
    platform, _, user = admin.partition(":")
    inv = Invocation(platform=platform, channel_id=PANEL_CHANNEL, channel_kind="private", user_id=user,
                     command=action, lang={"zh": "zh-hans", "zh-Hant": "zh-hant"}.get(lang, "en"))
    reply = await admin_action(ctx, inv, f"{action}:{article_id}")
    assert reply is not None  # `action` is one of ACTIONS
    if reply.error:
        raise ActionError(reply.text)
    return reply

