"""The command menu Telegram shows: the core's public commands for everyone, in English and
Chinese, and every command in configured admins' private chats; and admins' menu button, which
opens the admin panel as a Mini App when the panel has an https address."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress

from telegram import Bot, BotCommand, BotCommandScopeChat, MenuButtonWebApp, WebAppInfo
from telegram.error import TelegramError

from bot.commands import CommandSpec
from bot.commands.i18n import Lang, message

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


async def register_panel_button(
    bot: Bot, admins: Iterable[str], panel_url: str | None, redact: Callable[[str], str]
) -> None:
    """Give each admin's private chat a menu button opening the panel (HERALD_PANEL_URL) inside
    Telegram; Telegram opens only https pages, so with another address (or none) set nothing.
    A failure is logged: the admin can still send /panel."""
    if not panel_url or not panel_url.lower().startswith("https://"):
        log.info("telegram: no panel menu button for admins: HERALD_PANEL_URL is not an https address")
        return
    button = MenuButtonWebApp(message("panel.menu_button", "en"), WebAppInfo(panel_url))
    for admin in admins:
        if not admin.isdecimal():  # a user's private chat: positive ids only
            continue
        try:
            await bot.set_chat_menu_button(chat_id=int(admin), menu_button=button)
        except TelegramError as exc:
            log.warning("could not set the panel menu button for admin %s: %s", admin, redact(str(exc)))
