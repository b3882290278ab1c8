"""Who administers a chat, and whether the bot may post in one: `getChatMember`, cached briefly.

Only commands that change a subscription ask, so a busy group costs one lookup per reader per
minute at most. A channel an admin names from a private chat is checked for post rights only to
subscribe it: unsubscribing or listing must work after the bot lost those rights.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram import Bot, ChatFullInfo, ChatMember, ChatMemberAdministrator, ChatMemberRestricted
from telegram.error import TelegramError

from adapters.telegram.targets import split_topic, topic_channel_id
from adapters.telegram.updates import channel_kind
from bot.commands.channels import NamedChannel

log = logging.getLogger("herald.telegram.admins")

CACHE_SECONDS = 60.0
_ADMIN = frozenset({ChatMember.OWNER, ChatMember.ADMINISTRATOR})


def named(chat: ChatFullInfo, thread: int | None = None) -> NamedChannel:
    """Return a chat, or one topic of a forum (`thread`), as the core's `NamedChannel`."""
    names = (f"@{topic_channel_id(chat.username, thread)}",) if chat.username else ()
    title = chat.title or chat.username or str(chat.id)
    return NamedChannel(topic_channel_id(chat.id, thread), channel_kind(chat.type), title, names)


class ChatAdmins:
    """Ask Telegram who administers a chat, remembering answers for `ttl` seconds."""

    _MAX_ENTRIES = 10_000

    def __init__(self, bot: Bot, *, ttl: float = CACHE_SECONDS, now: Callable[[], float] = time.monotonic) -> None:
        self._bot = bot
        self._ttl = ttl
        self._now = now
        self._known: dict[tuple[int, int], tuple[float, bool]] = {}

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        """Tell whether `user_id` is the owner or an administrator of `chat_id`."""
        now = self._now()
        cached = self._known.get((chat_id, user_id))
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            member = await self._bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:
            log.info("getChatMember failed for chat %s: %s", chat_id, type(exc).__name__)
            return False
        answer = member.status in _ADMIN
        if len(self._known) >= self._MAX_ENTRIES:
            self._known = {k: v for k, v in self._known.items() if v[0] > now}
        self._known[(chat_id, user_id)] = (now + self._ttl, answer)
        return answer

    async def lookup(self, ref: str, postable: bool) -> NamedChannel | None:
        """The core's `ChannelLookup`: the chat `ref` names, when the bot can post there if
        `postable` is asked."""
        return await (self.postable(ref) if postable else self.find(ref))

    async def find(self, ref: str) -> NamedChannel | None:
        """Return the chat `ref` (a numeric id or "@name", perhaps with ":<thread>" for a forum
        topic) names, whether or not the bot may post there; None when Telegram does not know it
        (the core then looks among subscriptions)."""
        chat_id, thread = split_topic(ref)
        try:
            chat = await self._bot.get_chat(chat_id)
        except TelegramError as exc:
            log.info("getChat failed for %s: %s", ref, type(exc).__name__)
            return None
        return named(chat, thread)

    async def postable(self, ref: str) -> NamedChannel | None:
        """Return the chat `ref` names when the bot can post there, else None (a topic only in a
        forum: Telegram tells no more about topics to bots)."""
        chat_id, thread = split_topic(ref)
        try:
            chat = await self._bot.get_chat(chat_id)
            member = await self._bot.get_chat_member(chat.id, self._bot.id)
        except TelegramError as exc:
            log.info("cannot check chat %s: %s", ref, type(exc).__name__)
            return None
        if chat.type == "private" or (thread is not None and not chat.is_forum):
            return None
        if chat.type == "channel":
            ok = isinstance(member, ChatMemberAdministrator) and bool(member.can_post_messages)
            ok = ok or member.status == ChatMember.OWNER
        elif isinstance(member, ChatMemberRestricted):
            ok = bool(member.can_send_messages) and member.is_member
        else:
            ok = member.status in (ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER)
        if not ok:
            return None
        return named(chat, thread)
