"""Admins' menu button opens the admin panel inside Telegram (a Mini App), through the real
Telegram runtime against the fake Bot API."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import telegram
from telegram import MenuButtonWebApp, WebAppInfo

from adapters.telegram import platform as telegram_platform
from adapters.telegram.rates import TELEGRAM_RATES
from adapters.telegram.runtime import create_runtime
from bot.app import build
from bot.platform import PlatformSpec
from bot.serve import serve
from bot.settings import Settings
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_limits import FakeLimits
from tests.test_telegram_app import LENIENT, SCALE, until

PANEL = "https://herald.example.org/panel"
FIRST, SECOND, STRANGER = 1001, 1002, 1003


@asynccontextmanager
async def running(tmp_path: Path, chats: tuple[int, ...], **settings: Any) -> AsyncIterator[FakeTelegram]:
    """Start the fake Bot API (with these private chats) and Herald with Telegram."""
    async with FakeTelegram(limits=FakeLimits().scaled(SCALE)) as tg:
        for chat in chats:
            tg.add_chat(chat, type="private")
        content = tmp_path / "content"
        content.mkdir()
        config = Settings(
            _env_file=None, content_dir=content, database_url=f"sqlite:///{tmp_path / 'herald.db'}",
            telegram_token=tg.token, telegram_api_url=tg.base_url, http_port=0, scan_interval=3600, **settings,
        )
        spec = PlatformSpec(
            name="telegram",
            render_summary=telegram_platform.render_summary,
            render_article=telegram_platform.render_article,
            enabled=telegram_platform.enabled,
            create_runtime=lambda s, core: create_runtime(
                s, core, limits=TELEGRAM_RATES.scaled(SCALE), webhook_listen=("127.0.0.1", 0), flood=LENIENT),
        )
        herald = await build(config, platforms={"telegram": spec})
        stop = asyncio.Event()
        task = asyncio.create_task(serve(herald, stop))
        try:
            await until(lambda: herald.runtimes[0].connected or task.done())
            if task.done():
                task.result()
            yield tg
            assert tg.errors == []
        finally:
            stop.set()
            await asyncio.wait_for(task, 20)
            await herald.close()


def calls(tg: FakeTelegram, method: str) -> list[Any]:
    return [r for r in tg.requests if r.method == method]


async def test_each_telegram_admin_gets_a_menu_button_opening_the_panel(tmp_path: Path) -> None:
    admins = (f"telegram:{FIRST}", f"telegram:{SECOND}", "discord:555")
    async with running(tmp_path, (FIRST, SECOND, STRANGER), admins=admins, panel_url=PANEL + "/") as tg:
        await until(lambda: len(tg.menu_buttons) == 2)
        for admin in (FIRST, SECOND):
            assert tg.menu_buttons[admin] == {"type": "web_app", "text": "Admin panel", "web_app": {"url": PANEL}}
        assert STRANGER not in tg.menu_buttons  # readers keep Telegram's default button
        assert [r.status for r in calls(tg, "setChatMenuButton")] == [200, 200]


async def test_an_http_panel_address_sets_no_menu_button(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="herald.telegram")
    async with running(tmp_path, (FIRST,), admins=(f"telegram:{FIRST}",), panel_url="http://127.0.0.1:8080/panel") as tg:
        why = await until(lambda: [r for r in caplog.records if "menu button" in r.getMessage()])
        assert "https" in why[0].getMessage() and len(why) == 1
        assert calls(tg, "setChatMenuButton") == [] and tg.menu_buttons == {}
        # the bot still answers
        tg.command(FIRST, FIRST, "/start")
        await until(lambda: [m for m in tg.sent if m.chat_id == FIRST])


async def test_a_refused_menu_button_does_not_stop_the_bot(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # SECOND never started the bot: Telegram answers 400 "chat not found" for that admin.
    admins = (f"telegram:{SECOND}", f"telegram:{FIRST}")
    async with running(tmp_path, (FIRST,), admins=admins, panel_url=PANEL) as tg:
        await until(lambda: FIRST in tg.menu_buttons)
        refused = calls(tg, "setChatMenuButton")[0]
        assert refused.status == 400 and "chat not found" in refused.description
        assert any("menu button" in r.getMessage() and str(SECOND) in r.getMessage() for r in caplog.records)
        assert tg.token not in caplog.text
        tg.command(FIRST, FIRST, "/start")
        await until(lambda: [m for m in tg.sent if m.chat_id == FIRST])


async def test_the_fake_refuses_menu_buttons_telegram_refuses() -> None:
    async with FakeTelegram() as tg:
        tg.add_chat(FIRST, type="private")
        tg.add_chat(-100, type="supergroup")
        bot = telegram.Bot(tg.token, base_url=tg.base_url)
        async with bot:
            for chat_id, button in (
                (FIRST, MenuButtonWebApp("Admin panel", WebAppInfo("http://herald.example.org/panel"))),
                (FIRST, MenuButtonWebApp("x" * 65, WebAppInfo(PANEL))),
                (FIRST, MenuButtonWebApp("", WebAppInfo(PANEL))),
                (-100, MenuButtonWebApp("Admin panel", WebAppInfo(PANEL))),
                (STRANGER, MenuButtonWebApp("Admin panel", WebAppInfo(PANEL))),
            ):
                with pytest.raises(telegram.error.BadRequest):
                    await bot.set_chat_menu_button(chat_id=chat_id, menu_button=button)
            assert tg.menu_buttons == {}
            await bot.set_chat_menu_button(chat_id=FIRST, menu_button=MenuButtonWebApp("Admin panel", WebAppInfo(PANEL)))
            got = await bot.get_chat_menu_button(chat_id=FIRST)
            assert isinstance(got, MenuButtonWebApp) and got.web_app.url == PANEL
        assert tg.errors == []
