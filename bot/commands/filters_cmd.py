"""`/filter`: keep or drop a chat's new articles by keywords and regular expressions.

`/filter +python -sponsored /rust(lang)?/ -/crypto/` adds filters, `/filter clear` removes them
all (`/filter clear +python` replaces them), `/filter` alone shows them and how the command
works. The words are parsed (and bounded) by `bot.filters.parse`; the store keeps at most
`MAX_FILTERS` per subscription.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.commands.context import BadArgument, CommandContext, lang_of
from bot.commands.i18n import Lang, message
from bot.commands.tuning import chat_subscription, refuse_configured, words_of
from bot.commands.types import Invocation, Reply
from bot.filters import MAX_FILTERS, FilterRule
from bot.filters.parse import FilterError, parse_filters
from bot.store.subscription_options import TooManyFilters, add_filters, remove_filters


def _listed(key: str, rules: Sequence[FilterRule], lang: Lang) -> list[str]:
    return [message(key, lang, count=len(rules)), *(f"  {rule.shown}" for rule in rules)]


async def filter_(ctx: CommandContext, inv: Invocation) -> Reply:
    """Keep articles with +word, drop those with -word, or use /regex/; clear removes every filter."""
    lang = lang_of(inv)
    words = words_of(inv)
    state = await chat_subscription(ctx, inv)
    if not words:
        if not state.filters:
            return Reply("\n".join([message("filter.none", lang), message("filter.usage", lang)]))
        return Reply("\n".join([*_listed("filter.header", state.filters, lang), message("filter.usage", lang)]))
    refuse_configured(state)
    try:
        parsed = parse_filters(words)
    except FilterError as exc:
        raise BadArgument(exc.key, **exc.values) from None
    now = ctx.clock.now()
    if parsed.clear:
        await remove_filters(ctx.sessions, inv.platform, inv.channel_id, None, now)
        if not parsed.rules:
            return Reply(message("filter.cleared", lang))
    try:
        after = await add_filters(ctx.sessions, inv.platform, inv.channel_id, parsed.rules, now)
    except TooManyFilters:
        count = len(set(() if parsed.clear else state.filters) | set(parsed.rules))
        raise BadArgument("filter.too_many", max=MAX_FILTERS, count=count) from None
    if after is None:  # unsubscribed meanwhile
        raise BadArgument("settings.subscribe_first")
    return Reply("\n".join(_listed("filter.added", after.filters, lang)))
