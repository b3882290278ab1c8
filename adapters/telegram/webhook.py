"""Webhook mode: Telegram POSTs updates to HERALD_TELEGRAM_WEBHOOK_URL; a small aiohttp server
checks the secret token header and feeds them to the PTB application.

The secret is derived from the bot token (a keyed hash), so it is stable across restarts, never
configured separately and never logged. Behind a reverse proxy, the proxy forwards the URL's path
to `listen` (default 0.0.0.0:8443).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.settings import Settings

log = logging.getLogger("herald.telegram.webhook")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_LISTEN = ("0.0.0.0", 8443)


def webhook_secret(token: str) -> str:
    """Return the secret token Telegram sends back with every update (1–256 of A-Za-z0-9_-)."""
    return hmac.new(token.encode(), b"herald-telegram-webhook", hashlib.sha256).hexdigest()


class WebhookServer:
    """Receive updates over HTTP and queue them for the application."""

    def __init__(
        self,
        app: Application,
        settings: Settings,
        redact: Callable[[str], str],
        *,
        listen: tuple[str, int] = DEFAULT_LISTEN,
    ) -> None:
        if not settings.telegram_webhook_url or settings.telegram_token is None:
            raise ValueError("webhook mode needs HERALD_TELEGRAM_WEBHOOK_URL and a token")
        self._app = app
        self._url = settings.telegram_webhook_url
        self._secret = webhook_secret(settings.telegram_token.get_secret_value())
        self._redact = redact
        self._listen = listen
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        """Serve the webhook path, then tell Telegram where to send updates."""
        server = web.Application(client_max_size=1024 * 1024)
        server.router.add_post(urlsplit(self._url).path or "/", self._receive)
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, *self._listen)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self._listen[1]
        await self._app.bot.set_webhook(
            url=self._url,
            secret_token=self._secret,
            allowed_updates=["message", "channel_post", "callback_query"],
        )
        log.info("telegram webhook listening on %s:%s", self._listen[0], self.port)

    async def stop(self) -> None:
        """Stop serving (the webhook stays set: Telegram keeps updates until we are back)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            log.warning("webhook request without the right secret token from %s", request.remote)
            return web.Response(status=403)
        try:
            data = await request.json()
            update = Update.de_json(data, self._app.bot)
        except Exception as exc:  # noqa: BLE001 - a malformed body must not reach the bot
            log.warning("unreadable webhook update: %s", type(exc).__name__)
            return web.Response(status=400)
        if update is not None:
            await self._app.update_queue.put(update)
        return web.Response(status=200)
