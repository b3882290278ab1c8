"""Channel webhook routes of the fake Discord server: list and create a channel's webhooks (Manage
Webhooks), get one by id, execute one (`POST /webhooks/{id}/{token}?wait=&thread_id=`), and get,
edit and delete the messages it posted; plus a channel's message history (`GET
/channels/{id}/messages`), which a sender reads to find what it already posted.

What the fake decides, as Discord documents it: executing needs the webhook's token, not the bot's;
`username` is 1–80 characters and may not contain "discord" or "clyde"; a thread is posted to with
`thread_id` (a thread of the webhook's channel; an archived one refuses posts and edits like a
bot's message);
a forum needs `thread_id` or `thread_name`; a deleted webhook answers 404 / 10015 Unknown Webhook;
a webhook only edits or deletes its own messages. The token is a secret: tests check that it never
reaches Herald's logs.

The execute and message routes share their paths with interaction followups
(`/webhooks/{application_id}/{token}`): `InteractionRoutes` hands requests for a channel webhook's
id to this module (`owns`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes import discord_payloads as payloads
from tests.fakes.discord_payloads import GUILD_FORUM, FakeChannel
from tests.fakes.discord_rules import BODY, FILES, ApiError, FormErrors, check_message, check_new_message
from tests.fakes.discord_threads import refuse_archived

if TYPE_CHECKING:
    from tests.fakes.discord_api import FakeDiscord
    from tests.fakes.discord_channels import ChannelRoutes

API = "/api/v10"
MAX_WEBHOOKS = 15
"""Discord allows 15 webhooks per channel (30007 past that)."""
USERNAME = 80
HISTORY = 100


@dataclass
class FakeWebhook:
    """A channel's incoming webhook."""

    id: int
    channel_id: int
    guild_id: int
    name: str
    token: str
    application_id: int | None
    deleted: bool = False

    def payload(self, with_token: bool = True) -> dict[str, Any]:
        """Build the webhook object (type 1, incoming)."""
        data: dict[str, Any] = {
            "id": str(self.id), "type": 1, "channel_id": str(self.channel_id), "guild_id": str(self.guild_id),
            "name": self.name, "avatar": None,
            "application_id": str(self.application_id) if self.application_id else None,
        }
        if with_token:
            data["token"] = self.token
        return data


class WebhookRoutes:
    """Answer webhook requests; executed messages go to `fake.messages` (with `webhook_id`,
    `username`, `avatar_url` and the `query`) and to `executes`."""

    def __init__(self, fake: FakeDiscord, channels: ChannelRoutes) -> None:
        self._fake = fake
        self._channels = channels
        self.hooks: dict[int, FakeWebhook] = {}
        self.created: list[FakeWebhook] = []
        """Webhooks the bot created, in order."""
        self.executes: list[dict[str, Any]] = []
        """Every execute that reached the fake: webhook id, query, payload, status."""
        self.edits: list[dict[str, Any]] = []
        """Edits and deletions through a webhook: kind, webhook id, message id, query, payload."""
        self._forced: list[float] = []

    # ---- test controls -------------------------------------------------------------------

    def add(self, channel_id: int, *, name: str = "Someone's hook", application_id: int | None = None) -> FakeWebhook:
        """Add a webhook someone made (another application's, or a user's: no application id)."""
        channel = self._fake.channel(channel_id)
        assert channel is not None
        hook = FakeWebhook(self._fake.snowflakes.next(), channel_id, channel.guild_id, name,
                           secrets.token_urlsafe(51), application_id)
        self.hooks[hook.id] = hook
        return hook

    def delete(self, webhook_id: int) -> None:
        """Someone deleted the webhook: every use of it answers 404 / 10015."""
        self.hooks[webhook_id].deleted = True

    def force_429(self, n: int, retry_after: float = 0.05) -> None:
        """Answer the next n executes with a 429 of the webhook's bucket."""
        self._forced.extend([retry_after] * n)

    def owns(self, request: web.Request) -> bool:
        """Whether a `/webhooks/{id}/{token}…` request names a channel webhook (not an interaction)."""
        key = request.match_info.get("application_id", "")
        return key.isdecimal() and int(key) in self.hooks

    def tokens(self) -> list[str]:
        """Every webhook token the fake has handed out."""
        return [hook.token for hook in self.hooks.values()]

    # ---- routes --------------------------------------------------------------------------

    def routes(self) -> list[web.RouteDef]:
        """Return the aiohttp route table (the execute and message routes are reached through
        `InteractionRoutes`, which share their paths)."""
        return [
            web.get(API + "/channels/{channel_id}/webhooks", self.channel_webhooks),
            web.post(API + "/channels/{channel_id}/webhooks", self.create),
            web.get(API + "/channels/{channel_id}/messages", self.history),
            web.get(API + "/webhooks/{webhook_id}", self.get),
        ]

    def _channel(self, channel_id: int) -> FakeChannel:
        channel = self._fake.channel(channel_id)
        if channel is None or channel.deleted:
            raise ApiError(404, 10003, "Unknown Channel")
        if not channel.view:
            raise ApiError(403, 50001, "Missing Access")
        return channel

    def _managed(self, request: web.Request) -> FakeChannel:
        channel = self._channel(int(request.match_info["channel_id"]))
        if channel.is_thread:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        if not channel.manage_webhooks:
            raise ApiError(403, 50013, "Missing Permissions")
        return channel

    async def channel_webhooks(self, request: web.Request) -> web.Response:
        """Answer GET /channels/{id}/webhooks (Manage Webhooks): tokens included."""
        channel = self._managed(request)
        found = [h.payload() for h in self.hooks.values() if h.channel_id == channel.id and not h.deleted]
        return self._fake.json(found)

    async def create(self, request: web.Request) -> web.Response:
        """Answer POST /channels/{id}/webhooks (Manage Webhooks)."""
        channel, body = self._managed(request), request[BODY] or {}
        name = body.get("name")
        errors = FormErrors()
        if not isinstance(name, str) or not 1 <= len(name) <= USERNAME or _reserved(name):
            errors.add(("name",), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 80 in length.")
        errors.raise_if_any()
        if sum(1 for h in self.hooks.values() if h.channel_id == channel.id and not h.deleted) >= MAX_WEBHOOKS:
            raise ApiError(400, 30007, "Maximum number of webhooks reached (15)")
        hook = FakeWebhook(self._fake.snowflakes.next(), channel.id, channel.guild_id, str(name),
                           secrets.token_urlsafe(51), self._fake.application_id)
        self.hooks[hook.id] = hook
        self.created.append(hook)
        return self._fake.json(hook.payload())

    async def get(self, request: web.Request) -> web.Response:
        """Answer GET /webhooks/{id} with the bot's token (its own webhooks come with the token)."""
        if request.headers.get("Authorization") != f"Bot {self._fake.token}":
            raise ApiError(401, 0, "401: Unauthorized")
        hook = self.hooks.get(int(request.match_info["webhook_id"]))
        if hook is None or hook.deleted:
            raise ApiError(404, 10015, "Unknown Webhook")
        return self._fake.json(hook.payload(with_token=hook.application_id == self._fake.application_id))

    async def history(self, request: web.Request) -> web.Response:
        """Answer GET /channels/{id}/messages?limit=: the latest messages, newest first."""
        channel = self._channel(int(request.match_info["channel_id"]))
        limit = min(max(int(request.query.get("limit", "50")), 1), HISTORY)
        mine = [m for m in self._channels.stored.values() if m["channel_id"] == str(channel.id)]
        mine.sort(key=lambda m: int(m["id"]), reverse=True)
        return self._fake.json(mine[:limit])

    def _hook(self, request: web.Request) -> FakeWebhook:
        hook = self.hooks[int(request.match_info["application_id"])]
        if hook.deleted:
            raise ApiError(404, 10015, "Unknown Webhook")
        if request.match_info["token"] != hook.token:
            raise ApiError(401, 50027, "Invalid Webhook Token")
        return hook

    def _where(self, hook: FakeWebhook, request: web.Request) -> FakeChannel:
        thread_id = request.query.get("thread_id")
        if not thread_id:
            return self._channel(hook.channel_id)
        thread = self._fake.channel(int(thread_id)) if thread_id.isdecimal() else None
        if thread is None or thread.deleted or not thread.is_thread or thread.parent_id != hook.channel_id:
            raise ApiError(400, 10003, "Unknown Channel")
        return thread

    async def execute(self, request: web.Request) -> web.StreamResponse:
        """Answer POST /webhooks/{id}/{token}: post a message as the webhook."""
        hook = self._hook(request)
        body, files = request[BODY] or {}, request[FILES]
        record = {"webhook_id": hook.id, "query": dict(request.query), "payload": body, "status": 200}
        self.executes.append(record)
        if self._forced:
            record["status"] = 429
            return self._fake._too_many_requests(self._forced.pop(0), False)
        channel = self._where(hook, request)
        if channel.kind == GUILD_FORUM:
            raise ApiError(400, 220001, "Webhooks posted to forum channels must have a thread_name or thread_id")
        if channel.is_thread and channel.archived:
            raise ApiError(400, 50083, "Thread is archived")
        check_new_message(body, files, self._fake.limits)
        username = body.get("username")
        if username is not None and (not isinstance(username, str) or not 1 <= len(username) <= USERNAME
                                     or _reserved(username)):
            errors = FormErrors()
            errors.add(("username",), "USERNAME_INVALID", "Invalid username.")
            errors.raise_if_any()
        if "nonce" in body or "enforce_nonce" in body:
            self._fake.errors.append("a webhook execute took a nonce, which webhooks do not take")
        created = self._fake.message_object(channel.id, body, files)
        author = payloads.user(hook.id, name=username or hook.name, bot=True)
        author["avatar"] = None
        created.update(author=author, webhook_id=str(hook.id), application_id=str(self._fake.application_id))
        self._channels.stored[int(created["id"])] = created
        self._fake.messages.append({
            "id": int(created["id"]), "channel_id": channel.id, "payload": body, "attachments": dict(files),
            "nonce": None, "broken_images": [], "response": created, "webhook_id": hook.id,
            "username": username, "avatar_url": body.get("avatar_url"), "query": dict(request.query),
        })
        if request.query.get("wait", "false").lower() not in ("true", "1"):
            return web.Response(status=204)
        return self._fake.json(created)

    def _own_message(self, hook: FakeWebhook, request: web.Request) -> tuple[FakeChannel, dict[str, Any]]:
        channel = self._where(hook, request)
        message_id = request.match_info["message_id"]
        found = self._channels.stored.get(int(message_id)) if message_id.isdecimal() else None
        if found is None or found["channel_id"] != str(channel.id) or found.get("webhook_id") != str(hook.id):
            raise ApiError(404, 10008, "Unknown Message")
        return channel, found

    async def get_message(self, request: web.Request) -> web.Response:
        """Answer GET /webhooks/{id}/{token}/messages/{id}."""
        return self._fake.json(self._own_message(self._hook(request), request)[1])

    async def edit(self, request: web.Request) -> web.Response:
        """Answer PATCH /webhooks/{id}/{token}/messages/{id}: edit the webhook's own message."""
        hook = self._hook(request)
        channel, old = self._own_message(hook, request)
        body, files = request[BODY] or {}, request[FILES]
        check_message(body, files, self._fake.limits)
        refuse_archived(channel)
        merged = {"content": old["content"], "embeds": old["embeds"], **body}
        edited = self._fake.message_object(channel.id, merged, files, message_id=int(old["id"]))
        edited.update(author=old["author"], webhook_id=old["webhook_id"], application_id=old.get("application_id"),
                      edited_timestamp=payloads.timestamp())
        self._channels.stored[int(old["id"])] = edited
        for record in self._fake.messages:
            if record["id"] == int(old["id"]):
                record.update(payload=merged, response=edited)
        self.edits.append({"kind": "edit", "webhook_id": hook.id, "message_id": int(old["id"]),
                           "query": dict(request.query), "payload": body})
        return self._fake.json(edited)

    async def delete_message(self, request: web.Request) -> web.Response:
        """Answer DELETE /webhooks/{id}/{token}/messages/{id}."""
        hook = self._hook(request)
        _, old = self._own_message(hook, request)
        del self._channels.stored[int(old["id"])]
        self._fake.messages[:] = [m for m in self._fake.messages if m["id"] != int(old["id"])]
        self.edits.append({"kind": "delete", "webhook_id": hook.id, "message_id": int(old["id"]),
                           "query": dict(request.query), "payload": None})
        return web.Response(status=204)


def _reserved(name: str) -> bool:
    lowered = name.lower()
    return "discord" in lowered or "clyde" in lowered
