"""The fake Bot API's bot-level methods: identity, updates, webhook, command menu, chat info, files."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tests.fakes.telegram_content import check_commands, check_language, check_scope
from tests.fakes.telegram_params import Params
from tests.fakes.telegram_state import ApiError, FakeChat, bad_request

if TYPE_CHECKING:
    from tests.fakes.telegram_api import FakeTelegram

_ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
    "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
    "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
}


async def get_me(fake: FakeTelegram, p: Params) -> dict[str, Any]:
    """Answer getMe."""
    return {
        **fake.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(fake: FakeTelegram, p: Params) -> list[dict[str, Any]]:
    """Answer getUpdates with long polling."""
    if fake.webhook is not None:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    allowed = p.structured("allowed_updates")
    if allowed is not None and not isinstance(allowed, list):
        raise bad_request("can't parse allowed_updates JSON object")
    timeout = float(p.integer("timeout", 0) or 0)
    return await fake.updates.poll(p.integer("offset", 0) or 0, p.integer("limit", 100) or 100, timeout, allowed)


async def set_webhook(fake: FakeTelegram, p: Params) -> bool:
    """Answer setWebhook (recorded; the fake does not deliver to webhooks)."""
    url = p.text("url") or ""
    if not url:
        fake.webhook = None
        return True
    if not url.lower().startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if p.flag("drop_pending_updates"):
        fake.updates.drop_all()
    fake.webhook = p.decoded()
    return True


async def delete_webhook(fake: FakeTelegram, p: Params) -> bool:
    """Answer deleteWebhook."""
    if p.flag("drop_pending_updates"):
        fake.updates.drop_all()
    fake.webhook = None
    return True


async def get_webhook_info(fake: FakeTelegram, p: Params) -> dict[str, Any]:
    """Answer getWebhookInfo."""
    return {
        "url": (fake.webhook or {}).get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": len(fake.updates.pending),
    }


async def accept(fake: FakeTelegram, p: Params) -> bool:
    """Answer logOut and close: nothing to do on a fake."""
    return True


def _commands_key(fake: FakeTelegram, p: Params) -> tuple[str, str]:
    """Return the storage key of a command list: its scope (chat resolved) and language."""
    scope = dict(check_scope(p.structured("scope")))
    if "chat_id" in scope:
        scope["chat_id"] = fake.resolve_chat(Params({"chat_id": scope["chat_id"]})).id
    if "user_id" in scope:
        scope["user_id"] = Params(scope).integer("user_id")
    return json.dumps(scope, sort_keys=True), check_language(p.text("language_code"))


async def set_my_commands(fake: FakeTelegram, p: Params) -> bool:
    """Answer setMyCommands."""
    commands = check_commands(p.structured("commands"))
    fake.commands[_commands_key(fake, p)] = commands
    return True


async def get_my_commands(fake: FakeTelegram, p: Params) -> list[dict[str, str]]:
    """Answer getMyCommands."""
    return list(fake.commands.get(_commands_key(fake, p), []))


async def delete_my_commands(fake: FakeTelegram, p: Params) -> bool:
    """Answer deleteMyCommands."""
    fake.commands.pop(_commands_key(fake, p), None)
    return True


async def get_chat(fake: FakeTelegram, p: Params) -> dict[str, Any]:
    """Answer getChat (a ChatFullInfo)."""
    chat = fake.resolve_chat(p)
    return {
        **chat.as_json(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
            "premium_subscription": False, "gifts_from_channels": False,
        },
    }


def member(fake: FakeTelegram, chat: FakeChat, user_id: int) -> dict[str, Any]:
    """Return the ChatMember of `user_id` in `chat`."""
    user = fake.user(user_id)
    if user_id == fake.bot_id:
        if chat.kicked:
            return {"status": "kicked", "user": user, "until_date": 0}
        if not chat.bot_is_member and chat.type != "private":
            return {"status": "left", "user": user}
        if (chat.type == "channel" and chat.bot_can_post) or fake.bot_id in chat.admins:
            rights = {**_ADMIN_RIGHTS, "can_post_messages": chat.bot_can_post, "can_edit_messages": True}
            return {"status": "administrator", "user": user, **rights}
        return {"status": "member", "user": user}
    if chat.creator == user_id:
        return {"status": "creator", "user": user, "is_anonymous": False}
    if user_id in chat.admins:
        return {"status": "administrator", "user": user, **_ADMIN_RIGHTS}
    if user_id in chat.members or (chat.type == "private" and chat.id == user_id):
        return {"status": "member", "user": user}
    return {"status": "left", "user": user}


async def get_chat_member(fake: FakeTelegram, p: Params) -> dict[str, Any]:
    """Answer getChatMember."""
    chat = fake.resolve_chat(p)
    user_id = p.integer("user_id")
    if user_id is None:
        raise bad_request("user not found")
    return member(fake, chat, user_id)


async def get_chat_administrators(fake: FakeTelegram, p: Params) -> list[dict[str, Any]]:
    """Answer getChatAdministrators."""
    chat = fake.resolve_chat(p)
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    ids = ([chat.creator] if chat.creator is not None else []) + sorted(chat.admins - {chat.creator})
    if member(fake, chat, fake.bot_id)["status"] == "administrator" and fake.bot_id not in ids:
        ids.append(fake.bot_id)
    return [member(fake, chat, uid) for uid in ids]


async def get_file(fake: FakeTelegram, p: Params) -> dict[str, Any]:
    """Answer getFile: a download path for a file this bot has."""
    stored = fake.files.get(p.text("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": f"photos/{stored.file_id}.jpg",
    }
