"""Telegram targets: what a channel id names (a chat, or one topic of a forum supergroup), and
whether the bot may post in each configured channel, asked of Telegram at start (getChat, then
getChatMember for the bot itself; the answers name what is missing, for the operator).

A forum topic is a target of its own, written `<chat>:<thread>` (`telegram:-1001234:7`): its
messages go to the group's chat id with `message_thread_id` 7, and it shares the group's rate
limit (`pacing_key`). The General topic (thread 1, or none) is the group itself. This module is
the one place that reads and writes that form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from telegram import Bot, ChatMember, ChatMemberAdministrator, ChatMemberRestricted, Message
from telegram.error import TelegramError

GENERAL_TOPIC = 1
"""The thread id of a forum's General topic: messages there go to the chat without one."""
_TOPIC = re.compile(r"(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,31}):(\d{1,10})")


def split_topic(channel_id: str) -> tuple[int | str, int | None]:
    """Return the Bot API chat_id a channel id names (a number, or an "@username") and the forum
    topic's `message_thread_id` (None for a whole chat, the General topic included)."""
    channel_id = channel_id.strip()
    topic = _TOPIC.fullmatch(channel_id)
    if topic is not None:
        thread = int(topic.group(2))
        chat = _chat(topic.group(1))
        return chat, (thread if thread > GENERAL_TOPIC else None)
    return _chat(channel_id), None


def _chat(text: str) -> int | str:
    return int(text) if re.fullmatch(r"-?\d+", text) else text


def chat_ref(channel_id: str) -> int | str:
    """Return the Bot API chat_id for a channel id: a number, or an "@username" (a forum topic's
    channel id gives its group's)."""
    return split_topic(channel_id)[0]


def topic_channel_id(chat_id: int | str, thread_id: int | None) -> str:
    """Return the channel id of a chat, or of one topic in it (`<chat>:<thread>`); the General
    topic and messages outside any topic give the chat's own id."""
    if thread_id is None or thread_id <= GENERAL_TOPIC:
        return str(chat_id)
    return f"{chat_id}:{thread_id}"


def channel_of(message: Message) -> str:
    """Return the channel id a message was sent in: its forum topic's (`<chat>:<thread>`) when
    it is in one, else its chat's (a reply thread of a plain group is not a topic)."""
    thread = message.message_thread_id if message.is_topic_message else None
    return topic_channel_id(message.chat.id, thread)


def channel_names(message: Message) -> tuple[str, ...]:
    """Return the other names of the channel a message was sent in: "@group" for a public chat,
    "@group:7" for one of its topics (as HERALD_CHANNELS may write them)."""
    username = message.chat.username
    if not username:
        return ()
    _chat_id, thread = split_topic(channel_of(message))
    return (f"@{topic_channel_id(username, thread)}",)


def pacing_key(channel_id: str) -> str:
    """Return the key whose rate limit a channel spends: a forum topic spends its group's."""
    return str(chat_ref(channel_id))


async def check_targets(bot: Bot, channel_ids: Iterable[str]) -> dict[str, str | None]:
    """Return channel id → what is missing for the bot to post there, or None when it can (or
    when Telegram cannot tell now: deliveries will)."""
    return {channel_id: await cannot_post(bot, channel_id) for channel_id in channel_ids}


async def cannot_post(bot: Bot, channel_id: str) -> str | None:
    """Return why the bot cannot post in this chat (or forum topic: Telegram tells bots nothing
    more about a topic than whether its chat is a forum), or None."""
    chat_id, thread = split_topic(channel_id)
    try:
        chat = await bot.get_chat(chat_id)
    except TelegramError as exc:
        if "not found" in (exc.message or "").lower():
            return "chat not found (or the bot is not in it)"
        return None  # unknown: deliveries will tell
    if thread is not None and not chat.is_forum:
        return "the chat has no topics (it is not a forum supergroup)"
    try:
        member = await bot.get_chat_member(chat.id, bot.id)
    except TelegramError:
        return None
    if member.status in (ChatMember.LEFT, ChatMember.BANNED):
        return "the bot is not a member of this chat"
    if chat.type == "channel":
        if member.status == ChatMember.OWNER:
            return None
        if not isinstance(member, ChatMemberAdministrator):
            return "the bot is not an administrator of this channel (Post Messages)"
        return None if member.can_post_messages else "missing permission: Post Messages"
    if isinstance(member, ChatMemberRestricted) and not member.can_send_messages:
        return "missing permission: Send Messages"
    return None
