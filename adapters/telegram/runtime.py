"""The Telegram platform at run time: the python-telegram-bot `Application`, its connection
lifecycle, and what the core may ask of the platform (`bot.platform.Runtime`).

Long polling by default; webhook mode when HERALD_TELEGRAM_WEBHOOK_URL is set
(`adapters.telegram.webhook`). A token Telegram refuses (revoked, mistyped) is fatal: `run` logs
it once and returns, leaving the reason in `failure`; unreachable servers are retried, and
`problem` tells /healthz when the Bot API has been unreachable for `UNREACHABLE_AFTER` seconds or
another process uses the token (`adapters.telegram.polling`).

The parts live beside it: updates → invocations in `handlers`, sending answers in turns in
`answers`, the command menu in `menu`, the start-up permission check in `targets`.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Iterable
from contextlib import suppress
from typing import Any

from telegram.error import Conflict, InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes
from telegram.warnings import PTBDeprecationWarning

from adapters.telegram import calls, targets
from adapters.telegram.admins import ChatAdmins
from adapters.telegram.answers import NAME, Answers
from adapters.telegram.errors import describe
from adapters.telegram.handlers import UpdateHandlers
from adapters.telegram.media import PhotoCache, image_downloader
from adapters.telegram.menu import register_menu, register_panel_button
from adapters.telegram.outlet import TelegramOutlet
from adapters.telegram.polling import (
    CONFLICT_QUIET,
    WEBHOOK_TAKEN,
    ApiWatch,
    UpdatesRequest,
    WatchedRequest,
)
from adapters.telegram.rates import telegram_rates
from bot.commands.types import Reply
from bot.delivery.allowance import CommandAllowance
from bot.delivery.ratelimit import RateLimits
from bot.logs import Redactor
from bot.platform import UNREACHABLE_AFTER, RuntimeBase, Services
from bot.settings import Settings
from bot.targets import parse_targets
from bot.waits import Backoff, first_of, pause

log = logging.getLogger("herald.telegram")

TOKEN_REFUSED = "Telegram refused the bot token (revoked or mistyped): set a valid HERALD_TELEGRAM_TOKEN"

WEBHOOK_CHECK = 60.0
"""Seconds between checks, in webhook mode, that the webhook still points at this process."""
CONNECT_RETRY = (1.0, 60.0)
"""Seconds before the second attempt to reach the Bot API at start, doubling up to the second."""


def file_url(api_url: str) -> str:
    """Derive the file download base from the Bot API base (`…/bot` → `…/file/bot`)."""
    base = api_url.rstrip("/")
    head, sep, tail = base.rpartition("/")
    return f"{head}/file/{tail}" if sep else f"{base}/file/bot"


class TelegramRuntime(RuntimeBase):
    """Serve Telegram: commands and buttons in, replies out, and the delivery outlet."""

    name = NAME

    def __init__(
        self,
        settings: Settings,
        services: Services,
        *,
        limits: RateLimits | None = None,
        flood: CommandAllowance | None = None,
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
        if limits is None:
            limits = telegram_rates(settings.telegram_rate, paid_broadcast=settings.telegram_paid_broadcast)
        self.limits = limits
        """The rate limits the delivery engine applies: HERALD_TELEGRAM_RATE over all chats, or
        1,000 messages a second with HERALD_TELEGRAM_PAID_BROADCAST (tests pass scaled ones)."""
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
        self.outlet = TelegramOutlet(
            self._app.bot, photos=photos, fetcher=self._fetcher, redact=self._redact,
            paid_broadcast=settings.telegram_paid_broadcast,
        )
        self._answers = Answers(self._app.bot, services, settings, self._redact)
        handlers = UpdateHandlers(services, self._answers, ChatAdmins(self._app.bot), flood or CommandAllowance())
        handlers.install(self._app)
        self._app.add_error_handler(self._on_error)
        self._admins = [t.channel_id for t in parse_targets(settings.admins) if t.platform == NAME]
        self._webhook_listen = webhook_listen
        self._webhook_check = webhook_check
        self._webhook_watch: asyncio.Task[None] | None = None
        self._webhook_lost = False
        self.webhook: Any = None
        self._connected = False

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
        """Connect (retrying while Telegram is unreachable) and send until `stop`; receive
        updates (long polling or the webhook) while `receiving` is held, so that of several
        replicas only one polls; then disconnect. Return early, with `failure` set, when Telegram
        refuses the token."""
        if not await self._initialize(stop):
            with suppress(Exception):
                await self._app.bot.shutdown()  # the HTTP clients it opened for the attempt
            return
        try:
            await self._app.start()  # handles received updates; sending needs only the bot
            menu = False
            while await self.receiving.wait_held(stop):
                if not menu:
                    await register_menu(self._app.bot, self._services.commands, self._admins, self._redact)
                    await register_panel_button(self._app.bot, self._admins, self._settings.panel_url, self._redact)
                    menu = True
                await self._receive(stop)
                if self._refused.is_set() and not stop.is_set():
                    self._give_up()
                    return
                if not stop.is_set():
                    log.info("telegram: another replica receives updates now; this one only sends")
        except InvalidToken:
            self._give_up()
        finally:
            self._connected = False
            with suppress(Exception):
                if self._app.running:
                    await self._app.stop()
            with suppress(Exception):
                await self._app.shutdown()
            await self._fetcher.close()

    async def _receive(self, stop: asyncio.Event) -> None:
        """Receive updates until `stop`, a refused token, or the receiver role is lost; then
        stop receiving (the polling loop or the webhook server) before returning."""
        webhook = None
        try:
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
            await first_of(stop, self._refused, self.receiving.wait_lost(stop))
        finally:
            self._connected = False
            if self._webhook_watch is not None:
                self._webhook_watch.cancel()
                await asyncio.gather(self._webhook_watch, return_exceptions=True)
                self._webhook_watch = None
            if webhook is not None:
                await webhook.stop()
            with suppress(Exception):
                if self._app.updater and self._app.updater.running:
                    await self._app.updater.stop()

    async def _initialize(self, stop: asyncio.Event) -> bool:
        """Reach the Bot API (getMe), retrying with a growing delay until `stop`; False when
        stopped first or when Telegram refuses the token."""
        backoff = Backoff(*CONNECT_RETRY)
        while not stop.is_set():
            try:
                await self._app.initialize()
                return True
            except InvalidToken:
                self._give_up()
                return False
            except TelegramError as exc:
                delay = backoff.next()
                log.warning("telegram unreachable (%s); retrying in %.0fs", self._redact(str(exc)), delay)
                await pause(stop, delay)
        return False

    async def _watch_webhook(self, stop: asyncio.Event) -> None:
        """In webhook mode, look every `webhook_check` seconds whether Telegram still sends
        updates here: a second process polling with the token deletes the webhook (409s only
        reach that process), one in webhook mode replaces it. Reported, never fought over."""
        wanted = self._settings.telegram_webhook_url
        while not await pause(stop, self._webhook_check):
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

    def _give_up(self) -> None:
        """Record and log (once) that Telegram refuses the token."""
        if self.failure is None:
            self.failure = TOKEN_REFUSED
            log.error("%s; the Telegram platform stops", TOKEN_REFUSED)

    def _on_polling_error(self, exc: TelegramError) -> None:
        if isinstance(exc, Conflict):
            return  # the ApiWatch logs a conflict once per episode, not once per poll
        log.warning("telegram polling failed: %s", self._redact(describe(exc)))

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        exc = context.error
        text = describe(exc) if isinstance(exc, TelegramError) else f"{type(exc).__name__}: {exc}"
        log.error("telegram update failed: %s", self._redact(text))

    # -- what the core may ask ------------------------------------------------------------

    async def check_targets(self, channel_ids: Iterable[str]) -> dict[str, str | None]:
        """Ask Telegram (getChat, getChatMember for the bot) whether the bot may post in each
        configured channel; return channel id → what is missing, or None when it can post."""
        return await targets.check_targets(self._app.bot, channel_ids)

    async def send_direct(self, user_id: str, reply: Reply) -> tuple[str, tuple[int, bool]] | None:
        """Send a reply to one user's private chat (an approval request); see `Answers.send_direct`."""
        return await self._answers.send_direct(user_id, reply)

    async def settle_direct(self, chat_id: str, handle: tuple[int, bool], reply: Reply) -> None:
        """Edit a card sent by `send_direct` to show `reply`, no buttons."""
        await self._answers.settle_direct(chat_id, handle, reply)


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
