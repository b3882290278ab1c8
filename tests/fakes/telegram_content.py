"""What the fake Bot API checks in a message before accepting it: text, caption, keyboard, commands.

Limits from core.telegram.org/bots/api: text 1–4096 characters after entity parsing, caption
0–1024, callback_data 1–64 bytes, an inline button has exactly one action, bot commands are
1–32 of `a-z0-9_` with a 1–256 character description, at most 100 of them. Lengths are counted
in UTF-16 units (stricter than Telegram's code points, and what PLATFORM-FACTS tells Herald to do).
"""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.telegram_html import EntityParseError, ParsedText, parse_html
from tests.fakes.telegram_state import ApiError, bad_request

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_BUTTONS = 100
MAX_COMMANDS = 100
BUTTON_ACTIONS = frozenset(
    {
        "url", "callback_data", "web_app", "login_url", "switch_inline_query",
        "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
        "callback_game", "pay",
    }
)
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
SCOPE_FIELDS = {
    "default": (), "all_private_chats": (), "all_group_chats": (), "all_chat_administrators": (),
    "chat": ("chat_id",), "chat_administrators": ("chat_id",), "chat_member": ("chat_id", "user_id"),
}
_LANGUAGE = re.compile(r"[a-z]{2}")
_URL = re.compile(r"(?:(?:https?|tg|ton)://)?[^\s/]+\.[^\s/]+(?:/\S*)?|tg://\S+", re.IGNORECASE)


def utf16_len(text: str) -> int:
    """Return the length of `text` in UTF-16 code units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def parse_text(text: str | None, parse_mode: str | None, *, caption: bool = False) -> ParsedText:
    """Return what the recipient sees, or raise the 400 Telegram gives for this text or caption."""
    source = text or ""
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            parsed = parse_html(source)
        except EntityParseError as err:
            raise ApiError(400, str(err)) from None
    elif mode in ("", "markdown", "markdownv2"):
        # Markdown is not parsed: Herald renders HTML. The raw text stands in for the parsed one.
        parsed = ParsedText(source)
    else:
        raise bad_request("unsupported parse_mode")
    visible = parsed.text.strip()
    if caption:
        if utf16_len(visible) > MAX_CAPTION:
            raise bad_request("message caption is too long")
    else:
        if not visible:
            raise bad_request("message text is empty")
        if utf16_len(visible) > MAX_TEXT:
            raise bad_request("message is too long")
    return parsed


def check_reply_markup(markup: Any) -> dict[str, Any] | None:
    """Return the reply markup if Telegram would accept it, else raise its 400."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return markup  # reply keyboards, remove_keyboard and force_reply: accepted as sent
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    for row in rows:
        for button in row:
            _check_button(button)
    return markup


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
    actions = BUTTON_ACTIONS.intersection(button)
    if not actions:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        # Telegram's wording for this case is undocumented; the fake only needs to refuse it.
        raise bad_request("can't parse inline keyboard button: exactly one of the optional fields must be used")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not _URL.fullmatch(url):
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def check_commands(commands: Any) -> list[dict[str, str]]:
    """Return the bot commands if Telegram would accept them, else raise its 400."""
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    result = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand: expected an Object")
        name, description = command.get("command"), command.get("description")
        if not isinstance(name, str) or not COMMAND_NAME.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        result.append({"command": name, "description": description})
    return result


def check_scope(scope: Any) -> dict[str, Any]:
    """Return the command scope (default when absent) if well formed, else raise its 400."""
    if scope is None:
        return {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in SCOPE_FIELDS:
        raise bad_request("can't parse BotCommandScope: unsupported scope type")
    for name in SCOPE_FIELDS[scope["type"]]:
        if scope.get(name) in (None, ""):
            raise bad_request(f"can't parse BotCommandScope: field \"{name}\" must be specified")
    return scope


def check_language(code: str | None) -> str:
    """Return the language code ("" for all languages) if it is a two-letter ISO 639-1 code."""
    if not code:
        return ""
    if not _LANGUAGE.fullmatch(code):
        raise bad_request("invalid language code specified")
    return code
