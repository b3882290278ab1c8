"""JSON payload builders for the fake Discord server: snowflakes, users, guilds, channels,
members, messages and interactions, shaped the way Discord's API v10 sends them."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1420070400000
ALL_PERMISSIONS = (1 << 51) - 1
VIEW_CHANNEL, SEND_MESSAGES, EMBED_LINKS, ATTACH_FILES = 1 << 10, 1 << 11, 1 << 14, 1 << 15
MANAGE_THREADS, SEND_MESSAGES_IN_THREADS, MANAGE_WEBHOOKS = 1 << 34, 1 << 38, 1 << 29
GUILD_TEXT, PUBLIC_THREAD, GUILD_FORUM = 0, 11, 15
THREAD_TYPES = frozenset({10, 11, 12})
ADMINISTRATOR = 1 << 3
EVERYONE_PERMISSIONS = ALL_PERMISSIONS & ~ADMINISTRATOR
"""@everyone's bits: everything but Administrator, so a channel overwrite can take some away."""


class Snowflakes:
    """Issue increasing snowflake ids carrying the current time, as Discord does."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def next(self) -> int:
        """Return a new unique snowflake."""
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._counter) & 0x3FFFFF)


def timestamp() -> str:
    """Return the current time in Discord's ISO 8601 form."""
    return datetime.now(UTC).isoformat()


def user(user_id: int, *, name: str | None = None, bot: bool = False) -> dict[str, Any]:
    """Build a user object."""
    name = name or f"user{user_id}"
    return {
        "id": str(user_id), "username": name, "global_name": name, "discriminator": "0",
        "avatar": None, "bot": bot, "public_flags": 0, "flags": 0,
    }


@dataclass
class FakeChannel:
    """A guild channel (text, thread or forum) and the fake's permission overrides for the bot in
    it. In a thread `send` is Send Messages in Threads; in a forum it is Send Messages (Create
    Posts)."""

    id: int
    guild_id: int
    name: str
    position: int
    view: bool = True
    send: bool = True
    embed: bool = True
    attach: bool = True
    deleted: bool = False
    bot_user_id: int = 0
    """The bot's user id: what `set_permissions` takes away shows as a member overwrite."""
    kind: int = GUILD_TEXT
    """The channel type: 0 text, 11 public thread, 15 forum."""
    parent_id: int | None = None
    owner_id: int = 0
    archived: bool = False
    locked: bool = False
    manage_threads: bool = True
    manage_webhooks: bool = True
    tags: dict[int, str] = field(default_factory=dict)
    """A forum's available tags, id → name."""
    moderated: set[int] = field(default_factory=set)
    """The forum tags only members with Manage Threads may apply."""
    applied_tags: list[int] = field(default_factory=list)

    @property
    def is_thread(self) -> bool:
        """Whether this channel is a thread."""
        return self.kind in THREAD_TYPES

    def bot_permissions(self) -> int:
        """Return the bot's permission bits in this channel."""
        bits = ALL_PERMISSIONS
        send = SEND_MESSAGES_IN_THREADS if self.is_thread else SEND_MESSAGES
        for allowed, bit in ((self.view, VIEW_CHANNEL), (self.send, send), (self.manage_threads, MANAGE_THREADS),
                             (self.embed, EMBED_LINKS), (self.attach, ATTACH_FILES),
                             (self.manage_webhooks, MANAGE_WEBHOOKS)):
            if not allowed:
                bits &= ~bit
        return bits

    def overwrites(self) -> list[dict[str, Any]]:
        """Return the channel's permission overwrites: a deny for the bot when it lacks any of the
        four permissions (as a server admin editing the channel would make)."""
        denied = ALL_PERMISSIONS & ~self.bot_permissions()
        if not denied or not self.bot_user_id:
            return []
        return [{"id": str(self.bot_user_id), "type": 1, "allow": "0", "deny": str(denied)}]

    def payload(self) -> dict[str, Any]:
        """Build the channel object (GUILD_TEXT, PUBLIC_THREAD or GUILD_FORUM)."""
        data: dict[str, Any] = {
            "id": str(self.id), "type": self.kind, "guild_id": str(self.guild_id), "name": self.name,
            "position": self.position, "permission_overwrites": self.overwrites(), "nsfw": False, "topic": None,
            "last_message_id": None, "rate_limit_per_user": 0,
            "parent_id": str(self.parent_id) if self.parent_id else None, "flags": 0,
        }
        if self.is_thread:
            # A thread has no overwrites of its own: its parent's apply.
            del data["permission_overwrites"], data["position"], data["topic"], data["nsfw"]
            data.update(owner_id=str(self.owner_id or self.bot_user_id), message_count=0, member_count=1,
                        total_message_sent=0, applied_tags=[str(t) for t in self.applied_tags],
                        thread_metadata={"archived": self.archived, "auto_archive_duration": 4320,
                                         "archive_timestamp": timestamp(), "locked": self.locked,
                                         "create_timestamp": timestamp()})
        if self.kind == GUILD_FORUM:
            data.update(available_tags=[
                {"id": str(tag_id), "name": name, "moderated": tag_id in self.moderated, "emoji_id": None,
                 "emoji_name": None} for tag_id, name in self.tags.items()
            ], default_reaction_emoji=None, default_sort_order=None, default_forum_layout=0,
                default_thread_rate_limit_per_user=0, default_auto_archive_duration=4320)
        return data


@dataclass
class FakeGuild:
    """A guild the bot is in: channels, roles and member user ids."""

    id: int
    name: str
    owner_id: int
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    roles: dict[int, str] = field(default_factory=dict)
    members: set[int] = field(default_factory=set)

    def role_payloads(self) -> list[dict[str, Any]]:
        """Build the role objects, @everyone (id = guild id) first."""
        roles = {self.id: "@everyone", **self.roles}
        return [
            {"id": str(role_id), "name": name, "color": 0, "hoist": False, "icon": None,
             "unicode_emoji": None, "position": index,
             "permissions": str(EVERYONE_PERMISSIONS if index == 0 else 0),
             "managed": False, "mentionable": False, "flags": 0}
            for index, (role_id, name) in enumerate(roles.items())
        ]

    def payload(self) -> dict[str, Any]:
        """Build the REST guild object (no channels, as GET /guilds/{id} answers)."""
        return {
            "id": str(self.id), "name": self.name, "icon": None, "splash": None, "discovery_splash": None,
            "owner_id": str(self.owner_id), "afk_channel_id": None, "afk_timeout": 300,
            "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
            "roles": self.role_payloads(), "emojis": [], "stickers": [], "features": [], "mfa_level": 0,
            "system_channel_id": None, "system_channel_flags": 0, "rules_channel_id": None,
            "vanity_url_code": None, "description": None, "banner": None, "premium_tier": 0,
            "preferred_locale": "en-US", "public_updates_channel_id": None, "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
        }

    def create_event(self, bot_user_id: int) -> dict[str, Any]:
        """Build the GUILD_CREATE dispatch data: the guild plus channels and the bot's member."""
        data = self.payload()
        data.update(
            joined_at=timestamp(), large=False, unavailable=False, member_count=len(self.members),
            voice_states=[], presences=[], stage_instances=[], guild_scheduled_events=[],
            channels=[c.payload() for c in self.channels.values() if not c.deleted and not c.is_thread],
            threads=[c.payload() for c in self.channels.values()
                     if not c.deleted and c.is_thread and not c.archived],
            members=[member(bot_user_id, bot=True)],
        )
        return data


def member(user_id: int, *, bot: bool = False, permissions: str | None = None) -> dict[str, Any]:
    """Build a guild member object (with `permissions` as interactions carry it)."""
    data: dict[str, Any] = {
        "user": user(user_id, bot=bot), "nick": None, "avatar": None, "roles": [],
        "joined_at": timestamp(), "premium_since": None, "deaf": False, "mute": False,
        "flags": 0, "pending": False, "communication_disabled_until": None,
    }
    if permissions is not None:
        data["permissions"] = permissions
    return data


def message(
    message_id: int, channel_id: int, author: dict[str, Any], payload: dict[str, Any],
    attachments: list[dict[str, Any]], *, guild_id: int | None = None, webhook_id: int | None = None,
) -> dict[str, Any]:
    """Build the message object Discord answers for a created or edited message."""
    urls = {a["filename"]: a["url"] for a in attachments}
    embeds = [_resolved_embed(e, urls) for e in payload.get("embeds") or []]
    data: dict[str, Any] = {
        "id": str(message_id), "channel_id": str(channel_id), "author": author,
        "content": payload.get("content") or "", "timestamp": timestamp(), "edited_timestamp": None,
        "tts": bool(payload.get("tts")), "mention_everyone": False, "mentions": [], "mention_roles": [],
        "attachments": attachments, "embeds": embeds, "pinned": False, "type": 0,
        "flags": int(payload.get("flags") or 0), "components": payload.get("components") or [],
    }
    if payload.get("nonce") is not None:
        data["nonce"] = payload["nonce"]
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    if webhook_id is not None:
        data["webhook_id"] = str(webhook_id)
        data["application_id"] = str(webhook_id)
    return data


def _resolved_embed(embed: dict[str, Any], urls: dict[str, str]) -> dict[str, Any]:
    """Replace attachment:// references by the uploaded file's URL, as Discord shows them."""
    resolved = {"type": "rich", **embed}
    for key in ("image", "thumbnail"):
        url = (embed.get(key) or {}).get("url") or ""
        if url.startswith("attachment://"):
            target = urls.get(url.removeprefix("attachment://"), url)
            resolved[key] = {**embed[key], "url": target, "proxy_url": target}
    return resolved


def attachment(attachment_id: int, filename: str, data: bytes, url: str) -> dict[str, Any]:
    """Build an attachment object for an uploaded file."""
    return {
        "id": str(attachment_id), "filename": filename, "size": len(data), "url": url,
        "proxy_url": url, "content_type": content_type(filename),
    }


def content_type(filename: str) -> str:
    """Guess the MIME type Discord reports for an uploaded file."""
    suffix = filename.rsplit(".", 1)[-1].lower()
    images = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
              "webp": "image/webp"}
    return images.get(suffix, "application/octet-stream")


def interaction(
    *, interaction_id: int, token: str, application_id: int, kind: int, data: dict[str, Any],
    guild: FakeGuild | None, channel_id: int, user_id: int, permissions: str, locale: str,
) -> dict[str, Any]:
    """Build an INTERACTION_CREATE payload as the gateway delivers it."""
    payload: dict[str, Any] = {
        "id": str(interaction_id), "application_id": str(application_id), "type": kind, "data": data,
        "token": token, "version": 1, "locale": locale, "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild.id) if guild else "0"},
        "attachment_size_limit": 10 * 1024 * 1024, "channel_id": str(channel_id),
    }
    channel = guild.channels.get(channel_id) if guild else None
    if guild is not None:
        payload.update(guild_id=str(guild.id), guild_locale="en-US", context=0,
                       guild={"id": str(guild.id), "locale": "en-US", "features": []},
                       member=member(user_id, permissions=permissions))
        bot_permissions = channel.bot_permissions() if channel else ALL_PERMISSIONS
        payload["app_permissions"] = str(bot_permissions)
        stand_in = FakeChannel(channel_id, guild.id, "unknown", 0)
        channel_data = (channel or stand_in).payload()
        payload["channel"] = {**channel_data, "permissions": permissions}
    else:
        dm_channel = {"id": str(channel_id), "type": 1, "recipients": [user(user_id)],
                      "last_message_id": None}
        payload.update(user=user(user_id), context=1, app_permissions=str(ALL_PERMISSIONS),
                       channel=dm_channel)
    return payload
