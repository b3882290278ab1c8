"""Subscription queries: which chats get new articles, and of which categories.

One row per (platform, channel). No category filters means every article. Unsubscribing
deactivates the row (history and `reason` are kept) rather than deleting it; subscribing again
reactivates it with fresh filters. Rows with origin "config" mirror HERALD_CHANNELS and are
managed by `sync_config_channels`, not from chat.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cardstyle import DEFAULT_STYLE, LENGTHS, CardStyle, Length
from bot.digests import DigestSchedule, Every
from bot.filters import FilterRule
from bot.store.models import Delivery, Subscription, SubscriptionCategory, SubscriptionFilter
from bot.summary import normalize_category
from bot.targets import Target

Sessions = async_sessionmaker[AsyncSession]

_NAME_MAX = 256
_LANG_MAX = 16
CANNOT_POST = "cannot post: "
"""Prefix of the reason a configured channel is disabled with when the check at start found the
bot unable to post there: it stays disabled across restarts until a check at start passes."""


@dataclass(frozen=True, slots=True)
class SubscriptionState:
    """A chat's subscription as it stands."""

    id: int
    platform: str
    channel_id: str
    kind: str
    origin: str
    active: bool
    categories: tuple[str, ...]
    """Category names as the chat chose them, sorted; empty means every article."""
    lang: str | None = None
    reason: str | None = None
    filters: tuple[FilterRule, ...] = ()
    """Keyword and expression filters (`/filter`), includes first, in the order they were added."""
    style: CardStyle = DEFAULT_STYLE
    lang_chosen: bool = False
    """`lang` was set with /settings (else it follows the reader who subscribed)."""
    digest: DigestSchedule | None = None
    digest_next_at: datetime | None = None

    @property
    def target(self) -> Target:
        """Where this subscription's messages go."""
        return Target(self.platform, self.channel_id)

    @property
    def everything(self) -> bool:
        """Tell whether this chat gets every new article."""
        return self.active and not self.categories


@dataclass(frozen=True, slots=True)
class Unsubscribed:
    """The outcome of `unsubscribe`: the state after it, and what was (not) removed."""

    state: SubscriptionState | None
    removed: tuple[str, ...] = ()
    not_followed: tuple[str, ...] = ()
    """Requested names this chat did not follow (nothing to remove)."""


def _norms(names: Iterable[str]) -> dict[str, str]:
    """Map normalised name → name, keeping the first spelling of each."""
    found: dict[str, str] = {}
    for name in names:
        clean = name.strip()[:_NAME_MAX]
        norm = normalize_category(clean)[:_NAME_MAX]
        if norm and norm not in found:
            found[norm] = clean
    return found


async def _row(session: AsyncSession, platform: str, channel_id: str) -> Subscription | None:
    return await session.scalar(
        select(Subscription).where(Subscription.platform == platform, Subscription.channel_id == channel_id)
    )


async def category_filters(session: AsyncSession, subscription_id: int) -> dict[str, str]:
    """Return a subscription's category filters, normalised name → name, in an open session."""
    rows = await session.scalars(
        select(SubscriptionCategory).where(SubscriptionCategory.subscription_id == subscription_id)
    )
    return {row.norm: row.name for row in rows}


_STYLES: dict[tuple[bool, bool, bool, str], CardStyle] = {}


def style_from(silent: bool, preview: bool, thumbnail: bool, length: str) -> CardStyle:
    """Return the card options stored in a subscription's columns (one shared object per combination)."""
    key = (bool(silent), bool(preview), bool(thumbnail), length)
    style = _STYLES.get(key)
    if style is None:
        shown: Length = next((known for known in LENGTHS if known == length), "normal")
        style = _STYLES[key] = CardStyle(key[0], key[1], key[2], shown)
    return style


def style_of(row: Subscription) -> CardStyle:
    """Return a subscription row's card options."""
    return style_from(row.silent, row.link_preview, row.thumbnail, row.length)


def schedule_of(row: Subscription) -> DigestSchedule | None:
    """Return a subscription row's digest schedule, or None (every article as it comes)."""
    if row.digest not in ("daily", "weekly") or not row.digest_time:
        return None
    hour, _, minute = row.digest_time.partition(":")
    every: Every = "weekly" if row.digest == "weekly" else "daily"
    weekday = row.digest_day if every == "weekly" else None
    return DigestSchedule(every, int(hour), int(minute), weekday, row.digest_zone)


async def rules_of(session: AsyncSession, subscription_id: int) -> tuple[FilterRule, ...]:
    """Return a subscription's keyword and expression filters, includes first, oldest first."""
    rows = await session.scalars(
        select(SubscriptionFilter)
        .where(SubscriptionFilter.subscription_id == subscription_id)
        .order_by(SubscriptionFilter.exclude, SubscriptionFilter.id)
    )
    return tuple(FilterRule(row.pattern, exclude=row.exclude, regex=row.regex) for row in rows)


async def _state(session: AsyncSession, row: Subscription) -> SubscriptionState:
    names = sorted((await category_filters(session, row.id)).values(), key=normalize_category)
    rules = await rules_of(session, row.id) if row.filter_kinds else ()
    return SubscriptionState(
        id=row.id,
        platform=row.platform,
        channel_id=row.channel_id,
        kind=row.kind,
        origin=row.origin,
        active=row.active,
        categories=tuple(names),
        lang=row.lang,
        reason=row.reason,
        filters=rules,
        style=style_of(row),
        lang_chosen=row.lang_chosen,
        digest=schedule_of(row),
        digest_next_at=row.digest_next_at,
    )


async def _clear(session: AsyncSession, subscription_id: int) -> None:
    await session.execute(
        delete(SubscriptionCategory).where(SubscriptionCategory.subscription_id == subscription_id)
    )


async def get_subscription(sessions: Sessions, platform: str, channel_id: str) -> SubscriptionState | None:
    """Return this chat's subscription (active or not), or None if it never subscribed."""
    async with sessions() as session:
        row = await _row(session, platform, channel_id)
        return None if row is None else await _state(session, row)


async def subscribe(
    sessions: Sessions,
    platform: str,
    channel_id: str,
    kind: str,
    categories: Sequence[str],
    lang: str | None,
    now: datetime,
    *,
    origin: str = "chat",
) -> SubscriptionState:
    """Subscribe a chat: no categories means everything (clears filters), else add them.

    A deactivated subscription is reactivated with only the categories given now.
    """
    wanted = _norms(categories)
    try:
        return await _subscribe_once(sessions, platform, channel_id, kind, wanted, lang, now, origin)
    except IntegrityError:
        # Another request created the same row at the same moment: it exists now, so add to it.
        return await _subscribe_once(sessions, platform, channel_id, kind, wanted, lang, now, origin)


async def _subscribe_once(
    sessions: Sessions,
    platform: str,
    channel_id: str,
    kind: str,
    wanted: dict[str, str],
    lang: str | None,
    now: datetime,
    origin: str,
) -> SubscriptionState:
    async with sessions.begin() as session:
        row = await _row(session, platform, channel_id)
        if row is None:
            row = Subscription(
                platform=platform, channel_id=channel_id, kind=kind, origin=origin,
                active=True, created_at=now, updated_at=now,
            )
            session.add(row)
            await session.flush()
        elif not row.active or not wanted:
            await _clear(session, row.id)
        row.active = True
        row.reason = None
        row.kind = kind
        if origin == "config":
            row.origin = "config"
        if lang and not row.lang_chosen:
            row.lang = lang[:_LANG_MAX]
        row.updated_at = now
        have = await category_filters(session, row.id) if wanted else {}
        session.add_all(
            SubscriptionCategory(subscription_id=row.id, norm=norm, name=name)
            for norm, name in wanted.items()
            if norm not in have
        )
        await session.flush()
        return await _state(session, row)


async def unsubscribe(
    sessions: Sessions,
    platform: str,
    channel_id: str,
    categories: Sequence[str] | None,
    now: datetime,
) -> Unsubscribed:
    """Unsubscribe a chat from everything (`categories` None) or from some categories.

    Removing the last remaining category deactivates the subscription: the chat asked to stop
    getting those articles, so it gets none (it never silently widens to everything). Removing
    a category from an everything-subscription changes nothing (`not_followed` says so).
    """
    async with sessions.begin() as session:
        row = await _row(session, platform, channel_id)
        if row is None or not row.active:
            return Unsubscribed(None if row is None else await _state(session, row))
        if categories is None:
            _deactivate(row, "unsubscribed", now)
            await _clear(session, row.id)
            return Unsubscribed(await _state(session, row))
        have = await category_filters(session, row.id)
        wanted = _norms(categories)
        removed = [have[norm] for norm in wanted if norm in have]
        missing = tuple(name for norm, name in wanted.items() if norm not in have)
        if have and removed:
            await session.execute(
                delete(SubscriptionCategory).where(
                    SubscriptionCategory.subscription_id == row.id,
                    SubscriptionCategory.norm.in_([norm for norm in wanted if norm in have]),
                )
            )
            row.updated_at = now
            if len(removed) == len(have):
                _deactivate(row, "unsubscribed", now)
        await session.flush()
        return Unsubscribed(await _state(session, row), tuple(removed), missing)


def _deactivate(row: Subscription, reason: str, now: datetime) -> None:
    row.active = False
    row.reason = reason
    row.updated_at = now


async def deactivate(sessions: Sessions, platform: str, channel_id: str, reason: str, now: datetime) -> bool:
    """Stop sending to a chat (e.g. the bot was removed from it); return whether it was active."""
    async with sessions.begin() as session:
        row = await _row(session, platform, channel_id)
        if row is None or not row.active:
            return False
        _deactivate(row, reason, now)
        return True


async def sync_config_channels(sessions: Sessions, targets: Iterable[Target], now: datetime) -> None:
    """Make the configured channels (HERALD_CHANNELS) exactly the active "config" subscriptions.

    Each gets every article. A channel dropped from the configuration is deactivated. One the
    bot could not post in at the last check (reason starting with `CANNOT_POST`) stays disabled:
    the platform's check at start enables it again once the bot may post there.
    """
    configured = set(targets)
    blocked: set[Target] = set()
    async with sessions.begin() as session:
        for row in (await session.scalars(select(Subscription).where(Subscription.origin == "config"))).all():
            if Target(row.platform, row.channel_id) not in configured:
                row.origin = "chat"
                if row.active:
                    _deactivate(row, "removed from HERALD_CHANNELS", now)
            elif not row.active and (row.reason or "").startswith(CANNOT_POST):
                blocked.add(Target(row.platform, row.channel_id))
    for target in sorted(configured - blocked):
        await subscribe(sessions, target.platform, target.channel_id, "channel", [], None, now, origin="config")


async def move_subscription(
    session: AsyncSession, platform: str, old_id: str, new_id: str, now: datetime
) -> None:
    """Move a channel's subscription to its new id inside an open transaction; when the new id
    has one already, merge them (categories, active, origin) and repoint the old one's deliveries."""
    def by(channel: str):
        return select(Subscription).where(
            Subscription.platform == platform, Subscription.channel_id == channel
        )

    old = await session.scalar(by(old_id))
    if old is None:
        return
    new = await session.scalar(by(new_id))
    if new is None:
        old.channel_id = new_id
        old.updated_at = now
        await session.flush()
        return
    old_norms = await category_filters(session, old.id)
    new_norms = await category_filters(session, new.id)
    if not old_norms or not new_norms:  # either one wanted everything: so does the merged one
        await session.execute(
            delete(SubscriptionCategory).where(SubscriptionCategory.subscription_id == new.id)
        )
    else:
        missing = [(n, name) for n, name in old_norms.items() if n not in new_norms]
        if missing:
            await session.execute(
                insert(SubscriptionCategory),
                [{"subscription_id": new.id, "norm": n, "name": name} for n, name in missing],
            )
    new.active = new.active or old.active
    new.reason = None if new.active else new.reason
    new.origin = "config" if "config" in (old.origin, new.origin) else new.origin
    new.updated_at = now
    await session.execute(
        update(Delivery)
        .where(Delivery.subscription_id == old.id)
        .values(subscription_id=new.id)
    )
    await session.execute(
        delete(SubscriptionCategory).where(SubscriptionCategory.subscription_id == old.id)
    )
    await session.delete(old)
    await session.flush()
