"""Commands that manage a chat's subscription: `/subscribe`, `/unsubscribe`, `/subscriptions`.

Who may run the changing ones is checked by dispatch (the table marks them `manages`).
Channels set up in the configuration (HERALD_CHANNELS) are changed only there: a change from
chat would silently come back at the next start.
"""

from __future__ import annotations

from bot.commands.args import check_name
from bot.commands.context import MAX_CATEGORIES, BadArgument, CommandContext, UsageError, lang_of
from bot.commands.i18n import Lang, join_names, message
from bot.commands.names import closest, known_names, normalize, resolve, split_names
from bot.commands.reading import known_categories
from bot.commands.settings_cmd import option_lines
from bot.commands.types import Invocation, Reply
from bot.store import subscriptions as store
from bot.store.articles import count_published

_ALL = frozenset({"all", "全部", "所有", "everything"})


def _config_refusal(lang: Lang) -> Reply:
    return Reply(message("sub.config", lang), ephemeral=True, error=True)


def _check_names(names: list[str]) -> None:
    """Refuse more categories than a subscription may follow, or a name longer than any we keep."""
    if len(names) > MAX_CATEGORIES:
        raise BadArgument("sub.too_many", max=MAX_CATEGORIES, count=len(names))
    for name in names:
        check_name(name)


async def subscribe(ctx: CommandContext, inv: Invocation) -> Reply:
    """Get new articles here: all of them, or only those in the categories you name."""
    lang = lang_of(inv)
    current = await store.get_subscription(ctx.sessions, inv.platform, inv.channel_id)
    if current is not None and current.origin == "config":
        return _config_refusal(lang)
    known = await known_categories(ctx)
    names = split_names(inv.args, known)
    _check_names(names)
    if current is not None and current.active and not current.everything and names:
        following = {normalize(name) for name in current.categories}
        count = len(following | {normalize(name) for name in names})
        if count > MAX_CATEGORIES:
            raise BadArgument("sub.too_many", max=MAX_CATEGORIES, count=count)
    chosen: list[str] = []
    notes: list[str] = []
    for name in names:
        if normalize(name) in ctx.hidden_categories:
            notes.append(message("sub.hidden", lang, name=join_names([name], lang)))
            continue
        canonical = resolve(name, known)
        chosen.append(canonical or name)
        if canonical is None and not await count_published(ctx.sessions, category_norm=normalize(name)):
            notes.append(message("sub.no_articles", lang, name=join_names([name], lang)))
            near = closest(name, known)
            if near:
                notes.append(message("suggest", lang, names=join_names(near, lang)))
    if names and not chosen:
        return Reply("\n".join(notes), ephemeral=True, error=True)
    state = await store.subscribe(
        ctx.sessions, inv.platform, inv.channel_id, inv.channel_kind, chosen, inv.lang, ctx.clock.now()
    )
    if state.everything:
        head = message("sub.all", lang)
    else:
        head = message("sub.some", lang, names=join_names(state.categories, lang))
    return Reply("\n".join([head, *notes]))


async def unsubscribe(ctx: CommandContext, inv: Invocation) -> Reply:
    """Stop new articles here; name categories to drop only those, or use all to stop everything."""
    lang = lang_of(inv)
    current = await store.get_subscription(ctx.sessions, inv.platform, inv.channel_id)
    if current is not None and current.origin == "config" and current.active:
        return _config_refusal(lang)
    if current is None or not current.active:
        return Reply(message("unsub.not_subscribed", lang), ephemeral=True)
    words = [arg.strip() for arg in inv.args if arg.strip()]
    if not words or (len(words) == 1 and words[0].casefold() in _ALL):
        await store.unsubscribe(ctx.sessions, inv.platform, inv.channel_id, None, ctx.clock.now())
        return Reply(message("unsub.all", lang))
    known = await known_categories(ctx)
    known.update(known_names(current.categories))
    names = [resolve(name, known) or name for name in split_names(words, known)]
    _check_names(names)
    if not names:
        raise UsageError(" ".join(words))
    if current.everything:
        return Reply(message("unsub.everything", lang), ephemeral=True)
    result = await store.unsubscribe(ctx.sessions, inv.platform, inv.channel_id, names, ctx.clock.now())
    lines: list[str] = []
    if result.removed and result.state is not None and result.state.active:
        lines.append(message("unsub.removed", lang, names=join_names(result.removed, lang),
                             rest=join_names(result.state.categories, lang)))
    elif result.removed:
        lines.append(message("unsub.removed_last", lang, names=join_names(result.removed, lang)))
    if result.not_followed:
        lines.append(message("unsub.not_following", lang, names=join_names(result.not_followed, lang)))
        if not result.removed:
            lines.append(message("subs.some", lang, names=join_names(current.categories, lang)))
    return Reply("\n".join(lines), ephemeral=not result.removed)


async def subscriptions(ctx: CommandContext, inv: Invocation) -> Reply:
    """Show what this chat is subscribed to."""
    if inv.args:
        raise UsageError(" ".join(inv.args))
    lang = lang_of(inv)
    state = await store.get_subscription(ctx.sessions, inv.platform, inv.channel_id)
    if state is None or not state.active:
        return Reply(message("subs.none", lang))
    if state.origin == "config":
        head = message("subs.config", lang)
    elif state.everything:
        head = message("subs.all", lang)
    else:
        head = message("subs.some", lang, names=join_names(state.categories, lang))
    return Reply("\n".join([head, *option_lines(state, ctx.zone, lang)]))
