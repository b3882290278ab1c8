"""The fake Bot API's chat menu button: setChatMenuButton and getChatMenuButton.

Telegram keeps one menu button per private chat (and a default one without chat_id): `commands`,
`default`, or `web_app` with a text and an https page (Mini Apps open only over https).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.fakes.telegram_params import Params
from tests.fakes.telegram_state import bad_request

if TYPE_CHECKING:
    from tests.fakes.telegram_api import FakeTelegram

DEFAULT_KEY = 0
"""`menu_buttons` key of the button for chats without their own (setChatMenuButton without chat_id)."""
TEXT_MAX = 64
"""Longest button text the fake takes (the Bot API documents none; Telegram's clients cut longer ones)."""
URL_MAX = 2048


def check_menu_button(value: Any) -> dict[str, Any]:
    """Return a MenuButton as Telegram stores it, or answer 400 like Telegram."""
    if value is None:
        return {"type": "default"}
    if not isinstance(value, dict):
        raise bad_request("can't parse menu button JSON object")
    kind = value.get("type")
    if kind in ("commands", "default"):
        return {"type": kind}
    if kind != "web_app":
        raise bad_request("unsupported menu button type")
    text = value.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("menu button text is empty")
    if len(text) > TEXT_MAX:
        raise bad_request("menu button text is too long")
    web_app = value.get("web_app")
    url = web_app.get("url") if isinstance(web_app, dict) else None
    if not isinstance(url, str) or not url:
        raise bad_request("menu button web app URL is empty")
    if len(url) > URL_MAX or not url.lower().startswith("https://"):
        raise bad_request("BUTTON_URL_INVALID")
    return {"type": "web_app", "text": text, "web_app": {"url": url}}


def _key(fake: FakeTelegram, p: Params) -> int:
    if not p.has("chat_id"):
        return DEFAULT_KEY
    chat = fake.resolve_chat(p)
    if chat.type != "private":
        raise bad_request("chat_id must be a private chat")
    return chat.id


async def set_chat_menu_button(fake: FakeTelegram, p: Params) -> bool:
    """Answer setChatMenuButton: record the button in `fake.menu_buttons[chat_id]`."""
    key = _key(fake, p)
    fake.menu_buttons[key] = check_menu_button(p.structured("menu_button"))
    return True


async def get_chat_menu_button(fake: FakeTelegram, p: Params) -> dict[str, Any]:
    """Answer getChatMenuButton: the chat's button, else the default one."""
    key = _key(fake, p)
    return dict(fake.menu_buttons.get(key) or fake.menu_buttons.get(DEFAULT_KEY) or {"type": "commands"})
