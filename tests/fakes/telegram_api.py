"""A fake Telegram Bot API server speaking real HTTP on 127.0.0.1, for tests and benches.

python-telegram-bot (or any client) points its base URL at `FakeTelegram.base_url` and works
unmodified: the same paths (`/bot<token>/<method>`, method names case-insensitive), encodings
(JSON, urlencoded, multipart uploads), response envelope, validation errors and flood control as
the real API. Tests script chats (`add_chat`, `block`, `kick`, `migrate`), push updates
(`command`, `press`, `push_update`), and read what was sent (`sent`, `requests`).

    async with FakeTelegram() as tg:
        tg.add_chat(42, type="private")
        bot = telegram.Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url)
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from copy import deepcopy
from fnmatch import fnmatchcase
from types import MappingProxyType
from typing import Any

from aiohttp import web

from tests.fakes import telegram_menu_button as menu_button
from tests.fakes import telegram_messages as messages
from tests.fakes import telegram_service as service
from tests.fakes.telegram_files import FileStore
from tests.fakes.telegram_limits import FakeLimits, FloodControl
from tests.fakes.telegram_params import Params
from tests.fakes.telegram_state import (
    ApiError,
    ChatType,
    FakeChat,
    RecordedRequest,
    SentMessage,
    bad_request,
)
from tests.fakes.telegram_updates import UpdateQueue

Handler = Callable[["FakeTelegram", Params], Awaitable[Any]]
_LOGGER = logging.getLogger(__name__)
_TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]+")
_METHODS: MappingProxyType[str, tuple[str, Handler]] = MappingProxyType(
    {
        name.lower(): (name, handler)
        for name, handler in (
            ("getMe", service.get_me),
            ("getUpdates", service.get_updates),
            ("setWebhook", service.set_webhook),
            ("deleteWebhook", service.delete_webhook),
            ("getWebhookInfo", service.get_webhook_info),
            ("logOut", service.accept),
            ("close", service.accept),
            ("setMyCommands", service.set_my_commands),
            ("getMyCommands", service.get_my_commands),
            ("deleteMyCommands", service.delete_my_commands),
            ("setChatMenuButton", menu_button.set_chat_menu_button),
            ("getChatMenuButton", menu_button.get_chat_menu_button),
            ("getChat", service.get_chat),
            ("getChatMember", service.get_chat_member),
            ("getChatAdministrators", service.get_chat_administrators),
            ("getFile", service.get_file),
            ("sendMessage", messages.send_message),
            ("sendPhoto", messages.send_photo),
            ("sendChatAction", messages.send_chat_action),
            ("editMessageText", messages.edit_message_text),
            ("editMessageCaption", messages.edit_message_caption),
            ("editMessageMedia", messages.edit_message_media),
            ("editMessageReplyMarkup", messages.edit_message_reply_markup),
            ("deleteMessage", messages.delete_message),
            ("answerCallbackQuery", messages.answer_callback_query),
        )
    }
)
_MAX_BODY = 60 * 1024 * 1024  # Telegram takes uploads up to 50 MB


def _clocks(clock: Any) -> tuple[Callable[[], float], Callable[[], float]]:
    """Return (monotonic seconds, epoch seconds) from a callable, a `bot.clock.Clock`, or None."""
    if clock is None:
        return time.monotonic, time.time
    if hasattr(clock, "now"):
        return (lambda: clock.now().timestamp()), (lambda: clock.now().timestamp())
    return clock, time.time


class FakeTelegram:
    """The fake Bot API server: scriptable state plus an aiohttp app serving it.

    Tests read `sent` (accepted sends and edits), `requests` (every call, with status),
    `messages` (each message as it now stands), `deleted`, `answers` (callback answers by query
    id), `commands` (menus by scope and language), `menu_buttons`
    (chat menu buttons by chat id), `webhook`, `too_many` (429s given) and
    `errors` (bugs inside the fake; should stay empty).
    """

    def __init__(
        self,
        *,
        token: str = "123456:TEST-token",
        bot_username: str = "herald_test_bot",
        limits: FakeLimits | None = None,
        clock: Any = None,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_user = {"id": self.bot_id, "is_bot": True, "first_name": "Herald", "username": bot_username}
        self.limits = limits or FakeLimits()
        self.now, self.wall = _clocks(clock)
        self.flood = FloodControl(self.limits, self.now)
        self.files = FileStore(self.bot_id)
        self.updates = UpdateQueue()
        self.sent: list[SentMessage] = []
        self.requests: list[RecordedRequest] = []
        self.chats: dict[int, FakeChat] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.deleted: list[tuple[int, int]] = []
        self.queries: dict[str, dict[str, Any]] = {}
        self.answers: dict[str, dict[str, Any]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.menu_buttons: dict[int, dict[str, Any]] = {}  # by private chat id; 0: the default
        self.webhook: dict[str, Any] | None = None
        self.too_many = 0
        self.count_edits = True
        """Edits count against flood control like sends (Telegram's behaviour)."""
        self.errors: list[Exception] = []  # unexpected failures inside the fake
        self._forced: deque[int] = deque()
        self._slow: deque[float] = deque()
        self._unreachable: list[str | re.Pattern[str]] = []
        self._message_ids: dict[int, int] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Return the Bot API base PTB appends the token to: http://127.0.0.1:PORT/bot."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the file download base PTB appends the token to."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self, port: int = 0) -> None:
        """Serve on a free port of 127.0.0.1, or on `port` (to come back where a stopped server
        was: Telegram reachable again)."""
        self.updates.closed = False
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # No access log: request paths carry the bot token.
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        """Answer pending long polls and stop serving."""
        self.updates.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- HTTP --------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/file/bot"):
            return self._download(path[len("/file/bot") :])
        token, _, method = path[len("/bot") :].partition("/") if path.startswith("/bot") else ("", "", "")
        entry = _METHODS.get(method.lower())
        params = Params({})
        description = ""
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized") if _TOKEN_SHAPE.fullmatch(token) else ApiError(404, "Not Found")
            if entry is None:
                raise ApiError(404, "Not Found")
            params = await self._read(request)
            status, body = 200, {"ok": True, "result": await entry[1](self, params)}
        except ApiError as err:
            status, body, description = err.code, err.envelope(), err.description
        except Exception as exc:  # a bug in the fake: answer like Telegram's 500, keep it for the test
            _LOGGER.exception("fake Bot API failed on %s", entry[0] if entry else "?")
            self.errors.append(exc)
            failure = ApiError(500, "Internal Server Error")
            status, body, description = 500, failure.envelope(), failure.description
        self.requests.append(
            RecordedRequest(
                method=entry[0] if entry else method,
                params=params.decoded(),
                content_type=request.content_type,
                status=status,
                files={name: len(data) for name, data in params.files.items()},
                file_names={name: meta[0] for name, meta in params.file_meta.items()},
                file_types={name: meta[1] for name, meta in params.file_meta.items()},
                description=description,
            )
        )
        if self._slow and entry is not None and entry[0].startswith("send"):
            await asyncio.sleep(self._slow.popleft())  # accepted (and recorded), answered late
        return self._json(status, body)

    @staticmethod
    def _json(status: int, body: dict[str, Any]) -> web.Response:
        # Exactly "application/json", like api.telegram.org (bytes body: aiohttp adds no charset).
        return web.Response(body=json.dumps(body, ensure_ascii=False).encode(), status=status,
                            content_type="application/json")

    async def _read(self, request: web.Request) -> Params:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, bytes] = {}
        meta: dict[str, tuple[str, str]] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise bad_request("can't parse JSON object") from None
                if not isinstance(body, dict):
                    raise bad_request("JSON object expected")
                raw.update(body)
            elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                for key, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        files[key] = value.file.read()
                        meta[key] = (value.filename or "", value.content_type or "")
                    else:
                        raw[key] = value
        return Params(raw, files, meta)

    def _download(self, rest: str) -> web.Response:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return self._json(401, ApiError(401, "Unauthorized").envelope())
        name = file_path.removeprefix("photos/").removesuffix(".jpg")
        stored = self.files.get(name)
        if stored is None or stored.content is None:
            return self._json(404, ApiError(404, "Not Found").envelope())
        return web.Response(body=stored.content, content_type="application/octet-stream")

    # ---- used by the method handlers ---------------------------------------------------------

    def resolve_chat(self, p: Params) -> FakeChat:
        """Return the chat a request's chat_id names (an id or "@username"), else 400 chat not found."""
        raw = (p.text("chat_id") or "").strip()
        if not raw:
            raise bad_request("chat_id is empty")
        chat: FakeChat | None = None
        if raw.startswith("@"):
            chat = next((c for c in self.chats.values() if (c.username or "").lower() == raw[1:].lower()), None)
        elif re.fullmatch(r"-?\d+", raw):
            chat = self.chats.get(int(raw))
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def check_can_send(self, chat: FakeChat) -> None:
        """Raise what Telegram answers when the bot may not write in `chat`."""
        kind = {"private": "user", "group": "group", "supergroup": "supergroup", "channel": "channel"}[chat.type]
        if chat.migrated_to is not None:
            raise bad_request("group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": chat.migrated_to})
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.kicked:
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if chat.type != "private" and not chat.bot_is_member:
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
        if chat.type == "channel" and not chat.bot_can_post:
            raise bad_request("need administrator rights in the channel chat")

    def take_forced_429(self) -> None:
        """Answer 429 when the test scripted one with `force_429`."""
        if self._forced:
            self._too_many(self._forced.popleft())

    def throttle(self, chat: FakeChat, *, paid: bool = False) -> None:
        """Count a send against flood control, or answer 429 with the seconds until it frees;
        `paid`: the send carries `allow_paid_broadcast` (1,000/s over all chats instead of 30/s)."""
        wait = self.flood.retry_after(chat.id, chat.is_group, paid=paid)
        if wait:
            self._too_many(wait)

    def _too_many(self, retry_after: int) -> None:
        self.too_many += 1
        raise ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})

    def is_unreachable(self, url: str) -> bool:
        """Return whether Telegram would fail to fetch this image URL."""
        for pattern in self._unreachable:
            if isinstance(pattern, re.Pattern):
                if pattern.search(url):
                    return True
            elif url.startswith(pattern) or fnmatchcase(url, pattern):
                return True
        return False

    def new_message(self, chat: FakeChat, content: dict[str, Any], sender: dict[str, Any] | None = None,
                    *, thread: int | None = None) -> dict[str, Any]:
        """Store and return a new message in `chat` (from the bot unless `sender` is given), in
        the forum topic `thread` when one is given."""
        message_id = self._message_ids.get(chat.id, 0) + 1
        self._message_ids[chat.id] = message_id
        message: dict[str, Any] = {"message_id": message_id, "date": int(self.wall()), "chat": chat.as_json()}
        if chat.type == "channel":
            message["sender_chat"] = chat.as_json()
        else:
            message["from"] = sender or self.bot_user
        if thread is not None:
            message["message_thread_id"] = thread
            message["is_topic_message"] = True
        message.update(content)
        self.messages[(chat.id, message_id)] = message
        return message

    def user(self, user_id: int) -> dict[str, Any]:
        """Return the User object for `user_id`."""
        if user_id == self.bot_id:
            return dict(self.bot_user)
        return dict(self.users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"})

    # ---- scripting (tests) -------------------------------------------------------------------

    def add_chat(
        self,
        chat_id: int | str,
        *,
        type: ChatType | None = None,
        title: str | None = None,
        username: str | None = None,
        admins: Iterable[int] = (),
        creator: int | None = None,
        members: Iterable[int] = (),
        bot_is_member: bool = True,
        bot_can_post: bool = True,
        forum: bool = False,
    ) -> FakeChat:
        """Make a chat known; "@name" gets a channel-style id. Type defaults from the id's sign;
        `forum`: a supergroup with topics (`add_topic`)."""
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            username = username or chat_id[1:]
            chat_id = -1001000000000 - len(self.chats)
        number = int(chat_id)
        kind: ChatType = type or ("private" if number > 0 else "supergroup" if str(number).startswith("-100") else "group")
        chat = FakeChat(number, kind, title, username, set(admins), creator, set(members), bot_is_member, bot_can_post)
        chat.is_forum = forum
        self.chats[number] = chat
        return chat

    def add_topic(self, chat_id: int | str, name: str = "Topic", *, thread: int | None = None) -> int:
        """Create a topic in a forum supergroup (as createForumTopic does) and return its
        message_thread_id: the id of the service message that opens it (`thread` when given:
        the chat's message ids then go on from there). Thread 1 is the General topic."""
        chat = self._chat(chat_id)
        if not chat.is_forum:
            raise ValueError(f"chat {chat.id} is not a forum")
        last = max(1, self._message_ids.get(chat.id, 0))  # message 1 opened the General topic
        if thread is not None:
            if thread <= last:
                raise ValueError(f"message {thread} of chat {chat.id} exists already")
            last = thread - 1
        self._message_ids[chat.id] = last
        opened = self.new_message(chat, {"forum_topic_created": {"name": name, "icon_color": 0x6FB9F0}})
        thread = int(opened["message_id"])
        opened.update(message_thread_id=thread, is_topic_message=True)
        chat.topics[thread] = "open"
        return thread

    def close_topic(self, chat_id: int | str, thread: int) -> None:
        """Close a topic: sends into it answer 400 TOPIC_CLOSED."""
        self._chat(chat_id).topics[thread] = "closed"

    def delete_topic(self, chat_id: int | str, thread: int) -> None:
        """Delete a topic and its messages: sends into it answer 400 "message thread not found"."""
        chat = self._chat(chat_id)
        chat.topics[thread] = "deleted"
        for key, message in list(self.messages.items()):
            if key[0] == chat.id and message.get("message_thread_id") == thread:
                del self.messages[key]

    def _chat(self, chat_id: int | str, chat_type: ChatType | None = None) -> FakeChat:
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            found = next((c for c in self.chats.values() if c.username == chat_id[1:]), None)
            return found or self.add_chat(chat_id, type=chat_type or "channel")
        return self.chats.get(int(chat_id)) or self.add_chat(chat_id, type=chat_type)

    def block(self, chat_id: int | str) -> None:
        """Make sends to this chat answer 403 "bot was blocked by the user"."""
        self._chat(chat_id).blocked = True

    def kick(self, chat_id: int | str) -> None:
        """Make sends to this chat answer 403 "bot was kicked from the … chat"."""
        self._chat(chat_id).kicked = True

    def migrate(self, chat_id: int | str, new_chat_id: int) -> None:
        """Upgrade a group: sends to the old id answer 400 with parameters.migrate_to_chat_id."""
        old = self._chat(chat_id, "group")
        old.migrated_to = new_chat_id
        if new_chat_id not in self.chats:
            new = self.add_chat(new_chat_id, type="supergroup", title=old.title, admins=old.admins,
                                creator=old.creator, members=old.members)
            new.bot_is_member, new.bot_can_post = old.bot_is_member, old.bot_can_post

    def unreachable_image(self, url_pattern: str | re.Pattern[str]) -> None:
        """Make sendPhoto by a matching URL (prefix, glob or regex) fail; uploads still work."""
        self._unreachable.append(url_pattern)

    def answer_late(self, n: int, seconds: float) -> None:
        """Accept the next `n` send calls at once but answer each only after `seconds` (a client
        that gives up first cannot tell whether the message arrived)."""
        self._slow.extend([seconds] * n)

    def drop_global_rate(self, per_second: float, seconds: float) -> None:
        """Lower the bot's overall limit to `per_second` for `seconds` from now; the flood control
        counts sends made before a retry_after had passed (`flood.early_retries`)."""
        self.flood.drop_global(per_second, seconds)

    def force_429(self, n: int, retry_after: int = 1) -> None:
        """Make the next `n` send calls answer 429 with this retry_after."""
        self._forced.extend([retry_after] * n)

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for the next getUpdates (waking a waiting long poll) and return it."""
        return self.updates.push(update)

    def command(self, chat_id: int | str, user_id: int, text: str, *, lang: str = "en",
                chat_type: ChatType = "private", thread: int | None = None) -> dict[str, Any]:
        """Push a message from `user_id` in `chat_id` (a bot_command entity when it starts with
        "/"), inside the forum topic `thread` when one is given."""
        chat = self._chat(chat_id, chat_type)
        user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": lang}
        self.users[user_id] = user
        chat.members.add(user_id)
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0].encode("utf-16-le")) // 2
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        message = self.new_message(chat, content, sender=user, thread=thread)
        kind = "channel_post" if chat.type == "channel" else "message"
        return self.push_update({kind: deepcopy(message)})

    def press(self, chat_id: int | str, user_id: int, message_id: int, data: str) -> dict[str, Any]:
        """Push a callback_query: `user_id` pressed the button with `data` under a message."""
        chat = self._chat(chat_id)
        message = self.messages.get((chat.id, message_id)) or {"message_id": message_id, "date": 0, "chat": chat.as_json()}
        query_id = str(4_000_000_000 + len(self.queries))
        query = {"id": query_id, "from": self.user(user_id), "message": deepcopy(message),
                 "chat_instance": str(abs(chat.id) * 7 + 1), "data": data}
        self.queries[query_id] = query
        return self.push_update({"callback_query": query})

    # ---- reading (tests) ---------------------------------------------------------------------

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        """Return the messages sent (not edits) to one chat, oldest first."""
        return [m for m in self.sent if m.chat_id == chat_id and m.method.startswith("send")]

    def sent_in(self, chat_id: int, thread: int | None) -> list[SentMessage]:
        """Return the messages sent (not edits) into one topic of a forum (None: its General
        topic, i.e. outside every topic), oldest first."""
        return [m for m in self.sent_to(chat_id) if m.thread_id == thread]
