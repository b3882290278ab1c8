"""The admin queue from the shell: what `herald queue add|list|cancel` and `herald broadcast` do.

They work on the database directly (migrating it first) and leave the sending to a running
`herald run`, whose queue runner picks new rows up within seconds. An article is named by its
id (`42`, `#42`) or by its file: a path under the content folder, absolute or relative.
Refusals are `ShellError`s whose text the CLI prints (exit status 2).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import SystemClock
from bot.commands.i18n import message
from bot.content.boundary import OUTSIDE_REASON, leads_outside
from bot.platform import load_platforms
from bot.schedule.broadcasts import BroadcastError, cancel, plan
from bot.schedule.slots import SlotError, parse_slots
from bot.schedule.when import format_when
from bot.settings import Settings
from bot.store import queue
from bot.store.articles import articles_named
from bot.store.meta import INITIAL_INDEX_DONE, get_meta
from bot.store.migrate import with_store
from bot.store.models import ArticleRow
from bot.store.states import ArticleState
from bot.targets import TargetError, parse_target

__all__ = ["ShellError", "broadcast_now", "queue_add", "queue_cancel", "queue_list", "resolve_article"]

PICKUP = "a running `herald run` sends it within 15 seconds"


class ShellError(Exception):
    """Input the queue commands cannot use; the message says why."""


def _check_target(text: str, settings: Settings) -> None:
    """Refuse a `--to` on a platform Herald does not have; warn when it is not configured."""
    try:
        target = parse_target(text)
    except TargetError as exc:
        raise ShellError(str(exc)) from None
    platforms = load_platforms()
    spec = platforms.get(target.platform)
    if spec is None:
        raise ShellError(f"there is no platform {target.platform!r} (installed: {', '.join(sorted(platforms))})")
    if not spec.enabled(settings):
        print(f"herald: note: {target.platform} is not configured here; the broadcast waits until a "
              f"`herald run` with {target.platform} sends it", file=sys.stderr)


def _refusal(exc: BroadcastError) -> ShellError:
    if exc.key == "admin.unknown_article":  # the chat wording points at /latest
        return ShellError(f"there is no article #{exc.values['id']}")
    if exc.key == "unqueue.unknown":  # the chat wording points at /queue
        return ShellError(f"there is no waiting queue item #{exc.values['qid']}; see `herald queue list`")
    return ShellError(message(exc.key, "en", **exc.values))


async def resolve_article(sessions: async_sessionmaker[AsyncSession], settings: Settings, ref: str) -> int:
    """Return the id of the article `ref` names: an id, or a post's path under the content folder."""
    text = ref.strip()
    if text.removeprefix("#").isdecimal():
        return int(text.removeprefix("#"))
    root = settings.content_dir.resolve()
    given = Path(text)
    for place in [given] if given.is_absolute() else [Path.cwd() / given, settings.content_dir / given]:
        if leads_outside(place, settings.content_dir):
            raise ShellError(f"{text}: {OUTSIDE_REASON}")
    rel = _relative(given, root)
    if rel is None:
        raise ShellError(f"{text} is not under the content folder {root}")
    rows = await articles_named(sessions, rel, text)
    live = [row for row in rows if row.state != ArticleState.REMOVED]
    if live or rows:
        return (live or rows)[0].id
    if await get_meta(sessions, INITIAL_INDEX_DONE) is None:
        raise ShellError(
            f"no article is indexed yet: start `herald run` once so it indexes {root}, then try again"
        )
    if (root / rel).is_file():
        raise ShellError(f"{rel} is not indexed (yet): a running Herald indexes new posts within seconds; "
                         "`herald check` tells whether it can be published")
    raise ShellError(f"no post {rel} in the content folder {root}")


def _relative(path: Path, root: Path) -> str | None:
    candidates = [path] if path.is_absolute() else [Path.cwd() / path, root / path]
    for candidate in candidates:
        try:
            return candidate.resolve().relative_to(root).as_posix()
        except ValueError:
            continue
    return None


async def queue_add(settings: Settings, ref: str, *, at: str | None, to: str | None) -> str:
    """Queue an article at `at` (or the next free slot, or now); return what was done."""
    if to is not None:
        _check_target(to, settings)
    if at is not None and not at.strip():  # `--at "$WHEN"` with WHEN unset must not mean "now"
        raise ShellError("--at is empty; give a time (2026-12-01 09:00, 09:00, +30m, now) or leave --at out")
    try:
        slots = parse_slots(settings.queue_slots)
    except SlotError as exc:
        raise ShellError(str(exc)) from None

    async def work(sessions: async_sessionmaker[AsyncSession]) -> str:
        article_id = await resolve_article(sessions, settings, ref)
        now = _now()
        try:
            planned = await plan(sessions, article_id, when=at, now=now, zone=settings.zone, slots=slots,
                                 target=to, created_by="cli")
        except BroadcastError as exc:
            raise _refusal(exc) from None
        item = planned.item
        if planned.due_now:
            text = message("queue.added_now", "en", qid=item.id, id=article_id, title=planned.title)
            return f"{text[:-1]}: {PICKUP}."
        when = format_when(item.due_at, settings.zone)
        text = message("queue.added", "en", qid=item.id, id=article_id, title=planned.title, when=when)
        return text + (f" To {item.target} only." if item.target else "")

    return await with_store(settings.database_url, work)


async def broadcast_now(settings: Settings, ref: str, *, to: str | None = None) -> str:
    """Queue an article to go out now; return what was done."""
    return await queue_add(settings, ref, at="now", to=to)


async def queue_list(settings: Settings) -> list[str]:
    """Return the waiting items, one line each (times in HERALD_TIMEZONE), soonest first."""

    async def work(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
        rows = await queue.waiting(sessions)
        if not rows:
            return ["the queue is empty"]
        lines = []
        for item, title in rows:
            when = format_when(item.due_at, settings.zone)
            line = f"#{item.id}\t{when}\tarticle #{item.article_id}\t{title}"
            lines.append(line + (f"\t→ {item.target}" if item.target else ""))
        return lines

    return await with_store(settings.database_url, work)


async def queue_cancel(settings: Settings, queue_id: int) -> str:
    """Cancel a waiting queue item; return what was done."""

    async def work(sessions: async_sessionmaker[AsyncSession]) -> str:
        try:
            item = await cancel(sessions, queue_id, now=_now())
        except BroadcastError as exc:
            raise _refusal(exc) from None
        async with sessions() as session:
            row = await session.get(ArticleRow, item.article_id)
        title = row.title if row is not None else "?"
        when = format_when(item.due_at, settings.zone)
        return message("unqueue.done", "en", qid=item.id, id=item.article_id, title=title, when=when)

    return await with_store(settings.database_url, work)


def _now() -> datetime:
    return SystemClock().now()
