"""Telegram updates in, core calls out: commands and button presses become `Invocation`s, a group
upgraded to a supergroup becomes `Services.channel_moved`.

Only what needs Telegram is done here: parsing the command, whether a command is for this bot,
the per-reader command allowance, asking who administers a chat, and resolving a channel an
admin names from a private chat (`ChatAdmins.lookup`). What is answered is the core's.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import replace

from telegram import Chat, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from adapters.telegram.admins import ChatAdmins
from adapters.telegram.answers import NAME, Answers
from adapters.telegram.replies import edit_reply, settle
from adapters.telegram.targets import channel_names, channel_of
from adapters.telegram.updates import Command, channel_kind, is_chat_ref, parse_command
from bot.commands.channels import CHANNEL_COMMANDS
from bot.commands.dispatch import action_manages
from bot.commands.types import Invocation
from bot.delivery.allowance import CommandAllowance
from bot.platform import Services

log = logging.getLogger("herald.telegram")

ALERT_MAX = 200
"""Telegram's longest callback answer text."""


class UpdateHandlers:
    """Turn updates into core calls and answer them through `Answers`."""

    def __init__(
        self, services: Services, answers: Answers, admins: ChatAdmins, allowance: CommandAllowance
    ) -> None:
        self._services = services
        self._answers = answers
        self._admins = admins
        self._allowance = allowance
        self._specs = {spec.name: spec for spec in services.commands}

    def install(self, app: Application) -> None:
        """Register the handlers on the PTB application."""
        app.add_handler(
            MessageHandler(
                filters.COMMAND & (filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST), self.on_command
            )
        )
        app.add_handler(CallbackQueryHandler(self.on_press))
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self.on_migrate))

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not message.text:
            return
        command = parse_command(message.text, self._answers.bot_username)
        if command is None:
            return
        if command.name not in self._specs and chat.type != "private" and not command.addressed:
            return  # a command for another bot in the group
        user = message.from_user
        sender = user.id if user else (message.sender_chat.id if message.sender_chat else chat.id)
        if not self._allowance.allow(chat.id, sender, group=chat.type != "private"):
            log.info("throttled commands of %s in chat %s", sender, chat.id)
            return
        lang = user.language_code if user else None

        async def answer() -> None:
            await self._command(message, chat, command, sender, lang)

        await self._answers.in_order(channel_of(message), answer)

    async def _command(self, message: Message, chat: Chat, command: Command, sender: int, lang: str | None) -> None:
        where = channel_of(message)  # the chat, or the forum topic the command was sent in
        inv = Invocation(
            platform=NAME,
            channel_id=where,
            channel_kind=channel_kind(chat.type),
            user_id=str(sender),
            command=command.name,
            args=command.args,
            text=message.text or "",
            lang=lang,
            channel_names=channel_names(message),
        )
        if chat.type == "private" and command.name in CHANNEL_COMMANDS and command.args and is_chat_ref(command.args[0]):
            reply = await self._services.manage_channel(inv, self._admins.lookup)
        else:
            admin = await self._is_chat_admin(chat, message, command)
            reply = await self._services.handle(replace(inv, user_is_chat_admin=admin))
        await self._answers.answer(where, reply)

    async def _is_chat_admin(self, chat: Chat, message: Message, command: Command) -> bool | None:
        """Whether the sender administers the chat; asked only for commands that need it."""
        if chat.type == "private":
            return None
        if chat.type == "channel" or (message.sender_chat is not None and message.sender_chat.id == chat.id):
            return True  # only admins post in a channel; an anonymous group admin posts as the group
        spec = self._specs.get(command.name)
        if spec is None or not spec.manages or message.from_user is None:
            return None
        return await self._admins.is_admin(chat.id, message.from_user.id)

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        message = query.message
        chat = message.chat if message is not None else None
        if chat is None or not self._allowance.allow(chat.id, query.from_user.id, group=chat.type != "private"):
            with suppress(TelegramError):
                await query.answer()
            return
        where = channel_of(message) if isinstance(message, Message) else str(chat.id)
        inv = Invocation(
            platform=NAME,
            channel_id=where,
            channel_kind=channel_kind(chat.type),
            user_id=str(query.from_user.id),
            command="",
            lang=query.from_user.language_code,
            channel_names=channel_names(message) if isinstance(message, Message)
            else (f"@{chat.username}",) if chat.username else (),
        )
        action = query.data or ""
        if chat.type != "private" and action_manages(action):
            # Anyone who sees the message may press: ask whether the presser administers the chat.
            inv = replace(inv, user_is_chat_admin=await self._admins.is_admin(chat.id, query.from_user.id))
        reply = await self._services.handle_action(inv, action)
        if reply.error or (reply.ephemeral and not reply.items):
            with suppress(TelegramError):
                await query.answer(text=reply.text[:ALERT_MAX], show_alert=True)
            return
        with suppress(TelegramError):
            await query.answer()
        edit = None
        if reply.settles and isinstance(message, Message):
            edit = settle(reply, message.message_id, photo=message.text is None)
        elif isinstance(message, Message) and message.text is not None:
            edit = edit_reply(reply, message.message_id, bot_username=self._answers.bot_username,
                              zone=self._services.settings.zone)
        if edit is not None:
            await self._answers.send(where, [edit])
        else:
            await self._answers.answer(where, reply)

    async def on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup: the core moves its subscription (and pending deliveries)
        to the new id now, as the outbox does when a send is refused with the new id."""
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
