"""Sending command answers to Telegram chats, in turns.

Updates are handled concurrently, but the commands of one chat are answered in the order sent:
the chat's next command is taken as soon as this answer's first message is out (`in_order`), and
the rest of a long answer then takes turns with it message by message (`send`), so a second
answer waits for one message, not a whole article. Everything goes through the core's
rate-limited reply path. Approval requests to admins (`send_direct`) and their settled form
(`settle_direct`) are sent here too.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from telegram import Bot

from adapters.telegram.replies import render_reply, settle
from bot.commands.types import Reply
from bot.delivery.errors import DeliveryError
from bot.platform import Services
from bot.request import Request
from bot.settings import Settings

log = logging.getLogger("herald.telegram")

NAME = "telegram"

_REST: ContextVar[list[Request] | None] = ContextVar("herald_telegram_rest", default=None)
"""While a command is answered: where its messages after the first go (sent once the chat's
next command may be taken)."""


class Answers:
    """Send replies to Telegram chats through the core, taking turns per chat."""

    def __init__(self, bot: Bot, services: Services, settings: Settings, redact: Callable[[str], str]) -> None:
        self._bot = bot
        self._services = services
        self._zone = settings.zone
        self._redact = redact
        # By channel id: a chat's, or one forum topic's (`adapters.telegram.targets`).
        self._chat_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._turns: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @property
    def bot_username(self) -> str:
        """The bot's @name without the @ ("" before it is initialised: only lists need it)."""
        try:
            return self._bot.username
        except RuntimeError:
            return ""

    def render(self, reply: Reply) -> list[Request]:
        """Return the messages that show `reply` in a chat."""
        return render_reply(reply, bot_username=self.bot_username, zone=self._zone)

    async def in_order(self, chat_id: str, answer: Callable[[], Awaitable[None]]) -> None:
        """Answer one command of this chat after the chat's earlier ones got their first message;
        the rest of this answer is sent afterwards, in turns (see the module docstring)."""
        rest: list[Request] = []
        token = _REST.set(rest)
        try:
            async with self._chat_locks.setdefault(chat_id, asyncio.Lock()):
                await answer()
        finally:
            _REST.reset(token)
        if rest:
            await self.send(chat_id, rest)

    async def answer(self, chat_id: str, reply: Reply) -> None:
        """Send `reply` to the chat (within `in_order`: only its first message right away)."""
        requests = self.render(reply)
        rest = _REST.get()
        if rest is not None:  # answering a command: the chat's next command may go after the first message
            rest.extend(requests[1:])
            requests = requests[:1]
        if requests:
            await self.send(chat_id, requests)

    async def send(self, chat_id: str, requests: list[Request]) -> None:
        """Send messages to a chat (or a forum topic: `<chat>:<thread>`) one at a time, taking
        turns (first come, first served) with other answers to the same chat. Failures are
        logged, never raised."""
        turn = self._turns.setdefault(chat_id, asyncio.Lock())
        try:
            for request in requests:
                async with turn:
                    await self._services.send_reply(NAME, chat_id, [request])
        except DeliveryError as exc:
            log.warning("reply to telegram:%s not sent: %s", chat_id, self._redact(exc.reason))
        except Exception as exc:  # noqa: BLE001 - its text may carry secrets: keep the type only
            log.error("reply to telegram:%s failed: %s", chat_id, type(exc).__name__)

    async def send_direct(self, user_id: str, reply: Reply) -> tuple[str, tuple[int, bool]] | None:
        """Send a reply (buttons included) to one user's private chat, whose id is the user's id;
        return the chat and (message id, whether a photo) of its first message, for `settle_direct`.

        Raises the core's delivery errors, e.g. when the user never started the bot.
        """
        requests = self.render(reply)
        if not requests:
            return None
        first = await self._services.send_reply(NAME, user_id, requests)
        return (user_id, (int(first), requests[0].method == "sendPhoto")) if first.isdecimal() else None

    async def settle_direct(self, chat_id: str, handle: tuple[int, bool], reply: Reply) -> None:
        """Edit a card sent by `send_direct` (an approval request) to show `reply`, no buttons."""
        message_id, photo = handle
        await self.send(chat_id, [settle(reply, message_id, photo=photo)])
