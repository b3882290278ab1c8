"""Channels managed from a private chat, and chats HERALD_CHANNELS already serves.

A configured admin may manage a channel from a private chat with the bot: `/subscribe @channel
[category…]`, `/unsubscribe @channel …`, `/subscriptions @channel` (or the channel's id). The
platform only resolves the reference (a `ChannelLookup`: does the chat exist, may the bot post
there); who may do it, what is refused, the fallback to a stored subscription the platform no
longer knows, and how the answer reads are decided here.

A chat listed in HERALD_CHANNELS (by id or by a public name) gets every article by configuration,
so the commands that change subscriptions are refused for it, in the chat itself or from a
private chat: it would otherwise be subscribed twice under two names.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from bot.commands.context import CommandContext, lang_of
from bot.commands.dispatch import command_name, dispatch
from bot.commands.i18n import message
from bot.commands.table import find_command
from bot.commands.types import ChannelKind, Invocation, Reply
from bot.store.subscriptions import get_subscription
from bot.targets import Target

CHANNEL_COMMANDS = frozenset({"subscribe", "unsubscribe", "subscriptions"})
"""The commands an admin may point at another channel from a private chat."""
_NUMERIC = re.compile(r"-?\d+")
_KINDS: dict[str, ChannelKind] = {"private": "private", "group": "group", "channel": "channel"}


@dataclass(frozen=True, slots=True)
class NamedChannel:
    """A channel as the platform knows it, in platform-neutral words."""

    channel_id: str
    """Its id as subscriptions store it."""
    kind: ChannelKind
    title: str
    names: tuple[str, ...] = ()
    """Its public names as targets write them (`@news`), if any."""


ChannelLookup = Callable[[str, bool], Awaitable[NamedChannel | None]]
"""Ask the platform about a channel reference (`@name` or an id): `(ref, postable)` → the channel,
or None when the platform does not know it or, with `postable`, the bot cannot post there."""


class ConfiguredChannels:
    """The chats HERALD_CHANNELS names, by id or by public name (case-insensitive)."""

    def __init__(self, targets: Iterable[Target]) -> None:
        self._names = {(t.platform, t.channel_id.casefold()) for t in targets}

    def serves(self, platform: str, channel_id: str, names: Iterable[str] = ()) -> bool:
        """Tell whether HERALD_CHANNELS names this chat under its id or one of its names."""
        return any((platform, name.casefold()) in self._names for name in (channel_id, *names))


def configured_refusal(configured: ConfiguredChannels, inv: Invocation) -> Reply | None:
    """Refuse a command that would change the subscription of a chat HERALD_CHANNELS serves;
    None when the command may run."""
    spec = find_command(command_name(inv))
    if spec is None or not spec.manages:
        return None
    if not configured.serves(inv.platform, inv.channel_id, inv.channel_names):
        return None
    ref = inv.channel_names[0] if inv.channel_names else inv.channel_id
    return Reply(message("channel.configured", lang_of(inv), ref=ref), error=True)


async def manage_channel(
    ctx: CommandContext, configured: ConfiguredChannels, inv: Invocation, lookup: ChannelLookup
) -> Reply:
    """Run `inv` (sent in a private chat, its first argument naming a channel) on that channel,
    for a configured admin. Only subscribing needs the bot to be able to post there: unsubscribing
    and listing must work after it lost that right, or after the platform forgot the channel."""
    lang = lang_of(inv)
    ref, name = inv.args[0], command_name(inv)
    if not ctx.is_admin(inv):
        return Reply(message("channel.admin_only", lang), error=True)
    if name == "subscribe":
        channel = await lookup(ref, True)
        if channel is None:
            return Reply(message("channel.cannot_post", lang, ref=ref), error=True)
    else:
        channel = await lookup(ref, False) or await _stored(ctx, inv.platform, ref)
        if channel is None:
            return Reply(message("channel.not_found", lang, ref=ref), error=True)
    if name != "subscriptions" and configured.serves(inv.platform, channel.channel_id, channel.names):
        return Reply(message("channel.configured", lang, ref=ref), error=True)
    there = dataclasses.replace(
        inv,
        channel_id=channel.channel_id,
        channel_kind=channel.kind,
        channel_names=channel.names,
        args=inv.args[1:],
        text=" ".join((f"/{name}", *inv.args)),
        user_is_chat_admin=True,
    )
    reply = await dispatch(ctx, there)
    return Reply(message("channel.answer", lang, title=channel.title, ref=ref, text=reply.text), error=reply.error)


async def _stored(ctx: CommandContext, platform: str, ref: str) -> NamedChannel | None:
    """A channel the platform does not know: its stored subscription under `ref`, or, for a
    numeric id, the channel itself; None when neither."""
    state = await get_subscription(ctx.sessions, platform, ref)
    if state is None and _NUMERIC.fullmatch(ref) is None:
        return None
    kind = _KINDS.get(state.kind, "channel") if state is not None else "channel"
    return NamedChannel(ref, kind, ref, (ref,) if ref.startswith("@") else ())
