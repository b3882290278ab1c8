"""Discord's validation rules for the fake Discord server: limits, error bodies, and the
checks Discord applies to message payloads and application command definitions."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# Discord's locales (https://discord.com/developers/docs/reference#locales).
LOCALES = frozenset(
    ["id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl", "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th", "zh-CN", "ja", "zh-TW", "ko"]
)
# Where the server keeps a request's parsed body: JSON (or `payload_json`) and uploaded files.
BODY = web.RequestKey("discord_body", object)
FILES = web.RequestKey("discord_files", dict)
_SUBCOMMAND_TYPES = (1, 2)
_CHOICE_TYPES = (3, 4, 10)


@dataclass(frozen=True)
class DiscordLimits:
    """Discord's documented limits; a test may lower one to exercise the caller's fitting."""

    content: int = 2000
    embeds: int = 10
    embed_title: int = 256
    embed_description: int = 4096
    embed_fields: int = 25
    field_name: int = 256
    field_value: int = 1024
    footer_text: int = 2048
    author_name: int = 256
    embed_total: int = 6000
    attachments: int = 10
    file_size: int = 10 * 1024 * 1024
    nonce: int = 25
    command_name: int = 32
    command_description: int = 100
    command_options: int = 25
    command_choices: int = 25
    chat_commands: int = 100
    autocomplete_choices: int = 25


class ApiError(Exception):
    """An error answer of the fake: HTTP status plus Discord's JSON error body."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None):
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.body: dict[str, Any] = {"code": code, "message": message}
        if errors:
            self.body["errors"] = errors


@dataclass
class FormErrors:
    """Collects field errors and nests them the way Discord's 50035 body does."""

    tree: dict[str, Any] = field(default_factory=dict)

    def add(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        """Record one error at a path such as ("embeds", 0, "title")."""
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def raise_if_any(self) -> None:
        """Raise 400 50035 Invalid Form Body when any error was recorded."""
        if self.tree:
            raise ApiError(400, 50035, "Invalid Form Body", self.tree)


def _max_length(errors: FormErrors, path: tuple[str | int, ...], value: Any, limit: int) -> None:
    if isinstance(value, str) and len(value) > limit:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _required_text(errors: FormErrors, path: tuple[str | int, ...], value: Any, limit: int) -> None:
    if not isinstance(value, str) or not value:
        errors.add(path, "BASE_TYPE_REQUIRED", "This field is required")
    else:
        _max_length(errors, path, value, limit)


def _check_url(errors: FormErrors, path: tuple[str | int, ...], url: Any, files: frozenset[str]) -> None:
    if url is None:
        return
    if not isinstance(url, str) or not url.startswith(("http://", "https://", "attachment://")):
        errors.add(path, "URL_TYPE_INVALID_URL", "Not a well formed URL.")
    elif url.startswith("attachment://") and url.removeprefix("attachment://") not in files:
        # Stricter than Discord, which shows an empty image: a dangling reference is a bug.
        errors.add(path, "URL_TYPE_INVALID_ATTACHMENT", f"No file named {url!r} was uploaded.")


def embed_text_length(embed: Mapping[str, Any]) -> int:
    """Count the characters Discord adds up against the 6000 total for one embed."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    for item in embed.get("fields") or []:
        total += len(item.get("name") or "") + len(item.get("value") or "")
    return total


def _too_many(errors: FormErrors, path: tuple[str | int, ...], items: Any, limit: int) -> None:
    if isinstance(items, list) and len(items) > limit:
        errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _check_embed(
    errors: FormErrors, index: int, embed: Any, limits: DiscordLimits, files: frozenset[str]
) -> None:
    at = ("embeds", index)
    if not isinstance(embed, dict):
        errors.add(at, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    _max_length(errors, (*at, "title"), embed.get("title"), limits.embed_title)
    _max_length(errors, (*at, "description"), embed.get("description"), limits.embed_description)
    _check_url(errors, (*at, "url"), embed.get("url"), files)
    fields = embed.get("fields") or []
    _too_many(errors, (*at, "fields"), fields, limits.embed_fields)
    for number, item in enumerate(fields):
        _required_text(errors, (*at, "fields", number, "name"), item.get("name"), limits.field_name)
        _required_text(errors, (*at, "fields", number, "value"), item.get("value"), limits.field_value)
    footer, author = embed.get("footer") or {}, embed.get("author") or {}
    if footer:
        _required_text(errors, (*at, "footer", "text"), footer.get("text"), limits.footer_text)
        _check_url(errors, (*at, "footer", "icon_url"), footer.get("icon_url"), files)
    if author:
        _required_text(errors, (*at, "author", "name"), author.get("name"), limits.author_name)
        _check_url(errors, (*at, "author", "url"), author.get("url"), files)
        _check_url(errors, (*at, "author", "icon_url"), author.get("icon_url"), files)
    for key in ("image", "thumbnail"):
        if embed.get(key):
            _check_url(errors, (*at, key, "url"), embed[key].get("url"), files)


def check_message(payload: Any, files: Mapping[str, bytes], limits: DiscordLimits) -> None:
    """Raise the ApiError Discord answers for an invalid create/edit message payload."""
    if not isinstance(payload, dict):
        raise ApiError(400, 50109, "The request body contains invalid JSON.")
    errors = FormErrors()
    content = payload.get("content")
    if content is not None and not isinstance(content, str):
        errors.add(("content",), "BASE_TYPE_STRING", "Must be a string.")
    _max_length(errors, ("content",), content, limits.content)
    embeds = payload.get("embeds") or []
    _too_many(errors, ("embeds",), embeds, limits.embeds)
    names = frozenset(files)
    for index, embed in enumerate(embeds):
        _check_embed(errors, index, embed, limits, names)
    if sum(embed_text_length(e) for e in embeds if isinstance(e, dict)) > limits.embed_total:
        message = f"Embed size exceeds maximum size of {limits.embed_total}"
        errors.add(("embeds",), "MAX_EMBED_SIZE_EXCEEDED", message)
    nonce = payload.get("nonce")
    if nonce is not None and len(str(nonce)) > limits.nonce:
        errors.add(("nonce",), "BASE_TYPE_MAX_LENGTH", f"Must be {limits.nonce} or fewer in length.")
    _too_many(errors, ("files",), list(files), limits.attachments)
    errors.raise_if_any()
    if any(len(data) > limits.file_size for data in files.values()):
        raise ApiError(413, 40005, "Request entity too large")


def check_new_message(payload: dict[str, Any], files: Mapping[str, bytes], limits: DiscordLimits) -> None:
    """Check a new message: valid, and not empty (Discord's 50006)."""
    check_message(payload, files, limits)
    parts = ("content", "embeds", "sticker_ids", "components", "poll")
    if not files and not any(payload.get(key) for key in parts):
        raise ApiError(400, 50006, "Cannot send an empty message")


def _valid_name_char(char: str) -> bool:
    if char in "-_" or unicodedata.category(char)[0] in "LN":
        return char.lower() == char
    # Discord's pattern also admits the Devanagari and Thai scripts, combining marks included.
    return unicodedata.name(char, "").startswith(("DEVANAGARI", "THAI"))


def _check_name(errors: FormErrors, path: tuple[str | int, ...], name: Any, limit: int, chat: bool) -> None:
    if not isinstance(name, str) or not 1 <= len(name) <= limit:
        errors.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {limit} in length.")
    elif chat and not all(_valid_name_char(c) for c in name):
        errors.add(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")


def _check_localized(
    errors: FormErrors, path: tuple[str | int, ...], item: Mapping[str, Any], key: str, check: Any
) -> None:
    at, mapping = (*path, f"{key}_localizations"), item.get(f"{key}_localizations")
    if mapping is None:
        return
    if not isinstance(mapping, dict):
        errors.add(at, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        return
    for locale, text in mapping.items():
        if locale not in LOCALES:
            errors.add((*at, locale), "LOCALE_INVALID", f"Invalid locale {locale!r}")
        else:
            check((*at, locale), text)


def _check_description(errors: FormErrors, path: tuple[str | int, ...], text: Any, limit: int) -> None:
    if not isinstance(text, str) or not 1 <= len(text) <= limit:
        errors.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {limit} in length.")


def _check_options(
    errors: FormErrors, path: tuple[str | int, ...], options: Any, limits: DiscordLimits
) -> None:
    if not options:
        return
    _too_many(errors, path, options, limits.command_options)
    seen: set[str] = set()
    optional_seen = False
    for index, option in enumerate(options):
        at = (*path, index)
        _check_named(errors, at, option, limits, chat=True)
        if option.get("name") in seen:
            code = "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS"
            errors.add((*at, "name"), code, "Option names must be unique")
        seen.add(option.get("name"))
        if option.get("required"):
            if optional_seen:
                message = "Required options must be placed before non-required options"
                errors.add(at, "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", message)
        else:
            optional_seen = True
        if option.get("type") in _SUBCOMMAND_TYPES:
            _check_options(errors, (*at, "options"), option.get("options"), limits)
        choices = option.get("choices") or []
        if choices and (option.get("type") not in _CHOICE_TYPES or option.get("autocomplete")):
            code = "APPLICATION_COMMAND_OPTION_CHOICES_INVALID"
            errors.add((*at, "choices"), code, "Choices are not allowed here")
        _too_many(errors, (*at, "choices"), choices, limits.command_choices)
        for number, choice in enumerate(choices):
            _check_description(errors, (*at, "choices", number, "name"), choice.get("name"), 100)
            _max_length(errors, (*at, "choices", number, "value"), choice.get("value"), 100)


def _check_named(
    errors: FormErrors, at: tuple[str | int, ...], item: Mapping[str, Any], limits: DiscordLimits, chat: bool
) -> None:
    """Check name, description and their localizations of a command or option."""
    limit, width = limits.command_name, limits.command_description
    _check_name(errors, (*at, "name"), item.get("name"), limit, chat)
    _check_localized(errors, at, item, "name",
                     lambda path, text: _check_name(errors, path, text, limit, chat))
    if chat:
        _check_description(errors, (*at, "description"), item.get("description"), width)
        _check_localized(errors, at, item, "description",
                         lambda path, text: _check_description(errors, path, text, width))
    elif item.get("description"):
        code = "APPLICATION_COMMAND_DESCRIPTION_INVALID"
        errors.add((*at, "description"), code, "Description must be empty")


def check_commands(commands: Any, limits: DiscordLimits) -> None:
    """Raise the ApiError Discord answers for an invalid bulk command overwrite."""
    if not isinstance(commands, list):
        errors = FormErrors()
        errors.add((), "LIST_TYPE_CONVERT", "Must be an array.")
        errors.raise_if_any()
    errors = FormErrors()
    seen: set[tuple[int, str]] = set()
    for index, command in enumerate(commands):
        if not isinstance(command, dict):
            errors.add((index,), "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            continue
        kind = command.get("type", 1)
        _check_named(errors, (index,), command, limits, chat=kind == 1)
        if (kind, command.get("name")) in seen:
            code = "APPLICATION_COMMANDS_DUPLICATE_NAME"
            errors.add((index, "name"), code, "Application command names must be unique")
        seen.add((kind, command.get("name")))
        _check_options(errors, (index, "options"), command.get("options"), limits)
    if sum(1 for c in commands if isinstance(c, dict) and c.get("type", 1) == 1) > limits.chat_commands:
        message = f"Maximum number of application commands reached ({limits.chat_commands})"
        errors.add((), "APPLICATION_COMMANDS_TOO_MANY", message)
    errors.raise_if_any()


def check_autocomplete(data: Any, limits: DiscordLimits) -> None:
    """Raise 50035 when an autocomplete result has too many or malformed choices."""
    errors = FormErrors()
    choices = (data or {}).get("choices")
    if not isinstance(choices, list):
        errors.add(("data", "choices"), "BASE_TYPE_REQUIRED", "This field is required")
    else:
        _too_many(errors, ("data", "choices"), choices, limits.autocomplete_choices)
        for number, choice in enumerate(choices):
            _check_description(errors, ("data", "choices", number, "name"), choice.get("name"), 100)
    errors.raise_if_any()
