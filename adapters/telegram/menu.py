"""The command menu Telegram shows: the core's public commands for everyone, in English and
Chinese, and every command in configured admins' private chats."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.commands import CommandSpec
from bot.commands.i18n import Lang

log = logging.getLogger("herald.telegram")

MENU_LANGS: tuple[Lang, ...] = ("en", "zh")
"""Menu languages: English for every client, Chinese (`language_code="zh"`) for Chinese ones."""
DESCRIPTION_MAX = 256
"""Telegram's longest command description."""


def _menu(specs: Iterable[CommandSpec], lang: Lang) -> list[BotCommand]:
    return [BotCommand(spec.name, spec.description(lang)[:DESCRIPTION_MAX]) for spec in specs]


async def register_menu(
    bot: Bot, specs: Sequence[CommandSpec], admins: Iterable[str], redact: Callable[[str], str]
) -> None:
    """Set the menus; a failure is logged (commands still work when typed)."""
    public = [spec for spec in specs if not spec.admin_only]
    try:
        for lang in MENU_LANGS:
            await bot.set_my_commands(_menu(public, lang), language_code=None if lang == "en" else lang)
    except TelegramError as exc:
        log.warning("could not register the command menu: %s", redact(str(exc)))
    menus = {lang: _menu(specs, lang) for lang in MENU_LANGS}
    for admin in admins:
        if admin.lstrip("-").isdecimal():
            with suppress(TelegramError):  # the admin may not have started the bot yet
                scope = BotCommandScopeChat(int(admin))
                await bot.set_my_commands(menus["en"], scope=scope)
                await bot.set_my_commands(menus["zh"], scope=scope, language_code="zh")
