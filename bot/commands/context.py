"""What every command handler may use: the store, the clock, who the admins are, and what the
app injects: the full-article loader (commands themselves never touch files), the queue slots,
and hooks to run the admin queue and wake the delivery engine at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, time, tzinfo
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.commands.i18n import Lang, language_of
from bot.commands.types import Invocation, Reply
from bot.keyed import KeyedError
from bot.schedule.slots import parse_slots
from bot.sources.spec import SourceSpec
from bot.summary import normalize_category
from bot.summary.model import Block, Summary
from bot.targets import Target, parse_targets

if TYPE_CHECKING:
    from bot.settings import Settings

ArticleLoader = Callable[[int], Awaitable[tuple[Summary, list[Block]] | None]]
"""Load an article's card and full body by id; None when its file cannot be read."""
QueueRunner = Callable[[], Awaitable[object]]
"""Broadcast the queue items that are due now (the app's queue runner)."""
Settled = Callable[[int, Reply, Invocation | None], Awaitable[None]]
"""Tell the app an approval request was decided: the article, the decision, and the button
press that decided it (None for `/approve`), whose own card the platform edits itself."""

DEFAULT_PAGE = 5
MAX_PAGE = 20
MAX_ARGS_CHARS = 512
"""Longest argument text a command takes; longer input is refused with one short line."""
MAX_CATEGORIES = 20
"""Most categories one chat's subscription may follow."""
MAX_NAME_CHARS = 64
"""Longest category name a command takes."""
MAX_ID = 2**63 - 1
"""Largest article or queue number: the database's 64-bit integer."""
MAX_OFFSET = 100_000
"""Farthest a paging button may point into a list."""


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Everything handlers need besides the invocation itself."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    read_article: ArticleLoader
    admins: frozenset[Target] = frozenset()
    """Users allowed admin commands (HERALD_ADMINS), as `Target(platform, user_id)`."""
    hidden_categories: frozenset[str] = frozenset()
    """Normalised names of categories never offered as filters (HERALD_HIDDEN_CATEGORIES)."""
    zone: tzinfo = UTC
    """Where list dates are shown (HERALD_TIMEZONE)."""
    page_size: int = DEFAULT_PAGE
    max_page: int = MAX_PAGE
    site_name: str | None = None
    slots: tuple[time, ...] = ()
    """Daily broadcast slots (HERALD_QUEUE_SLOTS): `/queue <id>` without a time takes the next free one."""
    run_queue: QueueRunner | None = None
    """Send due queue items now; None leaves them to the periodic queue runner."""
    wake: Callable[[], None] | None = None
    """Tell the delivery engine that new outbox rows are due; None leaves it to its polling."""
    settled: Settled | None = None
    """Show an approval decision on every admin's copy of the request; None: only the pressed one."""
    panel_url: str | None = None
    """The admin panel's public address (`/panel` sends a sign-in link under it); None: no panel."""
    sources_folder: SourceSpec | None = None
    """The content folder as a source (`/sources` lists it first); None: no folder is configured."""

    def is_admin(self, inv: Invocation) -> bool:
        """Tell whether the sender is a configured admin."""
        return Target(inv.platform, inv.user_id) in self.admins

    def may_manage(self, inv: Invocation) -> bool:
        """Tell whether the sender may change this chat's subscriptions."""
        if inv.channel_kind == "private":
            return True
        return inv.user_is_chat_admin is True or self.is_admin(inv)


def lang_of(inv: Invocation) -> Lang:
    """Pick the reply language for this invocation."""
    return language_of(inv.lang)


class UsageError(Exception):
    """The arguments do not fit the command; dispatch answers with the command's usage."""


class BadArgument(KeyedError):
    """An argument is out of bounds; dispatch answers with the catalogue text `key`."""


def build_context(
    settings: Settings,
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    read_article: ArticleLoader,
    run_queue: QueueRunner | None = None,
    wake: Callable[[], None] | None = None,
    settled: Settled | None = None,
) -> CommandContext:
    """Build the command context from the settings (admins, hidden categories, time zone, slots)."""
    from bot.panel.address import panel_url
    from bot.sources.config import configured
    from bot.sources.spec import SpecError

    try:
        folder = configured(settings).folder
    except SpecError:  # the app refuses to start on it; commands run without the folder line
        folder = None
    site = urlsplit(settings.site_url).netloc if settings.site_url else ""
    return CommandContext(
        sessions=sessions,
        clock=clock,
        read_article=read_article,
        admins=frozenset(parse_targets(settings.admins)),
        hidden_categories=frozenset(normalize_category(name) for name in settings.hidden_categories),
        zone=settings.zone,
        site_name=site or None,
        slots=parse_slots(settings.queue_slots),
        run_queue=run_queue,
        wake=wake,
        settled=settled,
        panel_url=panel_url(settings),
        sources_folder=folder,
    )
