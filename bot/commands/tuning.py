"""What `/filter`, `/digest` and `/settings` share: the chat's subscription they tune, the words
they were given, and how a digest's schedule and times read.

Who may change a chat's options is the same rule as for `/subscribe` (dispatch checks it for the
commands; the `/settings` buttons check it themselves); anyone in the chat may look at them.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from bot.commands.context import BadArgument, CommandContext
from bot.commands.i18n import Lang, message
from bot.commands.types import Invocation
from bot.digests import DigestSchedule
from bot.digests.times import zone_of
from bot.store.subscriptions import SubscriptionState, get_subscription


def words_of(inv: Invocation) -> list[str]:
    """Return the arguments as words (a Discord option arrives as one string of several words)."""
    return [word for arg in inv.args for word in arg.split()]


async def chat_subscription(ctx: CommandContext, inv: Invocation) -> SubscriptionState:
    """Return this chat's active subscription; refuse with "subscribe first" when there is none."""
    state = await get_subscription(ctx.sessions, inv.platform, inv.channel_id)
    if state is None or not state.active:
        raise BadArgument("settings.subscribe_first")
    return state


def refuse_configured(state: SubscriptionState) -> None:
    """Refuse to change what a chat gets when HERALD_CHANNELS decides it (every article)."""
    if state.origin == "config":
        raise BadArgument("settings.config")


def zone_name(zone: tzinfo) -> str:
    """Return a zone's IANA name (`Europe/Berlin`), or what it calls itself (`UTC`)."""
    return str(getattr(zone, "key", None) or zone)


def local_time(moment: datetime, zone: tzinfo) -> str:
    """Show a moment as clocks in `zone` show it, with the zone's abbreviation: `2026-03-02 08:00 CET`."""
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or zone_name(zone)}"


def describe_schedule(schedule: DigestSchedule, default_zone: tzinfo, lang: Lang) -> str:
    """Say when a digest comes: `every day at 08:00 (Europe/Berlin)`, `every Monday at 08:00 (UTC)`."""
    zone = zone_name(zone_of(schedule, default_zone))
    if schedule.every == "weekly" and schedule.weekday is not None:
        day = message("digest.cmd.days", lang).split(",")[schedule.weekday]
        return message("digest.cmd.weekly", lang, day=day, time=schedule.time, zone=zone)
    return message("digest.cmd.daily", lang, time=schedule.time, zone=zone)


def next_shown(state: SubscriptionState, default_zone: tzinfo) -> str:
    """The subscription's next digest time in its zone (or "?" when none is stored)."""
    if state.digest is None or state.digest_next_at is None:
        return "?"
    return local_time(state.digest_next_at, zone_of(state.digest, default_zone))
