"""A subscription's options, as chat (`/filter`, `/digest`, `/settings`), the CLI and the panel
change them: keyword filters, the digest schedule and how its cards arrive.

Each function changes an existing subscription (active or not) and returns its state after, or
None when the chat never subscribed. Bounds are checked by the callers' parsers
(`bot.filters`), and again here where a row could otherwise grow without limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cardstyle import CardStyle
from bot.digests import DigestSchedule
from bot.filters import MAX_FILTERS, FilterRule
from bot.store.models import (
    FILTER_EXCLUDE,
    FILTER_INCLUDE,
    FILTER_REGEX,
    DigestEntry,
    Subscription,
    SubscriptionFilter,
)
from bot.store.subscriptions import Sessions, SubscriptionState, _row, _state, rules_of

_LANG_MAX = 16


class TooManyFilters(ValueError):
    """Adding the filters would pass `MAX_FILTERS`; nothing was changed."""


def kinds_of(rules: Sequence[FilterRule]) -> int:
    """Return the `Subscription.filter_kinds` bits for these rules."""
    kinds = 0
    for rule in rules:
        if rule.regex:
            kinds |= FILTER_REGEX
        else:
            kinds |= FILTER_EXCLUDE if rule.exclude else FILTER_INCLUDE
    return kinds


async def _sync_kinds(session: AsyncSession, row: Subscription) -> None:
    row.filter_kinds = kinds_of(await rules_of(session, row.id))


async def add_filters(
    sessions: Sessions, platform: str, channel_id: str, rules: Sequence[FilterRule], now: datetime
) -> SubscriptionState | None:
    """Add filters (ones it already has are kept once); raise `TooManyFilters` past the bound."""
    async with sessions.begin() as session:
        row = await _row(session, platform, channel_id)
        if row is None:
            return None
        have = set(await rules_of(session, row.id))
        new = list(dict.fromkeys(rule for rule in rules if rule not in have))
        if len(have) + len(new) > MAX_FILTERS:
            raise TooManyFilters(f"at most {MAX_FILTERS} filters per subscription")
        session.add_all(
            SubscriptionFilter(subscription_id=row.id, exclude=rule.exclude, regex=rule.regex, pattern=rule.pattern)
            for rule in new
        )
        await session.flush()
        await _sync_kinds(session, row)
        row.updated_at = now
        return await _state(session, row)


async def remove_filters(
    sessions: Sessions, platform: str, channel_id: str, rules: Sequence[FilterRule] | None, now: datetime
) -> SubscriptionState | None:
    """Remove these filters (None: all of them)."""
    async with sessions.begin() as session:
        row = await _row(session, platform, channel_id)
        if row is None:
            return None
        statement = delete(SubscriptionFilter).where(SubscriptionFilter.subscription_id == row.id)
        if rules is not None:
            for rule in rules:
                await session.execute(
                    statement.where(
                        SubscriptionFilter.exclude == rule.exclude,
                        SubscriptionFilter.regex == rule.regex,
                        SubscriptionFilter.pattern == rule.pattern,
                    )
                )
        else:
            await session.execute(statement)
        await _sync_kinds(session, row)
        row.updated_at = now
        return await _state(session, row)


async def set_style(
    sessions: Sessions, platform: str, channel_id: str, style: CardStyle, now: datetime
) -> SubscriptionState | None:
    """Set how the subscription's cards arrive."""
    async with sessions.begin() as session:
        row = await _row(session, platform, channel_id)
        if row is None:
            return None
        row.silent, row.link_preview, row.thumbnail = style.silent, style.preview, style.thumbnail
        row.length = style.length
        row.updated_at = now
        return await _state(session, row)


async def set_lang(
    sessions: Sessions, platform: str, channel_id: str, lang: str | None, now: datetime
) -> SubscriptionState | None:
    """Fix the language of the subscription's pushed cards (None: follow the reader who subscribes)."""
    async with sessions.begin() as session:
        row = await _row(session, platform, channel_id)
        if row is None:
            return None
        row.lang_chosen = lang is not None
        if lang is not None:
            row.lang = lang[:_LANG_MAX]
        row.updated_at = now
        return await _state(session, row)


async def set_digest(
    sessions: Sessions,
    platform: str,
    channel_id: str,
    schedule: DigestSchedule | None,
    next_at: datetime | None,
    now: datetime,
) -> SubscriptionState | None:
    """Set (or with None, stop) the subscription's digest, next due at `next_at` (UTC).

    Turning digests off drops the articles waiting for the next one: the chat asked for every
    article from now on, not for that backlog."""
    async with sessions.begin() as session:
        row = await _row(session, platform, channel_id)
        if row is None:
            return None
        if schedule is None:
            await session.execute(
                delete(DigestEntry).where(DigestEntry.subscription_id == row.id, DigestEntry.digest_id.is_(None))
            )
            row.digest = row.digest_time = row.digest_zone = None
            row.digest_day = None
            row.digest_next_at = None
        else:
            row.digest, row.digest_time = schedule.every, schedule.time
            row.digest_day, row.digest_zone = schedule.weekday, schedule.zone
            row.digest_next_at = next_at
        row.updated_at = now
        return await _state(session, row)


async def load_rules(session: AsyncSession, subscription_ids: Sequence[int]) -> dict[int, list[FilterRule]]:
    """Return the filters of many subscriptions at once (fan-out's expression pass)."""
    found: dict[int, list[FilterRule]] = {id_: [] for id_ in subscription_ids}
    if not subscription_ids:
        return found
    rows = await session.execute(
        select(
            SubscriptionFilter.subscription_id, SubscriptionFilter.pattern,
            SubscriptionFilter.exclude, SubscriptionFilter.regex,
        )
        .where(SubscriptionFilter.subscription_id.in_(list(subscription_ids)))
        .order_by(SubscriptionFilter.id)
    )  # fmt: skip
    for sub_id, pattern, exclude, regex in rows.all():
        found[sub_id].append(FilterRule(pattern, exclude=exclude, regex=regex))
    return found
