"""The Telegram platform at run time: a python-telegram-bot `Application` that turns updates
into invocations for the core and sends the replies through the core's rate-limited path.

Long polling by default; webhook mode when HERALD_TELEGRAM_WEBHOOK_URL is set
(`adapters.telegram.webhook`). The command menu is registered in English and Chinese.
A token Telegram refuses (revoked, mistyped) is fatal: `run` logs it once and returns, leaving
the reason in `failure`; unreachable servers are retried, and `problem` tells /healthz when the
Bot API has been unreachable for `UNREACHABLE_AFTER` seconds or another process uses the token
(`adapters.telegram.polling`). A group upgraded to a supergroup moves its subscription to the new
id as soon as the service message arrives. `check_targets` asks Telegram, at start, whether the
bot may post in each configured channel.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
import weakref
from collections.abc import Iterable
from contextlib import suppress
from contextvars import ContextVar
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, ChatMember, ChatMemberAdministrator, ChatMemberRestricted, Message, Update
from telegram.error import Conflict, InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters
from telegram.warnings import PTBDeprecationWarning

from adapters.telegram import calls
from adapters.telegram.admins import ChatAdmins
from adapters.telegram.errors import describe
from adapters.telegram.flood import CommandFlood
from adapters.telegram.media import PhotoCache, image_downloader
from adapters.telegram.outlet import TelegramOutlet
from adapters.telegram.polling import (
    CONFLICT_QUIET,
    WEBHOOK_TAKEN,
    ApiWatch,
    UpdatesRequest,
    WatchedRequest,
)
from adapters.telegram.rates import TELEGRAM_RATES
from adapters.telegram.replies import edit_reply, render_reply, settle
from adapters.telegram.updates import Command, channel_kind, is_chat_ref, parse_command
from bot.commands.types import Invocation, Reply
from bot.delivery.errors import DeliveryError
from bot.delivery.ratelimit import RateLimits
from bot.logs import Redactor
from bot.platform import UNREACHABLE_AFTER, RuntimeBase, Services
from bot.request import Request
from bot.settings import Settings
from bot.store.subscriptions import get_subscription
from bot.targets import parse_targets

log = logging.getLogger("herald.telegram")

_REST: ContextVar[list[Request] | None] = ContextVar("herald_telegram_rest", default=None)
"""While a command is answered: where its messages after the first go (sent once the chat's
next command may be taken)."""

TOKEN_REFUSED = "Telegram refused the bot token (revoked or mistyped): set a valid HERALD_TELEGRAM_TOKEN"

NAME = "telegram"
WEBHOOK_CHECK = 60.0
"""Seconds between checks, in webhook mode, that the webhook still points at this process."""
_CHANNEL_COMMANDS = frozenset({"subscribe", "unsubscribe", "subscriptions"})
_TEXTS = {
    "channel.admin_only": (
        "Only configured admins can manage a channel from here.",
        "只有配置的管理员可以在这里管理频道。",
    ),
    "channel.configured": (
        "{ref} is in HERALD_CHANNELS: it gets every new article already, and only the configuration changes that.",
        "{ref} 已在 HERALD_CHANNELS 中：它已经会收到所有新文章，只能通过配置修改。",
    ),
    "channel.not_found": (
        "I cannot find {ref}: check the name, or give the channel's numeric id.",
        "我找不到 {ref}：请检查名称，或使用频道的数字 ID。",
    ),
    "channel.cannot_post": (
        "I cannot post in {ref}: add me as an administrator who can post messages, then try again.",
        "我无法在 {ref} 发消息：请把我设为可以发消息的管理员，然后再试。",
    ),
}


def file_url(api_url: str) -> str:
    """Derive the file download base from the Bot API base (`…/bot` → `…/file/bot`)."""
    base = api_url.rstrip("/")
    head, sep, tail = base.rpartition("/")
    return f"{head}/file/{tail}" if sep else f"{base}/file/bot"


def _text(key: str, lang: str | None, **values: str) -> str:
    en, zh = _TEXTS[key]
    return (zh if (lang or "").lower().startswith("zh") else en).format(**values)


class TelegramRuntime(RuntimeBase):
    """Serve Telegram: commands and buttons in, replies out, and the delivery outlet."""

    name = NAME

    def __init__(
        self,
        settings: Settings,
        services: Services,
        *,
        limits: RateLimits = TELEGRAM_RATES,
        flood: CommandFlood | None = None,
        media_cache: bool = True,
        webhook_listen: tuple[str, int] | None = None,
        unreachable_after: float = UNREACHABLE_AFTER,
        conflict_quiet: float = CONFLICT_QUIET,
        webhook_check: float = WEBHOOK_CHECK,
    ) -> None:
        if settings.telegram_token is None:
            raise ValueError("HERALD_TELEGRAM_TOKEN is not set")
        token = settings.telegram_token.get_secret_value()
        self._settings = settings
        self._services = services
        self.limits = limits
        self._redact = Redactor([token])
        self.failure: str | None = None
        """Why the runtime gave up for good (a refused token); None while it is healthy."""
        self._refused = asyncio.Event()
        self.watch = ApiWatch(unreachable_after=unreachable_after, conflict_quiet=conflict_quiet)
        """How the Bot API answered lately (outage, conflicts): what `problem` reports."""
        self._app: Application = (
            ApplicationBuilder()
            .token(token)
            .base_url(settings.telegram_api_url)
            .base_file_url(file_url(settings.telegram_api_url))
            .concurrent_updates(64)
            .request(WatchedRequest(self.watch, connection_pool_size=64, **calls.send_timeouts()))
            .get_updates_request(
                UpdatesRequest(self._refused.set, self.watch, connection_pool_size=1, read_timeout=40)
            )
            .build()
        )
        photos = PhotoCache(services.store(NAME) if media_cache else None)
        self._fetcher = image_downloader(allow_private=settings.allow_private_fetch)
        self.outlet = TelegramOutlet(self._app.bot, photos=photos, fetcher=self._fetcher, redact=self._redact)
        self._admins = ChatAdmins(self._app.bot)
        self._flood = flood or CommandFlood()
        self._specs = {spec.name: spec for spec in services.commands}
        self._chat_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
        self._turns: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
        self._configured_admins = {t.channel_id for t in parse_targets(settings.admins) if t.platform == NAME}
        # HERALD_CHANNELS may name a channel by @username or by id; either way it is one target.
        self._configured_channels = {
            t.channel_id.casefold() for t in parse_targets(settings.channels) if t.platform == NAME
        }
        self._webhook_listen = webhook_listen
        self._webhook_check = webhook_check
        self._webhook_watch: asyncio.Task[None] | None = None
        self._webhook_lost = False
        self.webhook: Any = None
        self._connected = False
        self._app.add_handler(
            MessageHandler(
                filters.COMMAND & (filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST), self._on_command
            )
        )
        self._app.add_handler(CallbackQueryHandler(self._on_press))
        self._app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migrate))
        self._app.add_error_handler(self._on_error)

    @property
    def application(self) -> Application:
        """The PTB application (for webhook mode and tests)."""
        return self._app

    @property
    def connected(self) -> bool:
        """Whether the bot is receiving updates."""
        return self._connected

    @property
    def problem(self) -> str | None:
        """Why Telegram is not served although the runtime runs: the Bot API unreachable for
        `UNREACHABLE_AFTER` seconds, or another process on the same token; None otherwise."""
        return WEBHOOK_TAKEN if self._webhook_lost else self.watch.problem

    # -- lifecycle ------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Connect (retrying while Telegram is unreachable), serve until `stop`, then disconnect;
        return early, with `failure` set, when Telegram refuses the token."""
        if not await self._initialize(stop):
            with suppress(Exception):
                await self._app.bot.shutdown()  # the HTTP clients it opened for the attempt
            return
        webhook = None
        try:
            await self._register_commands()
            await self._app.start()
            if self._settings.telegram_webhook_url:
                from adapters.telegram.webhook import DEFAULT_LISTEN, WebhookServer

                listen = self._webhook_listen or DEFAULT_LISTEN
                webhook = self.webhook = WebhookServer(self._app, self._settings, self._redact, listen=listen)
                await webhook.start()
                self._webhook_watch = asyncio.create_task(self._watch_webhook(stop), name="telegram-webhook-watch")
            else:
                assert self._app.updater is not None  # built with an updater (polling mode)
                await self._app.updater.start_polling(
                    allowed_updates=["message", "channel_post", "callback_query"],
                    error_callback=self._on_polling_error,
                )
            self._connected = True
            log.info("telegram connected as @%s (%s)", self._app.bot.username,
                     "webhook" if webhook else "long polling")
            await self._until_stopped_or_refused(stop)
        except InvalidToken:
            self._give_up()
        finally:
            self._connected = False
            if self._webhook_watch is not None:
                self._webhook_watch.cancel()
                await asyncio.gather(self._webhook_watch, return_exceptions=True)
            if webhook is not None:
                await webhook.stop()
            with suppress(Exception):
                if self._app.updater and self._app.updater.running:
                    await self._app.updater.stop()
            with suppress(Exception):
                if self._app.running:
                    await self._app.stop()
            with suppress(Exception):
                await self._app.shutdown()
            await self._fetcher.close()

    async def _watch_webhook(self, stop: asyncio.Event) -> None:
        """In webhook mode, look every `webhook_check` seconds whether Telegram still sends
        updates here: a second process polling with the token deletes the webhook (409s only
        reach that process), one in webhook mode replaces it. Reported, never fought over."""
        wanted = self._settings.telegram_webhook_url
        while not stop.is_set():
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._webhook_check)
            if stop.is_set():
                return
            try:
                info = await self._app.bot.get_webhook_info()
            except TelegramError:
                continue  # unreachable: the ApiWatch counts it
            lost = info.url != wanted
            if lost and not self._webhook_lost:
                log.error("telegram: %s; Herald receives no updates while this lasts", WEBHOOK_TAKEN)
            elif self._webhook_lost and not lost:
                log.info("telegram: the webhook points here again")
            self._webhook_lost = lost

    async def _until_stopped_or_refused(self, stop: asyncio.Event) -> None:
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._refused.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        if self._refused.is_set() and not stop.is_set():
            self._give_up()

    def _give_up(self) -> None:
        """Record and log (once) that Telegram refuses the token."""
        if self.failure is None:
            self.failure = TOKEN_REFUSED
            log.error("%s; the Telegram platform stops", TOKEN_REFUSED)

    async def _initialize(self, stop: asyncio.Event) -> bool:
        delay = 1.0
        while not stop.is_set():
            try:
                await self._app.initialize()
                return True
            except InvalidToken:
                self._give_up()
                return False
            except TelegramError as exc:
                log.warning("telegram unreachable (%s); retrying in %.0fs", self._redact(str(exc)), delay)
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
            delay = min(60.0, delay * 2)
        return False

    async def _register_commands(self) -> None:
        """Set the command menu from the core's table: public commands for everyone (English
        and Chinese), every command in configured admins' private chats."""
        public = [spec for spec in self._specs.values() if not spec.admin_only]
        try:
            for lang in ("en", "zh"):
                menu = [BotCommand(spec.name, spec.description(lang)[:256]) for spec in public]
                await self._app.bot.set_my_commands(menu, language_code=None if lang == "en" else "zh")
        except TelegramError as exc:
            log.warning("could not register the command menu: %s", self._redact(str(exc)))
        menus = {
            lang: [BotCommand(spec.name, spec.description(lang)[:256]) for spec in self._specs.values()]
            for lang in ("en", "zh")
        }
        for admin in self._configured_admins:
            if admin.lstrip("-").isdecimal():
                with suppress(TelegramError):  # the admin may not have started the bot yet
                    scope = BotCommandScopeChat(int(admin))
                    await self._app.bot.set_my_commands(menus["en"], scope=scope)
                    await self._app.bot.set_my_commands(menus["zh"], scope=scope, language_code="zh")

    def _on_polling_error(self, exc: TelegramError) -> None:
        if isinstance(exc, Conflict):
            return  # the ApiWatch logs a conflict once per episode, not once per poll
        log.warning("telegram polling failed: %s", self._redact(describe(exc)))

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        exc = context.error
        text = describe(exc) if isinstance(exc, TelegramError) else f"{type(exc).__name__}: {exc}"
        log.error("telegram update failed: %s", self._redact(text))

    # -- group upgrades and configured channels -------------------------------------------

    async def _on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup: move its subscription (and pending deliveries) to the
        new id now, with the same store function the outbox uses when a send is refused."""
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id:
            old, new = message.chat.id, message.migrate_to_chat_id
        elif message.migrate_from_chat_id:
            old, new = message.migrate_from_chat_id, message.chat.id
        else:
            return
        await self._services.channel_moved(NAME, str(old), str(new))

    async def check_targets(self, channel_ids: Iterable[str]) -> dict[str, str | None]:
        """Ask Telegram (getChat, getChatMember for the bot) whether the bot may post in each
        configured channel; return channel id → what is missing, or None when it can post."""
        return {channel_id: await self._cannot_post(channel_id) for channel_id in channel_ids}

    async def _cannot_post(self, channel_id: str) -> str | None:
        ref: int | str = int(channel_id) if channel_id.lstrip("-").isdecimal() else channel_id
        try:
            chat = await self._app.bot.get_chat(ref)
        except TelegramError as exc:
            if "not found" in (exc.message or "").lower():
                return "chat not found (or the bot is not in it)"
            return None  # unknown: deliveries will tell
        try:
            member = await self._app.bot.get_chat_member(chat.id, self._app.bot.id)
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

    # -- updates --------------------------------------------------------------------------

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not message.text:
            return
        command = parse_command(message.text, self._app.bot.username)
        if command is None:
            return
        if command.name not in self._specs and chat.type != "private" and not command.addressed:
            return  # a command for another bot in the group
        user = message.from_user
        sender = user.id if user else (message.sender_chat.id if message.sender_chat else chat.id)
        if not self._flood.allow(chat.id, sender, group=chat.type != "private"):
            log.info("throttled commands of %s in chat %s", sender, chat.id)
            return
        # Updates are handled concurrently; commands from one chat are answered in the order sent:
        # the next one is taken as soon as this answer's first message is out, and the rest of a
        # long answer then takes turns with it message by message (`_send`).
        rest: list[Request] = []
        token = _REST.set(rest)
        try:
            async with self._chat_locks.setdefault(chat.id, asyncio.Lock()):
                await self._command(message, chat, command, sender, user.language_code if user else None)
        finally:
            _REST.reset(token)
        if rest:
            await self._send(chat.id, rest)

    async def _command(self, message: Message, chat: Any, command: Command, sender: int, lang: str | None) -> None:
        if chat.type == "private" and command.name in _CHANNEL_COMMANDS and command.args and is_chat_ref(command.args[0]):
            await self._manage_channel(chat.id, sender, command, lang)
            return
        spec = self._specs.get(command.name)
        if spec is not None and spec.manages and self._is_configured(chat.id, chat.username):
            ref = f"@{chat.username}" if chat.username else str(chat.id)
            await self._answer(chat.id, Reply(_text("channel.configured", lang, ref=ref), error=True))
            return
        kind = channel_kind(chat.type)
        inv = Invocation(
            platform=NAME,
            channel_id=str(chat.id),
            channel_kind=kind,
            user_id=str(sender),
            command=command.name,
            args=command.args,
            text=message.text or "",
            user_is_chat_admin=await self._is_chat_admin(chat.id, chat.type, message, command),
            lang=lang,
        )
        await self._answer(chat.id, await self._services.handle(inv))

    def _is_configured(self, chat_id: int | str, username: str | None) -> bool:
        """Tell whether HERALD_CHANNELS names this chat, by id or by @username."""
        names = {str(chat_id).casefold()} | ({f"@{username}".casefold()} if username else set())
        return not names.isdisjoint(self._configured_channels)

    async def _is_chat_admin(self, chat_id: int, chat_type: str, message: Message, command: Command) -> bool | None:
        """Whether the sender administers the chat; asked only for commands that need it."""
        if chat_type == "private":
            return None
        if chat_type == "channel" or (message.sender_chat is not None and message.sender_chat.id == chat_id):
            return True  # only admins post in a channel; an anonymous group admin posts as the group
        spec = self._specs.get(command.name)
        if spec is None or not spec.manages or message.from_user is None:
            return None
        return await self._admins.is_admin(chat_id, message.from_user.id)

    async def _manage_channel(self, chat_id: int, user_id: int, command: Command, lang: str | None) -> None:
        """`/subscribe @channel [category…]` (and unsubscribe, subscriptions) from a configured
        admin's private chat. Only subscribing needs the bot to be able to post there."""
        ref = command.args[0]
        if str(user_id) not in self._configured_admins:
            await self._answer(chat_id, Reply(_text("channel.admin_only", lang), error=True))
            return
        if command.name == "subscribe":
            target = await self._admins.postable(int(ref) if ref.startswith("-") else ref)
            refusal = "channel.cannot_post"
        else:
            target = await self._admins.find(ref, self._stored_kind)
            refusal = "channel.not_found"
        if target is None:
            await self._answer(chat_id, Reply(_text(refusal, lang, ref=ref), error=True))
            return
        if command.name != "subscriptions" and self._is_configured(target.channel_id, target.username):
            await self._answer(chat_id, Reply(_text("channel.configured", lang, ref=ref), error=True))
            return
        inv = Invocation(
            platform=NAME,
            channel_id=target.channel_id,
            channel_kind=channel_kind(target.type),
            user_id=str(user_id),
            command=command.name,
            args=command.args[1:],
            text=" ".join((f"/{command.name}", *command.args)),
            user_is_chat_admin=True,
            lang=lang,
        )
        reply = await self._services.handle(inv)
        await self._answer(chat_id, Reply(f"{target.title} ({ref}):\n{reply.text}", error=reply.error))

    async def _stored_kind(self, channel_id: str) -> str | None:
        state = await get_subscription(self._services.sessions, NAME, channel_id)
        return None if state is None else state.kind

    async def _on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        message = query.message
        chat = message.chat if message is not None else None
        if chat is None:
            with suppress(TelegramError):
                await query.answer()
            return
        if not self._flood.allow(chat.id, query.from_user.id, group=chat.type != "private"):
            with suppress(TelegramError):
                await query.answer()
            return
        inv = Invocation(
            platform=NAME,
            channel_id=str(chat.id),
            channel_kind=channel_kind(chat.type),
            user_id=str(query.from_user.id),
            command="",
            lang=query.from_user.language_code,
        )
        reply = await self._services.handle_action(inv, query.data or "")
        if reply.error or (reply.ephemeral and not reply.items):
            with suppress(TelegramError):
                await query.answer(text=reply.text[:200], show_alert=True)
            return
        with suppress(TelegramError):
            await query.answer()
        edit = None
        if reply.settles and isinstance(message, Message):
            edit = settle(reply, message.message_id, photo=message.text is None)
        elif isinstance(message, Message) and message.text is not None:
            edit = edit_reply(reply, message.message_id, bot_username=self._app.bot.username, zone=self._settings.zone)
        if edit is not None:
            await self._send(chat.id, [edit])
        else:
            await self._answer(chat.id, reply)

    # -- replies --------------------------------------------------------------------------

    async def _answer(self, chat_id: int, reply: Reply) -> None:
        requests = render_reply(reply, bot_username=self._app.bot.username, zone=self._settings.zone)
        rest = _REST.get()
        if rest is not None:  # answering a command: the chat's next command may go after the first message
            rest.extend(requests[1:])
            requests = requests[:1]
        if requests:
            await self._send(chat_id, requests)

    async def send_direct(self, user_id: str, reply: Reply) -> tuple[str, tuple[int, bool]] | None:
        """Send a reply (buttons included) to one user's private chat, whose id is the user's id;
        return the chat and (message id, whether a photo) of its first message, for `settle_direct`.

        Raises the core's delivery errors, e.g. when the user never started the bot.
        """
        try:
            username = self._app.bot.username
        except RuntimeError:  # not initialised yet: only list replies need the name
            username = ""
        requests = render_reply(reply, bot_username=username, zone=self._settings.zone)
        if not requests:
            return None
        first = await self._services.send_reply(NAME, user_id, requests)
        return (user_id, (int(first), requests[0].method == "sendPhoto")) if first.isdecimal() else None

    async def settle_direct(self, chat_id: str, handle: tuple[int, bool], reply: Reply) -> None:
        """Edit a card sent by `send_direct` (an approval request) to show `reply`, no buttons."""
        message_id, photo = handle
        await self._send(int(chat_id), [settle(reply, message_id, photo=photo)])

    async def _send(self, chat_id: int, requests: list[Request]) -> None:
        """Send messages to a chat one at a time, taking turns (first come, first served) with
        other answers to the same chat: a second answer waits for one message, not a whole reply."""
        turn = self._turns.setdefault(chat_id, asyncio.Lock())
        try:
            for request in requests:
                async with turn:
                    await self._services.send_reply(NAME, str(chat_id), [request])
        except DeliveryError as exc:
            log.warning("reply to telegram:%s not sent: %s", chat_id, self._redact(exc.reason))
        except Exception as exc:  # noqa: BLE001 - its text may carry secrets: keep the type only
            log.error("reply to telegram:%s failed: %s", chat_id, type(exc).__name__)


def create_runtime(settings: Settings, services: Services, **options: Any) -> TelegramRuntime:
    """Build the Telegram runtime (nothing connects until `run`)."""
    options.setdefault("webhook_listen", listen_address(settings.telegram_webhook_listen))
    # PTB 22 warns on every RetryAfter it builds that `retry_after` will become a timedelta; we
    # read the timedelta already (adapters/telegram/errors.py), so the warning is only noise.
    warnings.filterwarnings("ignore", message=".*retry_after.*", category=PTBDeprecationWarning)
    return TelegramRuntime(settings, services, **options)


def listen_address(text: str) -> tuple[str, int]:
    """Parse HERALD_TELEGRAM_WEBHOOK_LISTEN (`host:port`, or a bare port); raise ValueError."""
    host, _, port = text.strip().rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"HERALD_TELEGRAM_WEBHOOK_LISTEN={text!r}: expected host:port, e.g. 0.0.0.0:8443")
    return host.strip("[]") or "0.0.0.0", int(port)

