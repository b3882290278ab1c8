"""Whether the bot may post in each configured channel, asked of Telegram at start: getChat,
then getChatMember for the bot itself. The answers name what is missing, for the operator."""

from __future__ import annotations

from collections.abc import Iterable

from telegram import Bot, ChatMember, ChatMemberAdministrator, ChatMemberRestricted
from telegram.error import TelegramError

from adapters.telegram.outlet import chat_ref


async def check_targets(bot: Bot, channel_ids: Iterable[str]) -> dict[str, str | None]:
    """Return channel id → what is missing for the bot to post there, or None when it can (or
    when Telegram cannot tell now: deliveries will)."""
    return {channel_id: await cannot_post(bot, channel_id) for channel_id in channel_ids}


async def cannot_post(bot: Bot, channel_id: str) -> str | None:
    """Return why the bot cannot post in this chat, or None."""
    try:
        chat = await bot.get_chat(chat_ref(channel_id))
    except TelegramError as exc:
        if "not found" in (exc.message or "").lower():
            return "chat not found (or the bot is not in it)"
        return None  # unknown: deliveries will tell
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
