"""Admin commands: the broadcast queue (`/queue`, `/unqueue`, `/broadcast`), approvals
(`/approve` and the Approve / Queue / Skip buttons under an approval request, which says it
waits; a decision settles the pressed card and, through `CommandContext.settled`, every other
admin's copy) and `/stats`.

Dispatch lets only configured admins reach the commands; the buttons check it here, since a
button press can come from anyone who sees the message. The work itself is in
`bot.schedule.broadcasts`, shared with the `herald` CLI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta

from bot.commands.args import parse_article_id
from bot.commands.context import CommandContext, UsageError, lang_of
from bot.commands.i18n import Lang, message
from bot.commands.types import Button, Invocation, Reply
from bot.schedule.broadcasts import BroadcastError, cancel, plan
from bot.schedule.broadcasts import approve as approve_article
from bot.schedule.when import format_when
from bot.store import queue as queue_store
from bot.store.articles import get_article
from bot.store.states import ArticleState
from bot.store.stats import article_counts, delivery_counts, disabled_targets, subscription_counts
from bot.summary.model import Summary

ACTIONS = ("approve", "queue", "skip")
"""Button actions under an approval request: `approve:<id>`, `queue:<id>`, `skip:<id>`."""
_EXCERPT = 600
_STATS_ORDER = (
    ArticleState.PUBLISHED, ArticleState.HELD, ArticleState.SCHEDULED, ArticleState.DRAFT, ArticleState.REMOVED,
)


def _refusal(error: BroadcastError, lang: Lang) -> Reply:
    return Reply(message(error.key, lang, **error.values), ephemeral=True, error=True)


def _when(ctx: CommandContext, moment) -> str:  # moment: an aware datetime
    return format_when(moment, ctx.zone)  # type: ignore[arg-type]


def _by(inv: Invocation) -> str:
    return f"{inv.platform}:{inv.user_id}"


async def _kick(ctx: CommandContext) -> None:
    """Send due queue items now, and have the due-time job look again at what comes next (an
    item queued for later is then sent at its minute, not at the next safety look)."""
    if ctx.run_queue is not None:
        await ctx.run_queue()


async def queue(ctx: CommandContext, inv: Invocation) -> Reply:
    """Admin: schedule an article for broadcast, or list the queue."""
    if not inv.args:
        return await _list(ctx, lang_of(inv))
    return await _queue_article(ctx, inv, parse_article_id(inv.args[0]), " ".join(inv.args[1:]) or None)


async def _queue_article(ctx: CommandContext, inv: Invocation, article_id: int, when: str | None) -> Reply:
    lang = lang_of(inv)
    try:
        planned = await plan(
            ctx.sessions, article_id, when=when, now=ctx.clock.now(), zone=ctx.zone, slots=ctx.slots,
            created_by=_by(inv),
        )
    except BroadcastError as exc:
        return _refusal(exc, lang)
    item = planned.item
    await _kick(ctx)
    if planned.due_now:
        return Reply(message("queue.added_now", lang, qid=item.id, id=article_id, title=planned.title))
    when_text = _when(ctx, item.due_at)
    return Reply(message("queue.added", lang, qid=item.id, id=article_id, title=planned.title, when=when_text))


async def _list(ctx: CommandContext, lang: Lang) -> Reply:
    rows = await queue_store.waiting(ctx.sessions)
    if not rows:
        return Reply(message("queue.empty", lang))
    zone = getattr(ctx.zone, "key", None) or str(ctx.zone)
    header = message("queue.header", lang, count=len(rows), zone=zone)
    lines = [header]
    for item, title in rows:
        line = message("queue.line", lang, qid=item.id, when=_when(ctx, item.due_at), id=item.article_id, title=title)
        if item.target:
            line += message("queue.to", lang, target=item.target)
        lines.append(line)
    lines.append(message("queue.hint", lang))
    return Reply("\n".join(lines), header=header)


async def unqueue(ctx: CommandContext, inv: Invocation) -> Reply:
    """Admin: cancel a scheduled broadcast."""
    if len(inv.args) != 1:
        raise UsageError(" ".join(inv.args))
    queue_id = parse_article_id(inv.args[0])
    lang = lang_of(inv)
    try:
        item = await cancel(ctx.sessions, queue_id, now=ctx.clock.now())
    except BroadcastError as exc:
        return _refusal(exc, lang)
    await _kick(ctx)
    row = await get_article(ctx.sessions, item.article_id)
    title = row.title if row is not None else "?"
    return Reply(message("unqueue.done", lang, qid=item.id, id=item.article_id, title=title,
                         when=_when(ctx, item.due_at)))


async def broadcast(ctx: CommandContext, inv: Invocation) -> Reply:
    """Admin: send an article to every subscriber now."""
    if len(inv.args) != 1:
        raise UsageError(" ".join(inv.args))
    article_id = parse_article_id(inv.args[0])
    lang = lang_of(inv)
    try:
        planned = await plan(ctx.sessions, article_id, when="now", now=ctx.clock.now(), zone=ctx.zone,
                             created_by=_by(inv))
    except BroadcastError as exc:
        return _refusal(exc, lang)
    await _kick(ctx)
    return Reply(message("broadcast.done", lang, id=article_id, title=planned.title, qid=planned.item.id))


async def approve(ctx: CommandContext, inv: Invocation) -> Reply:
    """Admin: approve an article that is waiting to be published."""
    if len(inv.args) != 1:
        raise UsageError(" ".join(inv.args))
    article_id = parse_article_id(inv.args[0])
    reply = await _approve(ctx, lang_of(inv), article_id)
    if not reply.error:
        await _tell_settled(ctx, article_id, reply, None)
    return reply


async def _tell_settled(ctx: CommandContext, article_id: int, decision: Reply, pressed: Invocation | None) -> None:
    """Let the app show the decision on the admins' copies of the approval request."""
    if ctx.settled is not None:
        await ctx.settled(article_id, replace(decision, settles=True), pressed)


async def _approve(ctx: CommandContext, lang: Lang, article_id: int) -> Reply:
    try:
        row, count = await approve_article(ctx.sessions, article_id, now=ctx.clock.now(), zone=ctx.zone)
    except BroadcastError as exc:
        return _refusal(exc, lang)
    if ctx.wake is not None:
        ctx.wake()
    return Reply(message("approve.done", lang, id=article_id, title=row.title, count=count))


async def _skip(ctx: CommandContext, lang: Lang, article_id: int) -> Reply:
    row = await get_article(ctx.sessions, article_id)
    if row is None:
        return _refusal(BroadcastError("admin.unknown_article", id=article_id), lang)
    if row.state == ArticleState.PUBLISHED:
        return _refusal(BroadcastError("approve.already", id=article_id), lang)
    return Reply(message("approve.skipped", lang, id=article_id, title=row.title))


async def stats(ctx: CommandContext, inv: Invocation) -> Reply:
    """Admin: show subscriber and delivery statistics."""
    if inv.args:
        raise UsageError(" ".join(inv.args))
    lang = lang_of(inv)
    articles = await article_counts(ctx.sessions)
    subscriptions = await subscription_counts(ctx.sessions)
    deliveries = await delivery_counts(ctx.sessions, ctx.clock.now() - timedelta(days=1))
    waiting = await queue_store.queue_length(ctx.sessions)
    by_state = [message(f"state.{state}", lang, n=articles[state]) for state in _STATS_ORDER if articles.get(state)]
    header = message("stats.header", lang)
    lines = [
        header,
        message("stats.articles", lang, counts=_joined(by_state, lang)),
        message("stats.subscriptions", lang, counts=_joined(_pairs(subscriptions), lang)),
        message("stats.deliveries", lang, **deliveries),
        message("stats.queue", lang, count=waiting),
    ]
    disabled = await disabled_targets(ctx.sessions)
    if disabled:
        lines.append(message("stats.disabled", lang, count=len(disabled)))
        lines += [
            message("stats.disabled_item", lang, target=f"{platform}:{channel}", reason=reason or "?")
            for platform, channel, reason in disabled
        ]
    return Reply("\n".join(lines), header=header)


def _pairs(counts: Mapping[str, int]) -> list[str]:
    return [f"{name} {count}" for name, count in sorted(counts.items())]


def _joined(parts: list[str], lang: Lang) -> str:
    return message("names.sep", lang).join(parts) if parts else message("stats.none", lang)


# -- approval requests and their buttons ----------------------------------------------------


def approval_request(summary: Summary, lang: Lang = "en") -> Reply:
    """Return the message admins get for a held article: its card and Approve / Queue / Skip."""
    article_id = summary.article_id
    excerpt = summary.excerpt if len(summary.excerpt) <= _EXCERPT else summary.excerpt[: _EXCERPT - 1] + "…"
    text = message("approve.request", lang, id=article_id, title=summary.title, excerpt=excerpt)
    if summary.url:
        text += f"\n{summary.url}"
    buttons = tuple(Button(message(f"button.{name}", lang), action=f"{name}:{article_id}") for name in ACTIONS)
    waiting = message("approve.waiting", lang, id=article_id)
    return Reply(f"{waiting}\n{text}", header=waiting, summary=summary, buttons=buttons)


async def admin_action(ctx: CommandContext, inv: Invocation, action: str) -> Reply | None:
    """Answer an Approve / Queue / Skip button (admins only); None when `action` is not one."""
    kind, _, rest = action.partition(":")
    if kind not in ACTIONS:
        return None
    lang = lang_of(inv)
    if not ctx.is_admin(inv):
        return Reply(message("perm.admin", lang, command=kind), ephemeral=True, error=True)
    try:
        article_id = parse_article_id(rest)
    except UsageError:
        raise ValueError(f"bad article id in {action!r}") from None
    if kind == "approve":
        reply = await _approve(ctx, lang, article_id)
    elif kind == "queue":
        row = await get_article(ctx.sessions, article_id)
        if row is not None and row.state == ArticleState.PUBLISHED:  # another admin approved it meanwhile
            reply = _refusal(BroadcastError("approve.already", id=article_id), lang)
        else:
            reply = await _queue_article(ctx, inv, article_id, None)
    else:
        reply = await _skip(ctx, lang, article_id)
    if not reply.error:
        await _tell_settled(ctx, article_id, reply, inv)
    return _settled(reply, lang, article_id)


def _settled(reply: Reply, lang: Lang, article_id: int) -> Reply:
    """Mark the answer to an approval button as the request's decision: the card then shows it,
    without buttons. Already published (by another admin, or `/approve`) settles it too."""
    if not reply.error:
        return replace(reply, settles=True)
    if reply.text == message("approve.already", lang, id=article_id):
        return replace(reply, settles=True, error=False, ephemeral=False)
    return reply
