"""Slash command definitions generated from the core's command table, as the JSON Discord's
bulk-overwrite endpoint takes, and the reverse: an interaction's options back into the
positional arguments the core expects.

Pure: no discord.py import, so the payloads (and their fingerprint) are testable on their own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.commands import CommandSpec
from bot.commands.i18n import Lang, message
from bot.commands.table import OptionSpec

# Discord option types (discord.com/developers/docs/interactions/application-commands).
STRING, INTEGER, BOOLEAN = 3, 4, 5
CHAT_INPUT = 1
GUILD, BOT_DM = 0, 1
GUILD_INSTALL = 0
MANAGE_CHANNELS = 1 << 4
DESCRIPTION_MAX = 100
"""Command and option descriptions are 1–100 characters."""
LOCALES: tuple[tuple[str, Lang], ...] = (("zh-CN", "zh"), ("zh-TW", "zh-Hant"))
"""Discord locales the descriptions are translated for, and the catalogue language of each."""
PUBLIC_OPTION = "public"
"""Adapter-only option on reader commands: show the answer to the whole channel."""


def _text(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= DESCRIPTION_MAX else text[: DESCRIPTION_MAX - 1] + "…"


def _described(describe: Callable[[Lang], str]) -> dict[str, Any]:
    """Return the description in English and its translations (those that differ from it)."""
    en = describe("en")
    payload: dict[str, Any] = {"description": _text(en)}
    translated = {locale: _text(describe(lang)) for locale, lang in LOCALES}
    translated = {locale: text for locale, text in translated.items() if text and text != _text(en)}
    if translated:
        payload["description_localizations"] = translated
    return payload


def _public_text(lang: Lang) -> str:
    return message("discord.option.public", lang)


def _option(option: OptionSpec) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": INTEGER if option.type is int else STRING,
        "name": option.name,
        **_described(option.description),
        "required": option.required,
    }
    if option.type is int:
        payload["min_value"] = 1
    if option.autocomplete:
        payload["autocomplete"] = True
    return payload


def has_public_option(spec: CommandSpec) -> bool:
    """Tell whether the command answers privately unless asked (`public: True`)."""
    return not spec.manages and not spec.admin_only


def command_payload(spec: CommandSpec) -> dict[str, Any]:
    """Return one command's definition: name, descriptions (English, Simplified Chinese for
    zh-CN, Traditional for zh-TW), typed options."""
    options = [_option(option) for option in spec.options]
    if has_public_option(spec):
        options.append({"type": BOOLEAN, "name": PUBLIC_OPTION, **_described(_public_text), "required": False})
    payload: dict[str, Any] = {
        "type": CHAT_INPUT,
        "name": spec.name,
        **_described(spec.description),
        "options": options,
        "contexts": [GUILD, BOT_DM],
        "integration_types": [GUILD_INSTALL],
    }
    if spec.manages:
        # Only a hint server admins can change; the adapter checks Manage Channels at run time.
        payload["default_member_permissions"] = str(MANAGE_CHANNELS)
    return payload


def command_payloads(specs: Sequence[CommandSpec]) -> list[dict[str, Any]]:
    """Return the definitions of every command, in table order."""
    return [command_payload(spec) for spec in specs]


def fingerprint(payloads: Sequence[Mapping[str, Any]]) -> str:
    """Return a stable hash of the definitions: unchanged hash, no re-sync."""
    canonical = json.dumps(list(payloads), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def invocation_args(spec: CommandSpec, options: Mapping[str, Any]) -> tuple[str, ...]:
    """Return the given option values as positional arguments, in the table's order."""
    args: list[str] = []
    for option in spec.options:
        value = options.get(option.name)
        if value is None or value == "":
            continue
        args.append(str(value))
    return tuple(args)


def option_values(data: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Return an interaction's option values by name, and the focused option's name if any."""
    values: dict[str, Any] = {}
    focused: str | None = None
    for option in data.get("options") or ():
        values[option["name"]] = option.get("value")
        if option.get("focused"):
            focused = option["name"]
    return values, focused
