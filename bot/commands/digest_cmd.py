"""`/digest`: take one message a day or a week listing the new articles instead of each one as it
comes (`/digest daily 08:00`, `/digest weekly mon 08:00`, an IANA zone may follow; `/digest off`;
`/digest` alone shows the chat's digest).

Parsing and the next due time are `bot.digests.times`; the time is read in the zone the command
names, else HERALD_TIMEZONE, and the reply says when the first digest comes in that zone.
"""

from __future__ import annotations

from bot.commands.context import BadArgument, CommandContext, lang_of
from bot.commands.i18n import message
from bot.commands.tuning import (
    chat_subscription,
    describe_schedule,
    local_time,
    next_shown,
    refuse_configured,
    words_of,
)
from bot.commands.types import Invocation, Reply
from bot.digests.times import DigestError, next_digest_at, parse_digest, zone_of
from bot.store.subscription_options import set_digest


async def digest(ctx: CommandContext, inv: Invocation) -> Reply:
    """Get one message a day or week listing new articles instead: daily 08:00, weekly mon 08:00, off."""
    lang = lang_of(inv)
    words = words_of(inv)
    state = await chat_subscription(ctx, inv)
    if not words:
        if state.digest is None:
            return Reply("\n".join([message("digest.cmd.off", lang), message("digest.cmd.usage", lang)]))
        schedule = describe_schedule(state.digest, ctx.zone, lang)
        current = message("digest.cmd.current", lang, schedule=schedule, next=next_shown(state, ctx.zone))
        return Reply("\n".join([current, message("digest.cmd.usage", lang)]))
    refuse_configured(state)
    try:
        chosen = parse_digest(words)
    except DigestError as exc:
        raise BadArgument(exc.key, **exc.values) from None
    now = ctx.clock.now()
    if chosen is None:
        await set_digest(ctx.sessions, inv.platform, inv.channel_id, None, None, now)
        return Reply(message("digest.cmd.stopped", lang))
    next_at = next_digest_at(chosen, ctx.zone, now)
    await set_digest(ctx.sessions, inv.platform, inv.channel_id, chosen, next_at, now)
    first = local_time(next_at, zone_of(chosen, ctx.zone))
    return Reply(message("digest.cmd.set", lang, schedule=describe_schedule(chosen, ctx.zone, lang), next=first))
