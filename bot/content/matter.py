"""Split a post into front matter and body: YAML `---`, TOML `+++`, JSON `{…}`/`;;;`, and Hexo's
front matter without an opening `---`. Parsing is bounded (`bot.content.bounds`); front matter that
is not valid YAML/TOML goes to the tolerant line reader (`bot.content.salvage`: real generators
write titles with both quote kinds or spanning several lines), and a post whose title, categories,
tags, date or draft flag it cannot read is refused rather than published garbled."""

from __future__ import annotations

import html
import json
import re
import tomllib
from dataclasses import dataclass
from typing import Any

import yaml
from frontmatter.default_handlers import BaseHandler, JSONHandler, YAMLHandler

from bot.content import bounds
from bot.content.salvage import read_loosely

_LEADING_BLANK = re.compile(r"(?:[ \t]*\n)+")
_YAML_OPEN = re.compile(r"-{3,}[ \t]*(?:\n|$)")
_TOML_OPEN = re.compile(r"\+{3,}[ \t]*(?:\n|$)")
_SEMI_OPEN = re.compile(r";{3,}[ \t]*(?:\n|$)")
_SEMI_LINE = re.compile(r"^;{3,}[ \t]*$", re.MULTILINE)
_CLOSER = re.compile(r"^(-{3,}|;{3,})[ \t]*$", re.MULTILINE)
_KEY_LINE = re.compile(r"(?:[A-Za-z_][\w-]*|\"[^\"\n]+\")[ \t]*:(?:[ \t]|$)")
# Fields that show a `key: value` preamble without an opening `---` is really front matter.
_KNOWN_KEYS = frozenset({
    "title", "date", "updated", "categories", "category", "tags", "author", "layout", "slug",
    "draft", "published", "permalink", "excerpt", "description", "thumbnail", "cover", "lang", "language",
})


class FrontMatterError(ValueError):
    """Front matter is present but nothing sensible can be read from it."""


class FrontMatterTooLarge(FrontMatterError):
    """Front matter is over one of the bounds in `bot.content.bounds` (size, aliases, nesting)."""


class FieldUnreadable(FrontMatterError):
    """A field a post must not go out without (title, categories, tags, date, draft flags) is
    garbled beyond salvage: the post is held until the file is fixed."""


@dataclass(frozen=True, slots=True)
class Matter:
    """Front matter fields (keys lower-cased, entities decoded) and the body after it."""

    fields: dict[str, Any]
    body: str
    format: str
    """`yaml`, `toml`, `json`, or `none` when the file has no front matter."""
    warnings: tuple[str, ...] = ()


class TomlHandler(BaseHandler):
    """TOML front matter between `+++` lines, read with the standard library's tomllib."""

    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs: object) -> Any:
        """Parse TOML front matter (bounded: see `bot.content.bounds`)."""
        return bounds.load_toml(fm)


def read_matter(text: str) -> Matter:
    """Split decoded text into front matter and body; raise FrontMatterError when unreadable."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.lstrip("\ufeff")
    blank = _LEADING_BLANK.match(text)
    if blank:
        text = text[blank.end():]
    if _YAML_OPEN.match(text):
        fm, body = _split(YAMLHandler(), text, "---")
        return _from_yaml(fm, body)
    if _TOML_OPEN.match(text):
        fm, body = _split(TomlHandler(), text, "+++")
        return _from_toml(fm, body)
    if _SEMI_OPEN.match(text):
        parts = _SEMI_LINE.split(text, 2)
        if len(parts) < 3:
            raise FrontMatterError("front matter opens with ;;; but is never closed")
        return _from_json(parts[1], parts[2])
    if text.startswith("{"):
        return _from_json_object(text)
    return _without_opening(text)


def _split(handler: BaseHandler, text: str, delimiter: str) -> tuple[str, str]:
    try:
        return handler.split(text)
    except ValueError:
        raise FrontMatterError(f"front matter opens with {delimiter} but is never closed") from None


def _from_yaml(fm: str, body: str, fmt: str = "yaml") -> Matter:
    try:
        data = bounds.load_yaml(fm)
    except bounds.TooLarge as exc:
        raise FrontMatterTooLarge(str(exc)) from None
    except RecursionError:
        raise FrontMatterTooLarge(f"front matter nests deeper than {bounds.MAX_DEPTH} levels") from None
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        # ValueError: a timestamp-looking value that is no date (`date: 2021-13-45`).
        return _loosely(fm, body, fmt, ":", f"front matter is not valid YAML ({_first_line(exc)}); read line by line")
    if data is None:
        return Matter({}, body.strip(), fmt)
    if not isinstance(data, dict):
        return _loosely(fm, body, fmt, ":", "front matter is not a YAML mapping; read line by line")
    return Matter(normalize_fields(data), body.strip(), fmt)


def _from_toml(fm: str, body: str) -> Matter:
    try:
        data = TomlHandler().load(fm)
    except bounds.TooLarge as exc:
        raise FrontMatterTooLarge(str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        return _loosely(fm, body, "toml", "=", f"front matter is not valid TOML ({exc}); read line by line")
    return Matter(normalize_fields(data), body.strip(), "toml")


def _from_json(fm: str, body: str) -> Matter:
    source = fm.strip()
    if not source.startswith("{"):
        source = "{" + source.rstrip(",") + "}"
    try:
        data = bounds.load_json(source)
    except bounds.TooLarge as exc:
        raise FrontMatterTooLarge(str(exc)) from None
    except json.JSONDecodeError as exc:
        raise FrontMatterError(f"front matter is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise FrontMatterError("JSON front matter is not an object")
    return Matter(normalize_fields(data), body.strip(), "json")


def _from_json_object(text: str) -> Matter:
    handler = JSONHandler()
    if handler.detect(text):
        try:
            fm, body = handler.split(text)
            return _from_json(fm, body)
        except FrontMatterTooLarge:
            raise
        except (ValueError, FrontMatterError):
            pass
    try:
        data, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError:
        return Matter({}, text.strip(), "none")
    except RecursionError:
        raise FrontMatterTooLarge(f"front matter nests deeper than {bounds.MAX_DEPTH} levels") from None
    if not isinstance(data, dict):
        return Matter({}, text.strip(), "none")
    try:
        bounds.check_size(text[:end])
        bounds.check_value(data)
    except bounds.TooLarge as exc:
        raise FrontMatterTooLarge(str(exc)) from None
    return Matter(normalize_fields(data), text[end:].strip(), "json")


def _without_opening(text: str) -> Matter:
    """Hexo allows front matter with no opening `---`: `title: x` lines, then `---` (or `;;;`)."""
    closer = _CLOSER.search(text) if _KEY_LINE.match(text) else None
    if closer is None:
        return Matter({}, text.strip(), "none")
    fm, body = text[: closer.start()], text[closer.end():]
    if len(fm) > bounds.MAX_FRONT_MATTER_BYTES:
        return Matter({}, text.strip(), "none")  # far too long for a preamble: a `---` rule in prose
    if closer.group(1).startswith(";"):
        return _from_json(fm, body)
    try:
        matter = _from_yaml(fm, body)
    except (FrontMatterTooLarge, FieldUnreadable):
        raise
    except FrontMatterError:
        return Matter({}, text.strip(), "none")
    if not _KNOWN_KEYS.intersection(matter.fields):
        return Matter({}, text.strip(), "none")
    return matter


# Fields a post is never published without reading correctly: held (a fatal problem) instead.
HELD_WHEN_UNREADABLE = ("title", "categories", "category", "tags", "tag", "date", "draft", "published")


def _loosely(fm: str, body: str, fmt: str, sep: str, warning: str) -> Matter:
    salvaged = read_loosely(fm, sep)
    unreadable = {key.strip().lower(): reason for key, reason in salvaged.unreadable.items()}
    for key in HELD_WHEN_UNREADABLE:
        if key in unreadable:
            raise FieldUnreadable(f"{warning.split(';')[0]}; cannot read `{key}`: {unreadable[key]}")
    if not salvaged.fields:
        raise FrontMatterError(warning.split(";")[0] + "; no field could be read")
    skipped = tuple(f"cannot read `{key}` ({reason}); ignored" for key, reason in unreadable.items())
    return Matter(normalize_fields(salvaged.fields), body.strip(), fmt, (warning, *skipped))


def normalize_fields(data: dict[Any, Any]) -> dict[str, Any]:
    """Lower-case top-level keys (first non-empty wins) and decode HTML entities in all strings."""
    fields: dict[str, Any] = {}
    seen: dict[int, Any] = {}
    for raw_key, value in data.items():
        key = str(raw_key).strip().lower()
        if key not in fields or fields[key] in (None, "", [], {}):
            fields[key] = _unescape(value, seen)
    return fields


def _unescape(value: Any, seen: dict[int, Any]) -> Any:
    """Decode entities; `seen` shares converted containers, so YAML aliases cannot blow up."""
    if isinstance(value, str):
        return html.unescape(value) if "&" in value else value
    if not isinstance(value, (list, dict)):
        return value
    done = seen.get(id(value))
    if done is not None:
        return done
    if isinstance(value, list):
        result: Any = [_unescape(item, seen) for item in value]
    else:
        result = {key: _unescape(item, seen) for key, item in value.items()}
    seen[id(value)] = result
    return result


def _first_line(exc: Exception) -> str:
    problem = getattr(exc, "problem", None)
    mark = getattr(exc, "problem_mark", None)
    if problem and mark is not None:
        return f"{problem} at line {mark.line + 1}"
    return str(exc).split("\n", 1)[0]
