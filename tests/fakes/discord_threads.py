"""Thread and forum routes of the fake Discord server: unarchive or rename a thread (`PATCH
/channels/{id}`), start a forum post (`POST /channels/{forum}/threads`, its first message's id
being the thread's id, as on Discord), and list a guild's active threads. As on Discord, the
connected client is told of a new post (THREAD_CREATE) and of a changed thread (THREAD_UPDATE).

What the fake decides, as Discord documents it: a message to a forum channel itself is refused
(400 / 50008), a message to an archived thread, or an edit of one there (the bot's or a
webhook's), is refused (400 / 50083) until the thread is unarchived. (Discord unarchives an
unlocked thread by itself when a message is sent there; the fake takes the stricter view, which
a sender must handle anyway for locked threads.) Unarchiving takes Send Messages in Threads, and
Manage Threads when the thread is locked. Renaming takes Manage Threads, or being the thread's
creator while it is not locked, and is refused in an archived thread unless the same request
unarchives it; a thread may be renamed `RENAMES` times in `RENAME_WINDOW` seconds, and more
is answered with a 429 whose `retry_after` runs to the end of the window (Discord's undocumented
limit, about two renames per thread in ten minutes)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes.discord_payloads import GUILD_FORUM, PUBLIC_THREAD, FakeChannel
from tests.fakes.discord_rules import BODY, FILES, ApiError, FormErrors, check_new_message

if TYPE_CHECKING:
    from tests.fakes.discord_api import FakeDiscord
    from tests.fakes.discord_channels import ChannelRoutes

API = "/api/v10"
THREAD_NAME = 100
APPLIED_TAGS = 5
NOT_TEXT = (400, 50008, "Cannot send messages in a non-text channel")
ARCHIVED = (400, 50083, "Thread is archived")
RENAMES = 2
RENAME_WINDOW = 600.0


class ThreadRoutes:
    """Answer thread and forum requests; forum posts go to `fake.messages` (their `channel_id` is
    the new thread) and to `fake.forum_posts`."""

    def __init__(self, fake: FakeDiscord, channels: ChannelRoutes) -> None:
        self._fake = fake
        self._channels = channels
        self._renames: dict[int, list[float]] = {}
        """Thread id → when it was renamed (monotonic), for Discord's rename limit."""

    def routes(self) -> list[web.RouteDef]:
        """Return the aiohttp route table."""
        return [
            web.patch(API + "/channels/{channel_id}", self.edit_channel),
            web.post(API + "/channels/{channel_id}/threads", self.start_forum_post),
            web.get(API + "/guilds/{guild_id}/threads/active", self.active_threads),
        ]

    def _channel(self, request: web.Request) -> FakeChannel:
        channel = self._fake.channel(int(request.match_info["channel_id"]))
        if channel is None or channel.deleted:
            raise ApiError(404, 10003, "Unknown Channel")
        if not channel.view:
            raise ApiError(403, 50001, "Missing Access")
        return channel

    async def edit_channel(self, request: web.Request) -> web.Response:
        """Answer PATCH /channels/{id}: only `archived: false` and `name` on a thread are understood."""
        channel, body = self._channel(request), request[BODY] or {}
        if not body or not set(body) <= {"archived", "name"} or not channel.is_thread:
            raise ApiError(400, 50035, "Invalid Form Body")
        if "archived" in body and body["archived"] is not False:
            raise ApiError(400, 50035, "Invalid Form Body")
        name = body.get("name")
        if "name" in body and (not isinstance(name, str) or not name.strip() or len(name) > THREAD_NAME):
            errors = FormErrors()
            errors.add(("name",), "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {THREAD_NAME} in length.")
            errors.raise_if_any()
        if channel.archived and "archived" not in body:
            raise ApiError(*ARCHIVED)
        unarchive = channel.manage_threads or (channel.send and not channel.locked)
        own = channel.manage_threads or ((channel.owner_id or channel.bot_user_id) == self._fake.bot_user_id
                                         and not channel.locked)
        if ("archived" in body and not unarchive) or ("name" in body and not own):
            raise ApiError(403, 50013, "Missing Permissions")
        if "name" in body:
            now = time.monotonic()
            recent = [t for t in self._renames.get(channel.id, []) if now - t < RENAME_WINDOW]
            if len(recent) >= RENAMES:
                return self._fake._too_many_requests(RENAME_WINDOW - (now - recent[0]), False)
            self._renames[channel.id] = [*recent, now]
        if "archived" in body:
            channel.archived = False
            self._fake.unarchived.append(channel.id)
        if isinstance(name, str):
            channel.name = name
            self._fake.renamed.append((channel.id, name))
        await self._tell("THREAD_UPDATE", channel.payload())
        return self._fake.json(channel.payload())

    async def _tell(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event to the connected client, as Discord does (none connected: nobody)."""
        if self._fake.gateway.live_sessions():
            await self._fake.gateway.dispatch(event, data)

    async def start_forum_post(self, request: web.Request) -> web.Response:
        """Answer POST /channels/{forum}/threads: a new thread whose first message is the post."""
        forum, body, files = self._channel(request), request[BODY] or {}, request[FILES]
        if forum.kind != GUILD_FORUM:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        message = body.get("message")
        errors = FormErrors()
        name = body.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > THREAD_NAME:
            errors.add(("name",), "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {THREAD_NAME} in length.")
        tags = [int(t) for t in body.get("applied_tags") or []]
        if len(tags) > APPLIED_TAGS or any(t not in forum.tags for t in tags):
            errors.add(("applied_tags",), "BASE_TYPE_BAD_TAGS", "Invalid tags.")
        if not isinstance(message, dict):
            errors.add(("message",), "BASE_TYPE_REQUIRED", "This field is required")
        errors.raise_if_any()
        assert isinstance(message, dict)
        check_new_message(message, files, self._fake.limits)
        if "nonce" in message or "enforce_nonce" in message:
            self._fake.errors.append("a forum post's message took a nonce, which Discord ignores there")
        no_embed, no_files = message.get("embeds") and not forum.embed, files and not forum.attach
        if not forum.send or no_embed or no_files:
            raise ApiError(403, 50013, "Missing Permissions")
        if any(t in forum.moderated for t in tags) and not forum.manage_threads:
            raise ApiError(403, 50013, "Missing Permissions")
        thread_id = self._fake.snowflakes.next()
        thread = FakeChannel(thread_id, forum.guild_id, name, 0, bot_user_id=self._fake.bot_user_id,
                             kind=PUBLIC_THREAD, parent_id=forum.id, applied_tags=tags)
        self._fake.guilds[forum.guild_id].channels[thread_id] = thread
        created = self._fake.message_object(thread_id, message, files, message_id=thread_id)
        self._channels.stored[thread_id] = created
        self._fake.messages.append({
            "id": thread_id, "channel_id": thread_id, "payload": message, "attachments": dict(files),
            "nonce": None, "broken_images": [], "response": created,
        })
        self._fake.forum_posts.append({"forum": forum.id, "thread": thread_id, "name": name,
                                       "applied_tags": [forum.tags[t] for t in tags], "message": message})
        await self._tell("THREAD_CREATE", {**thread.payload(), "newly_created": True})
        return self._fake.json({**thread.payload(), "message": created})

    async def active_threads(self, request: web.Request) -> web.Response:
        """Answer GET /guilds/{id}/threads/active: every thread that is not archived."""
        guild = self._fake.guilds.get(int(request.match_info["guild_id"]))
        if guild is None:
            raise ApiError(404, 10004, "Unknown Guild")
        threads = [c.payload() for c in guild.channels.values() if c.is_thread and not c.archived and not c.deleted]
        return self._fake.json({"threads": threads, "members": []})


def refuse_archived(channel: FakeChannel) -> None:
    """Refuse changing a message in an archived thread, as Discord does."""
    if channel.is_thread and channel.archived:
        raise ApiError(*ARCHIVED)


def refuse_unpostable(channel: FakeChannel) -> None:
    """Refuse a new message in a forum channel itself or in an archived thread, as Discord does."""
    if channel.kind == GUILD_FORUM:
        raise ApiError(*NOT_TEXT)
    if channel.is_thread and channel.archived:
        raise ApiError(*ARCHIVED)


def message_of(payload: Any) -> Any:
    """Return the message part of a body: a forum post nests it under `message`."""
    if isinstance(payload, dict) and isinstance(payload.get("message"), dict) and "name" in payload:
        return payload["message"]
    return payload
