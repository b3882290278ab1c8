"""A fake Discord server for tests: Discord's REST API v10 and gateway on 127.0.0.1, spoken
well enough that unmodified discord.py 2.7 logs in, connects, syncs commands, sends messages,
answers interactions and handles rate limits against it.

Point discord.py at it with `discord.http.Route.BASE = fake.api_base`. A plain `Client.connect()`
never asks `GET /gateway/bot`: it dials `discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`, so set
that to `yarl.URL(url)` with the url from `await client.http.get_bot_gateway()` (in `setup_hook`).
`AutoShardedClient` does ask `GET /gateway/bot`, but falls back to DEFAULT_GATEWAY after an
INVALID_SESSION or a non-resumable reconnect. See tests/test_fake_discord.py."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from tests.fakes import discord_payloads as payloads
from tests.fakes.discord_channels import ChannelRoutes
from tests.fakes.discord_commands import CommandRoutes
from tests.fakes.discord_gateway import Gateway
from tests.fakes.discord_interactions import InteractionRoutes
from tests.fakes.discord_payloads import GUILD_FORUM, PUBLIC_THREAD, FakeChannel, FakeGuild, Snowflakes
from tests.fakes.discord_rules import BODY, FILES, ApiError, DiscordLimits, FormErrors
from tests.fakes.discord_threads import ThreadRoutes, message_of
from tests.fakes.discord_webhooks import WebhookRoutes

API = "/api/v10"
GLOBAL_GRACE = 0.05
"""Seconds after a global 429 during which arriving requests were already on their way."""
_NO_AUTH = (f"{API}/interactions/", f"{API}/webhooks/", f"{API}/gateway")


@dataclass(frozen=True)
class RecordedRequest:
    """One REST request the fake answered (the Authorization header is never kept)."""

    method: str
    path: str
    route: str
    query: dict[str, str]
    json: Any
    files: dict[str, bytes]
    status: int
    authorized: bool


class FakeDiscord:
    """Discord's REST API and gateway on a random loopback port, recording what the bot sends."""

    def __init__(self, *, token: str = "fake-discord-token", application_id: int = 111,
                 bot_user_id: int = 222, limits: DiscordLimits | None = None) -> None:
        self.token, self.application_id, self.bot_user_id = token, application_id, bot_user_id
        self.limits = limits or DiscordLimits()
        self.messages: list[dict[str, Any]] = []
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []
        self.commands: dict[str | None, list[dict[str, Any]]] = {}
        self.sync_calls = 0
        self.interaction_responses: list[dict[str, Any]] = []
        self.guilds: dict[int, FakeGuild] = {}
        self.blocked_image_hosts: set[str] = set()
        self.interaction_deadline: float | None = None  # Discord's is 3 s; None = not enforced
        self.bucket_limit = 50
        self.snowflakes = Snowflakes()
        self.gateway = Gateway(self)
        self._interactions = InteractionRoutes(self)
        self._channels = ChannelRoutes(self)
        self._threads = ThreadRoutes(self, self._channels)
        self.webhooks = WebhookRoutes(self, self._channels)
        """Channel webhooks: created, executed, edited (see tests/fakes/discord_webhooks.py)."""
        self.forum_posts: list[dict[str, Any]] = []
        """Forum posts the bot started: forum, thread, name, applied tag names, message."""
        self.unarchived: list[int] = []
        """Threads the bot unarchived, in order."""
        self.renamed: list[tuple[int, str]] = []
        """Threads the bot renamed: (thread id, new name), in order."""
        self._forced: list[tuple[float, bool]] = []
        self._global_since = self._global_until = float("-inf")
        self.global_violations = 0
        """REST requests that arrived while a `global: true` 429 was in force (after
        `GLOBAL_GRACE`, for requests already on their way when it was answered)."""
        self._files: dict[str, bytes] = {}
        self._windows: dict[tuple[str, ...], list[float]] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """Return the server root, e.g. http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """Return the REST base to put in `discord.http.Route.BASE`."""
        return self.base_url + API

    @property
    def gateway_url(self) -> str:
        """Return the websocket URL that `GET /gateway/bot` announces."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        """Listen on a random port of 127.0.0.1."""
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        app.add_routes(self._routes() + self._channels.routes() + self._threads.routes() + self.webhooks.routes()
                       + CommandRoutes(self).routes() + self._interactions.routes())
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Close gateway connections and stop listening."""
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- test controls -------------------------------------------------------------------

    def add_guild(self, guild_id: int, *, name: str = "Test Guild", channels: Mapping[int, str] | None = None,
                  roles: Mapping[int, str] | None = None, members: Iterable[int] = (),
                  owner_id: int | None = None) -> None:
        """Put the bot in a guild; it is sent in GUILD_CREATE after READY on the next IDENTIFY."""
        people = tuple(members)
        guild = FakeGuild(guild_id, name, owner_id or (people[0] if people else self.bot_user_id + 1),
                          roles=dict(roles or {}), members={self.bot_user_id, *people})
        for position, (channel_id, channel_name) in enumerate((channels or {}).items()):
            guild.channels[channel_id] = FakeChannel(channel_id, guild_id, channel_name, position,
                                                     bot_user_id=self.bot_user_id)
        self.guilds[guild_id] = guild

    def channel(self, channel_id: int) -> FakeChannel | None:
        """Return the channel with this id in any guild, or None."""
        return next((g.channels[channel_id] for g in self.guilds.values() if channel_id in g.channels), None)

    def set_permissions(self, channel_id: int, *, view: bool = True, send: bool = True, embed: bool = True,
                        attach: bool = True, manage_threads: bool = True, manage_webhooks: bool = True) -> None:
        """Set the bot's VIEW_CHANNEL, SEND_MESSAGES (in a thread: SEND_MESSAGES_IN_THREADS),
        EMBED_LINKS, ATTACH_FILES, MANAGE_THREADS and MANAGE_WEBHOOKS in a channel."""
        channel = self.channel(channel_id)
        if channel is None:
            raise KeyError(f"unknown channel {channel_id}")
        channel.view, channel.send, channel.embed, channel.attach = view, send, embed, attach
        channel.manage_threads, channel.manage_webhooks = manage_threads, manage_webhooks

    def add_thread(self, guild_id: int, parent_id: int, thread_id: int, name: str, *, archived: bool = False,
                   locked: bool = False) -> FakeChannel:
        """Add a public thread of a text channel (sent in GUILD_CREATE while it is not archived)."""
        thread = FakeChannel(thread_id, guild_id, name, 0, bot_user_id=self.bot_user_id, kind=PUBLIC_THREAD,
                             parent_id=parent_id, owner_id=self.bot_user_id + 1, archived=archived, locked=locked)
        self.guilds[guild_id].channels[thread_id] = thread
        return thread

    def add_forum(self, guild_id: int, forum_id: int, name: str, *, tags: Mapping[int, str] | None = None,
                  moderated: Iterable[int] = ()) -> FakeChannel:
        """Add a forum channel with these available tags (id → name)."""
        guild = self.guilds[guild_id]
        forum = FakeChannel(forum_id, guild_id, name, len(guild.channels), bot_user_id=self.bot_user_id,
                            kind=GUILD_FORUM, tags=dict(tags or {}), moderated=set(moderated))
        guild.channels[forum_id] = forum
        return forum

    async def archive_thread(self, thread_id: int, *, locked: bool = False) -> FakeChannel:
        """Archive a thread (and lock it), as Discord's auto-archive or a moderator does; the
        connected client is told (THREAD_UPDATE), so it drops the thread from its cache."""
        thread = self.channel(thread_id)
        if thread is None or not thread.is_thread:
            raise KeyError(f"unknown thread {thread_id}")
        thread.archived, thread.locked = True, locked
        if self.gateway.live_sessions():
            await self.gateway.dispatch("THREAD_UPDATE", thread.payload())
        return thread

    def delete_channel(self, channel_id: int) -> None:
        """Delete a channel: REST calls on it answer 404 10003 Unknown Channel."""
        channel = self.channel(channel_id)
        if channel is None:
            raise KeyError(f"unknown channel {channel_id}")
        channel.deleted = True

    def delete_message(self, message_id: int) -> None:
        """Someone deleted a message: REST calls on it answer 404 10008 Unknown Message."""
        self._channels.stored.pop(int(message_id), None)
        self.messages[:] = [m for m in self.messages if m["id"] != int(message_id)]

    def block_image_host(self, host: str) -> None:
        """Make embed images on this host show empty (listed in each message's `broken_images`)."""
        self.blocked_image_hosts.add(host.lower())

    def force_429(self, n: int, retry_after: float = 0.05, global_: bool = False) -> None:
        """Answer the next n REST requests with 429 Too Many Requests."""
        self._forced.extend([(retry_after, global_)] * n)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send any dispatch event (e.g. CHANNEL_DELETE) to the connected client."""
        await self.gateway.dispatch(event, data)

    async def dispatch_interaction(self, interaction: dict[str, Any]) -> None:
        """Send INTERACTION_CREATE to the connected client and accept answers to it."""
        self._interactions.remember(interaction)
        await self.gateway.dispatch("INTERACTION_CREATE", interaction)

    async def wait_connected(self, timeout: float = 5.0) -> None:
        """Wait until a gateway client has identified or resumed."""
        await self.gateway.wait_connected(timeout)

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the gateway sockets (the client is expected to RESUME)."""
        await self.gateway.drop(code)

    def slash(self, name: str, options: Mapping[str, Any] | list[dict[str, Any]] | None = None, *,
              guild_id: int | None, channel_id: int, user_id: int, permissions: str = "2147483647",
              locale: str = "en-US", type: int = 2) -> dict[str, Any]:
        """Build an APPLICATION_COMMAND interaction; "group sub" names build subcommands."""
        data = self._interactions.command_data(name, options, guild_id, type)
        return self._interactions.build(type, data, guild_id=guild_id, channel_id=channel_id, user_id=user_id,
                                        permissions=permissions, locale=locale)

    def autocomplete(self, name: str, focused: str, value: Any = "",
                     options: Mapping[str, Any] | None = None, *, guild_id: int | None, channel_id: int,
                     user_id: int, permissions: str = "2147483647", locale: str = "en-US") -> dict[str, Any]:
        """Build an APPLICATION_COMMAND_AUTOCOMPLETE interaction with `focused` being typed."""
        data = self._interactions.command_data(name, {**(options or {}), focused: value}, guild_id, 4)
        level = data.get("options", [])
        while level and level[0].get("type") in (1, 2):
            level = level[0]["options"]
        for option in level:
            if option["name"] == focused:
                option["focused"], option["value"] = True, value
        return self._interactions.build(4, data, guild_id=guild_id, channel_id=channel_id, user_id=user_id,
                                        permissions=permissions, locale=locale)

    def component(self, custom_id: str, *, guild_id: int | None, channel_id: int, user_id: int,
                  message_id: int | None = None, component_type: int = 2, values: list[str] | None = None,
                  permissions: str = "2147483647", locale: str = "en-US") -> dict[str, Any]:
        """Build a MESSAGE_COMPONENT interaction on a message the bot sent (or a stand-in)."""
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        bot = payloads.user(self.bot_user_id, bot=True)
        message = self._channels.stored.get(message_id or 0) or payloads.message(
            message_id or self.snowflakes.next(), channel_id, bot, {}, [])
        return self._interactions.build(3, data, guild_id=guild_id, channel_id=channel_id, user_id=user_id,
                                        permissions=permissions, locale=locale, extra={"message": message})

    # ---- helpers shared with the route modules -------------------------------------------

    @staticmethod
    def json(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
        """Answer JSON with `Content-Type: application/json` exactly, as discord.py requires."""
        return web.Response(body=json.dumps(data).encode(), status=status,
                            headers={**(headers or {}), "Content-Type": "application/json"})

    def message_object(self, channel_id: int, payload: dict[str, Any], files: Mapping[str, bytes], *,
                       webhook: bool = False, message_id: int | None = None) -> dict[str, Any]:
        """Store uploaded files and build the message object Discord would answer."""
        attachments = []
        for filename, data in files.items():
            attachment_id = self.snowflakes.next()
            path = f"/attachments/{channel_id}/{attachment_id}/{filename}"
            self._files[path] = data
            attachments.append(payloads.attachment(attachment_id, filename, data, self.base_url + path))
        channel = self.channel(channel_id)
        author = payloads.user(self.application_id if webhook else self.bot_user_id, name="Herald", bot=True)
        return payloads.message(message_id or self.snowflakes.next(), channel_id, author, payload,
                                attachments, guild_id=channel.guild_id if channel else None,
                                webhook_id=self.application_id if webhook else None)

    def record_interaction_response(
        self, kind: str, interaction_id: int, callback_type: int | None, data: Any,
        files: Mapping[str, bytes], message_id: str | None = None,
    ) -> None:
        """Record a callback, followup, edit or delete the bot made for an interaction."""
        self.interaction_responses.append({
            "kind": kind, "interaction_id": interaction_id, "type": callback_type, "data": data,
            "attachments": dict(files), "message_id": message_id,
        })

    # ---- HTTP plumbing -------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith(API + "/"):
            return await handler(request)
        resource = getattr(request.match_info.route, "resource", None)
        route = (resource.canonical if resource is not None else request.path).removeprefix(API)
        authorized = request.headers.get("Authorization") == f"Bot {self.token}"
        request[BODY], request[FILES] = None, {}
        try:
            request[BODY], request[FILES] = await _read_body(request)
            response = await self._answer(request, handler, authorized)
        except ApiError as error:
            response = self.json(error.body, error.status)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            # A body the fake cannot read: Discord would refuse it, and a 500 would make
            # discord.py retry for ~25 s. Kept in `errors` so a test can notice.
            self.errors.append(f"{request.method} {route}: {error!r}")
            failure = FormErrors()
            failure.add((), "FAKE_DISCORD_UNREADABLE", repr(error))
            response = self.json({"code": 50035, "message": "Invalid Form Body", "errors": failure.tree}, 400)
        if response.status != 429:
            response.headers.update(self._bucket_headers(request, route))
        self.requests.append(RecordedRequest(
            request.method, request.path.removeprefix(API), route, dict(request.query), request[BODY],
            dict(request[FILES]), response.status, authorized))
        return response

    async def _answer(self, request: web.Request, handler: Any, authorized: bool) -> web.StreamResponse:
        failure = getattr(request.match_info, "http_exception", None)
        if failure is not None:
            raise ApiError(failure.status, 0, f"{failure.status}: {failure.reason}")
        if not authorized and not request.path.startswith(_NO_AUTH):
            raise ApiError(401, 0, "401: Unauthorized")
        now = time.monotonic()
        if now < self._global_until and now > self._global_since + GLOBAL_GRACE:
            self.global_violations += 1  # sent while a global 429 was in force
        if self._forced:
            retry_after, global_ = self._forced.pop(0)
            if global_:
                self._global_since, self._global_until = now, max(self._global_until, now + retry_after)
            return self._too_many_requests(retry_after, global_)
        return await handler(request)

    def _too_many_requests(self, retry_after: float, global_: bool) -> web.Response:
        headers = {"Retry-After": str(max(1, round(retry_after))), "Via": "1.1 google",
                   "X-RateLimit-Scope": "global" if global_ else "user"}
        if global_:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers.update({"X-RateLimit-Limit": str(self.bucket_limit), "X-RateLimit-Remaining": "0",
                            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                            "X-RateLimit-Reset-After": f"{retry_after:.3f}", "X-RateLimit-Bucket": "forced"})
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": global_}
        return self.json(body, 429, headers)

    def _bucket_headers(self, request: web.Request, route: str) -> dict[str, str]:
        """Announce a per-route bucket counting requests in a one-second window."""
        info = request.match_info
        majors = [info[k] for k in ("channel_id", "guild_id", "token") if k in info]
        major = majors[0] if majors else ""
        key = (request.method, route, major)
        now = time.monotonic()
        window = [t for t in self._windows.get(key, []) if now - t < 1.0] + [now]
        self._windows[key] = window
        reset_after = 1.0 - (now - window[0])
        bucket = hashlib.sha1(f"{request.method} {route}".encode()).hexdigest()[:16]
        return {"X-RateLimit-Limit": str(self.bucket_limit),
                "X-RateLimit-Remaining": str(max(self.bucket_limit - len(window), 0)),
                "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
                "X-RateLimit-Reset-After": f"{reset_after:.3f}", "X-RateLimit-Bucket": bucket}

    def _routes(self) -> list[web.RouteDef]:
        return [
            web.get("/gateway", self.gateway.handle),
            web.get("/attachments/{channel_id}/{attachment_id}/{filename}", self._attachment),
            web.get(API + "/gateway", self._gateway_info), web.get(API + "/gateway/bot", self._gateway_info),
            web.get(API + "/users/@me", self._me),
            web.get(API + "/oauth2/applications/@me", self._application),
            web.get(API + "/applications/@me", self._application),
        ]

    # ---- REST handlers -------------------------------------------------------------------

    async def _attachment(self, request: web.Request) -> web.Response:
        data = self._files.get(request.path)
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(body=data, content_type=payloads.content_type(request.path))

    async def _gateway_info(self, request: web.Request) -> web.Response:
        if request.path.endswith("/bot"):
            limit = {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}
            return self.json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})
        return self.json({"url": self.gateway_url})

    async def _me(self, request: web.Request) -> web.Response:
        me = payloads.user(self.bot_user_id, name="Herald", bot=True)
        return self.json({**me, "verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"})

    async def _application(self, request: web.Request) -> web.Response:
        return self.json({
            "id": str(self.application_id), "name": "Herald", "icon": None, "description": "", "summary": "",
            "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64, "flags": 0,
            "owner": payloads.user(self.bot_user_id + 1, name="owner"), "team": None, "tags": [],
            "bot": payloads.user(self.bot_user_id, name="Herald", bot=True),
            "interactions_endpoint_url": None, "redirect_uris": [],
            "approximate_guild_count": len(self.guilds),
        })


async def _read_body(request: web.Request) -> tuple[Any, dict[str, bytes]]:
    """Parse a JSON body, or a multipart body of `payload_json` plus `files[n]` parts."""
    if not request.can_read_body:
        return None, {}
    if not request.content_type.startswith("multipart/"):
        text = await request.text()
        try:
            return (json.loads(text) if text else None), {}
        except json.JSONDecodeError:
            raise ApiError(400, 50109, "The request body contains invalid JSON.") from None
    payload: Any = None
    uploads: dict[str, tuple[str, bytes]] = {}
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        if part.name == "payload_json":
            payload = json.loads(await part.text())
        elif part.name.startswith("files["):
            uploads[part.name[6:-1]] = (part.filename or "unknown", bytes(await part.read()))
    names = {str(a.get("id")): a.get("filename") for a in (message_of(payload) or {}).get("attachments") or []}
    return payload, {names.get(index) or filename: data for index, (filename, data) in uploads.items()}
