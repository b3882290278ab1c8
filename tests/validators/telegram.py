"""Check Telegram Bot API calls the way the Bot API does (PLATFORM-FACTS.md, Telegram section).

Lengths are counted on the *parsed* text (tags removed, entities decoded) in UTF-16 units,
the safe reading of "1–4096 characters after entity parsing". Written independently of the
renderer: no adapter constants are imported here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ENTITY_LIMIT = 100
CALLBACK_DATA_BYTES = 64

TEXT_METHODS = {"sendMessage", "editMessageText"}
CAPTION_METHODS = {
    "sendPhoto", "sendVideo", "sendAnimation", "sendDocument", "sendAudio", "sendVoice",
    "editMessageCaption",
}
MEDIA_FIELDS = {"sendPhoto": "photo", "sendVideo": "video", "sendAnimation": "animation",
                "sendDocument": "document", "sendAudio": "audio", "sendVoice": "voice"}

# tag → attributes it may carry (Telegram's whole HTML set).
ALLOWED_TAGS: dict[str, set[str]] = {
    "b": set(), "strong": set(), "i": set(), "em": set(), "u": set(), "ins": set(),
    "s": set(), "strike": set(), "del": set(), "tg-spoiler": set(), "pre": set(),
    "span": {"class"}, "a": {"href"}, "tg-emoji": {"emoji-id"}, "code": {"class"},
    "blockquote": {"expandable"}, "tg-time": {"unix", "format"},
}
REQUIRED_ATTRS = {"span": "class", "a": "href", "tg-emoji": "emoji-id", "tg-time": "unix"}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
BAD_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#[0-9]+|#[xX][0-9a-fA-F]+);)")
BUTTON_ACTIONS = {
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
}
PREVIEW_KEYS = {"is_disabled", "url", "prefer_small_media", "prefer_large_media", "show_above_text"}


def utf16_units(text: str) -> int:
    """Return the length of `text` in UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _is_web_url(value: object, schemes: tuple[str, ...] = ("http", "https")) -> bool:
    if not isinstance(value, str) or not value or any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in schemes and (bool(parts.netloc) or parts.scheme == "tg")


class _TelegramHTML(HTMLParser):
    """Walk HTML the way Telegram's entity parser does, collecting errors and the plain text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.errors: list[str] = []
        self.stack: list[str] = []
        self.text: list[str] = []
        self.entities = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"unsupported tag <{tag}>")
        else:
            self._check_attrs(tag, dict(attrs))
        if any(open_tag in ("code", "pre") for open_tag in self.stack):
            if not (tag == "code" and self.stack[-1] == "pre"):
                self.errors.append(f"<{tag}> inside code/pre")
        if tag == "blockquote" and "blockquote" in self.stack:
            self.errors.append("nested <blockquote>")
        if tag == "a" and "a" in self.stack:
            self.errors.append("nested <a>")
        self.stack.append(tag)
        self.entities += 1

    def _check_attrs(self, tag: str, attrs: dict[str, str | None]) -> None:
        for name in attrs:
            if name not in ALLOWED_TAGS[tag]:
                self.errors.append(f"attribute {name!r} not allowed on <{tag}>")
        required = REQUIRED_ATTRS.get(tag)
        if required and not attrs.get(required):
            self.errors.append(f"<{tag}> needs {required}")
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            self.errors.append('<span> must be class="tg-spoiler"')
        if tag == "a" and attrs.get("href") and not _is_web_url(attrs["href"], ("http", "https", "tg")):
            self.errors.append(f"bad href {attrs['href']!r}")
        if tag == "code" and "class" in attrs:
            if not (self.stack and self.stack[-1] == "pre" and (attrs["class"] or "").startswith("language-")):
                self.errors.append('<code class> only as <pre><code class="language-x">')

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.errors.append(f"self-closing tag <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
            return
        self.errors.append(f"unexpected </{tag}> (open: {self.stack})")
        if tag in self.stack:
            del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag):]

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            self.errors.append(f"bare < or > in text near {data[:30]!r}")
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in NAMED_ENTITIES:
            self.errors.append(f"unsupported entity &{name};")
        self.text.append(NAMED_ENTITIES.get(name, "?"))

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in "xX" else int(name)
            self.text.append(chr(code))
        except (ValueError, OverflowError):
            self.errors.append(f"bad character reference &#{name};")

    def handle_comment(self, data: str) -> None:
        self.errors.append("HTML comment")

    def handle_decl(self, decl: str) -> None:
        self.errors.append(f"declaration <!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.errors.append("processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.errors.append(f"unknown declaration {data[:30]!r}")


def _parse(html: str) -> _TelegramHTML:
    parser = _TelegramHTML()
    if BAD_AMPERSAND.search(html):
        parser.errors.append("bare & or unsupported entity (only &lt; &gt; &amp; &quot; and numeric)")
    parser.feed(html)
    parser.close()
    if parser.stack:
        parser.errors.append(f"unclosed tags {parser.stack}")
    return parser


def telegram_plain_text(html: str) -> str:
    """Return the text Telegram shows for `html` (tags removed, entities decoded)."""
    return "".join(_parse(html).text)


def validate_telegram_html(html: str, limit: int, *, required: bool) -> list[str]:
    """Return what is wrong with `html` as a parse_mode=HTML text or caption of ≤ `limit` units."""
    parser = _parse(html)
    errors = list(parser.errors)
    text = "".join(parser.text)
    errors += _check_length(text, limit, required)
    if parser.entities > ENTITY_LIMIT:
        errors.append(f"{parser.entities} entities > {ENTITY_LIMIT}")
    return errors


def _check_length(text: str, limit: int, required: bool) -> list[str]:
    errors = []
    size = utf16_units(text)
    if size > limit:
        errors.append(f"text is {size} UTF-16 units > {limit}")
    if required and not text.strip():
        errors.append("text is empty")
    return errors


def _decoded(value: Any) -> Any:
    """Return a JSON-serialised field (as multipart forms carry it) decoded."""
    if isinstance(value, (str, bytes)):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _check_keyboard(markup: Any) -> list[str]:
    if not isinstance(markup, Mapping):
        return ["reply_markup is not an object"]
    if not {"inline_keyboard", "keyboard", "remove_keyboard", "force_reply"} & markup.keys():
        return ["reply_markup has no keyboard"]
    rows = markup.get("inline_keyboard")
    if rows is None:
        return []
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        return ["inline_keyboard must be a list of rows"]
    errors: list[str] = []
    for button in (button for row in rows for button in row):
        if not isinstance(button, Mapping) or not isinstance(button.get("text"), str) or not button["text"]:
            errors.append(f"button without text: {button!r}")
            continue
        actions = BUTTON_ACTIONS & button.keys()
        if len(actions) != 1:
            errors.append(f"button {button['text']!r} needs exactly one action, has {sorted(actions)}")
        if "url" in button and not _is_web_url(button["url"], ("http", "https", "tg")):
            errors.append(f"button url {button['url']!r} is not http(s)/tg")
        if "callback_data" in button:
            data = button["callback_data"]
            size = len(data.encode("utf-8")) if isinstance(data, str) else -1
            if not 1 <= size <= CALLBACK_DATA_BYTES:
                errors.append(f"callback_data must be 1–{CALLBACK_DATA_BYTES} bytes")
    return errors


def _check_preview(options: Any) -> list[str]:
    if not isinstance(options, Mapping):
        return ["link_preview_options is not an object"]
    errors = [f"unknown link_preview_options key {key!r}" for key in options.keys() - PREVIEW_KEYS]
    errors += [f"{key} must be a boolean" for key in options.keys() & PREVIEW_KEYS - {"url"}
               if not isinstance(options[key], bool)]
    if "url" in options and not _is_web_url(options["url"]):
        errors.append("link_preview_options.url is not http(s)")
    if options.get("prefer_small_media") and options.get("prefer_large_media"):
        errors.append("prefer_small_media and prefer_large_media together")
    return errors


def _check_media(value: Any, files: set[str]) -> list[str]:
    if not isinstance(value, str):
        return []  # an uploaded file
    if value.startswith("attach://"):
        return [] if value[len("attach://"):] in files else [f"{value} has no attached file"]
    if "://" in value:
        return [] if _is_web_url(value) else [f"media URL {value!r} is not http(s)"]
    if not value or not re.fullmatch(r"[A-Za-z0-9_-]+", value):
        return [f"media {value!r} is neither a URL nor a file_id"]
    return []


def validate_telegram_call(method: str, params: Mapping[str, Any], files: set[str] | None = None) -> list[str]:
    """Return what the Bot API would reject in `method(**params)`; empty when it is valid."""
    errors: list[str] = []
    if method in TEXT_METHODS:
        field, limit, required = "text", TEXT_LIMIT, True
    elif method in CAPTION_METHODS:
        field, limit, required = "caption", CAPTION_LIMIT, False
    else:
        return errors
    value = params.get(field, "")
    if not isinstance(value, str):
        errors.append(f"{field} must be a string")
        value = ""
    mode = params.get("parse_mode")
    if mode is not None and str(mode).lower() == "html":
        errors += validate_telegram_html(value, limit, required=required)
    elif mode in (None, ""):
        errors += _check_length(value, limit, required)
    elif mode not in ("MarkdownV2", "Markdown"):
        errors.append(f"unknown parse_mode {mode!r}")
    media = MEDIA_FIELDS.get(method)
    if media is not None:
        if media not in params:
            errors.append(f"{method} needs {media}")
        else:
            errors += _check_media(params[media], files or set())
    if "reply_markup" in params:
        errors += _check_keyboard(_decoded(params["reply_markup"]))
    if "link_preview_options" in params:
        errors += _check_preview(_decoded(params["link_preview_options"]))
    return [f"{method}: {error}" for error in errors]


def validate_telegram_request(request: Any) -> list[str]:
    """Return what the Bot API would reject in a `Request` (method + params); empty when valid."""
    return validate_telegram_call(request.method, request.params, set(getattr(request, "files", {}) or {}))


def assert_valid_telegram_request(request: Any) -> None:
    """Fail with every problem found when the Bot API would reject `request`."""
    errors = validate_telegram_request(request)
    assert not errors, "\n".join(errors) + f"\nin {request!r}"[:2000]
