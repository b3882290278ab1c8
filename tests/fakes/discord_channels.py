"""Channel, message and guild routes of the fake Discord server: create messages (JSON or
multipart) under Discord's limits and permissions, nonce de-duplication, edits, deletes, the
guild, channel and member lookups, and direct-message channels (`POST /users/@me/channels`)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiohttp import web

from tests.fakes import discord_payloads as payloads
from tests.fakes.discord_payloads import FakeChannel, FakeGuild
from tests.fakes.discord_rules import BODY, FILES, ApiError, check_message, check_new_message
from tests.fakes.discord_threads import refuse_archived, refuse_unpostable

if TYPE_CHECKING:
    from tests.fakes.discord_api import FakeDiscord

API = "/api/v10"
NONCE_WINDOW = 300.0
"""Discord de-duplicates a nonce sent with `enforce_nonce` for a few minutes."""


class ChannelRoutes:
    """Answer channel, message and guild requests; accepted messages go to `fake.messages`."""

    def __init__(self, fake: FakeDiscord) -> None:
        self._fake = fake
        self.stored: dict[int, dict[str, Any]] = {}
        self._nonces: dict[tuple[int, str], dict[str, Any]] = {}
        self.dms: dict[int, FakeChannel] = {}
        """Direct-message channels by id (their `name` is the recipient's user id)."""

    def routes(self) -> list[web.RouteDef]:
        """Return the aiohttp route table for channel and guild endpoints."""
        message = API + "/channels/{channel_id}/messages/{message_id}"
        return [
            web.get(API + "/channels/{channel_id}", self.get_channel),
            web.post(API + "/channels/{channel_id}/messages", self.create_message),
            web.get(message, self.get_message), web.patch(message, self.edit_message),
            web.delete(message, self.delete_message),
            web.get(API + "/guilds/{guild_id}", self.get_guild),
            web.get(API + "/guilds/{guild_id}/channels", self.guild_channels),
            web.get(API + "/guilds/{guild_id}/members/{user_id}", self.get_member),
            web.post(API + "/users/@me/channels", self.create_dm),
        ]

    def dm_of(self, user_id: int) -> FakeChannel | None:
        """Return the direct-message channel opened with this user, if any."""
        return next((c for c in self.dms.values() if c.name == str(user_id)), None)

    async def create_dm(self, request: web.Request) -> web.Response:
        """Answer POST /users/@me/channels: open (or return) the DM channel with `recipient_id`."""
        body = request[BODY] or {}
        try:
            user_id = int(body["recipient_id"])
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, 50035, "Invalid Form Body") from None
        channel = self.dm_of(user_id)
        if channel is None:
            channel = FakeChannel(self._fake.snowflakes.next(), 0, str(user_id), 0)
            self.dms[channel.id] = channel
        return self._fake.json({
            "id": str(channel.id), "type": 1, "last_message_id": None, "flags": 0,
            "recipients": [payloads.user(user_id)],
        })

    def _visible_channel(self, request: web.Request) -> FakeChannel:
        channel_id = int(request.match_info["channel_id"])
        channel = self._fake.channel(channel_id) or self.dms.get(channel_id)
        if channel is None or channel.deleted:
            raise ApiError(404, 10003, "Unknown Channel")
        if not channel.view:
            raise ApiError(403, 50001, "Missing Access")
        return channel

    async def get_channel(self, request: web.Request) -> web.Response:
        """Answer GET /channels/{id}."""
        return self._fake.json(self._visible_channel(request).payload())

    @staticmethod
    def _check_can_post(channel: FakeChannel, payload: dict[str, Any], files: Mapping[str, bytes]) -> None:
        no_embed, no_files = payload.get("embeds") and not channel.embed, files and not channel.attach
        if not channel.send or no_embed or no_files:
            raise ApiError(403, 50013, "Missing Permissions")

    async def create_message(self, request: web.Request) -> web.Response:
        """Answer POST /channels/{id}/messages: check, de-duplicate by nonce, record."""
        channel = self._visible_channel(request)
        payload, files = request[BODY] or {}, request[FILES]
        check_new_message(payload, files, self._fake.limits)
        self._check_can_post(channel, payload, files)
        refuse_unpostable(channel)  # a forum itself, an archived thread
        nonce = payload.get("nonce")
        seen = self._nonces.get((channel.id, str(nonce))) if nonce is not None else None
        if seen is not None and payload.get("enforce_nonce") and time.monotonic() - seen["_at"] < NONCE_WINDOW:
            return self._fake.json({k: v for k, v in seen.items() if k != "_at"})
        created = self._fake.message_object(channel.id, payload, files)
        self.stored[int(created["id"])] = created
        if nonce is not None:  # a later send with this nonce within NONCE_WINDOW returns this one
            self._nonces[(channel.id, str(nonce))] = {**created, "_at": time.monotonic()}
        self._fake.messages.append({
            "id": int(created["id"]), "channel_id": channel.id, "payload": payload,
            "attachments": dict(files), "nonce": nonce, "broken_images": self._broken_images(payload),
            "response": created,
        })
        return self._fake.json(created)

    def _broken_images(self, payload: dict[str, Any]) -> list[str]:
        embeds = payload.get("embeds") or []
        urls = [(e.get(k) or {}).get("url") or "" for e in embeds for k in ("image", "thumbnail")]
        blocked = self._fake.blocked_image_hosts
        return [url for url in urls if (urlsplit(url).hostname or "").lower() in blocked]

    def _stored_message(self, request: web.Request) -> tuple[FakeChannel, dict[str, Any]]:
        channel = self._visible_channel(request)
        found = self.stored.get(int(request.match_info["message_id"]))
        if found is None or found["channel_id"] != str(channel.id):
            raise ApiError(404, 10008, "Unknown Message")
        return channel, found

    async def get_message(self, request: web.Request) -> web.Response:
        """Answer GET /channels/{id}/messages/{id}."""
        return self._fake.json(self._stored_message(request)[1])

    async def edit_message(self, request: web.Request) -> web.Response:
        """Answer PATCH /channels/{id}/messages/{id}: check and apply an edit."""
        channel, old = self._stored_message(request)
        body, files = request[BODY] or {}, request[FILES]
        check_message(body, files, self._fake.limits)
        refuse_archived(channel)
        merged = {"content": old["content"], "embeds": old["embeds"], "components": old["components"], **body}
        edited = self._fake.message_object(channel.id, merged, files, message_id=int(old["id"]))
        edited["edited_timestamp"] = payloads.timestamp()
        self.stored[int(old["id"])] = edited
        for record in self._fake.messages:
            if record["id"] == int(old["id"]):
                record.update(payload=merged, response=edited, broken_images=self._broken_images(merged))
        return self._fake.json(edited)

    async def delete_message(self, request: web.Request) -> web.Response:
        """Answer DELETE /channels/{id}/messages/{id}."""
        _, old = self._stored_message(request)
        del self.stored[int(old["id"])]
        self._fake.messages[:] = [m for m in self._fake.messages if m["id"] != int(old["id"])]
        return web.Response(status=204)

    def _guild(self, request: web.Request) -> FakeGuild:
        guild = self._fake.guilds.get(int(request.match_info["guild_id"]))
        if guild is None:
            raise ApiError(404, 10004, "Unknown Guild")
        return guild

    async def get_guild(self, request: web.Request) -> web.Response:
        """Answer GET /guilds/{id}."""
        return self._fake.json(self._guild(request).payload())

    async def guild_channels(self, request: web.Request) -> web.Response:
        """Answer GET /guilds/{id}/channels."""
        return self._fake.json([c.payload() for c in self._guild(request).channels.values() if not c.deleted])

    async def get_member(self, request: web.Request) -> web.Response:
        """Answer GET /guilds/{id}/members/{user}."""
        guild, user_id = self._guild(request), int(request.match_info["user_id"])
        if user_id not in guild.members:
            raise ApiError(404, 10007, "Unknown Member")
        return self._fake.json(payloads.member(user_id, bot=user_id == self._fake.bot_user_id))
