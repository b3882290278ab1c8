"""Split a post into front matter and body: YAML `---`, TOML `+++`, JSON `{…}`/`;;;`, Hexo's
front matter without an opening `---`, and a tolerant line reader for front matter that is not
valid YAML (real generators write titles with both quote kinds or spanning several lines)."""

from __future__ import annotations

import html
import json
import re
import tomllib
from dataclasses import dataclass
from typing import Any

import yaml
from frontmatter.default_handlers import BaseHandler, JSONHandler, YAMLHandler

_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_LEADING_BLANK = re.compile(r"(?:[ \t]*\n)+")
_YAML_OPEN = re.compile(r"-{3,}[ \t]*(?:\n|$)")
_TOML_OPEN = re.compile(r"\+{3,}[ \t]*(?:\n|$)")
_SEMI_OPEN = re.compile(r";{3,}[ \t]*(?:\n|$)")
_SEMI_LINE = re.compile(r"^;{3,}[ \t]*$", re.MULTILINE)
_CLOSER = re.compile(r"^(-{3,}|;{3,})[ \t]*$", re.MULTILINE)
_KEY_LINE = re.compile(r"(?:[A-Za-z_][\w-]*|\"[^\"\n]+\")[ \t]*:(?:[ \t]|$)")
_LOOSE_KEY = {
    ":": re.compile(r"([A-Za-z_][\w.-]*)[ \t]*:(?:[ \t]+|$)(.*)$"),
    "=": re.compile(r"([A-Za-z_][\w.-]*|\"[^\"]+\")[ \t]*=[ \t]*(.*)$"),
}
_QUOTES = "\"'"
# Fields that show a `key: value` preamble without an opening `---` is really front matter.
_KNOWN_KEYS = frozenset({
    "title", "date", "updated", "categories", "category", "tags", "author", "layout", "slug",
    "draft", "published", "permalink", "excerpt", "description", "thumbnail", "cover", "lang", "language",
})


class FrontMatterError(ValueError):
    """Front matter is present but nothing sensible can be read from it."""


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
        """Parse TOML front matter."""
        return tomllib.loads(fm)


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
        data = YAMLHandler().load(fm, Loader=_YAML_LOADER)
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
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
    except tomllib.TOMLDecodeError as exc:
        return _loosely(fm, body, "toml", "=", f"front matter is not valid TOML ({exc}); read line by line")
    return Matter(normalize_fields(data), body.strip(), "toml")


def _from_json(fm: str, body: str) -> Matter:
    source = fm.strip()
    if not source.startswith("{"):
        source = "{" + source.rstrip(",") + "}"
    try:
        data = json.loads(source)
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
        except (ValueError, FrontMatterError):
            pass
    try:
        data, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError:
        return Matter({}, text.strip(), "none")
    if not isinstance(data, dict):
        return Matter({}, text.strip(), "none")
    return Matter(normalize_fields(data), text[end:].strip(), "json")


def _without_opening(text: str) -> Matter:
    """Hexo allows front matter with no opening `---`: `title: x` lines, then `---` (or `;;;`)."""
    closer = _CLOSER.search(text) if _KEY_LINE.match(text) else None
    if closer is None:
        return Matter({}, text.strip(), "none")
    fm, body = text[: closer.start()], text[closer.end():]
    if closer.group(1).startswith(";"):
        return _from_json(fm, body)
    try:
        matter = _from_yaml(fm, body)
    except FrontMatterError:
        return Matter({}, text.strip(), "none")
    if not _KNOWN_KEYS.intersection(matter.fields):
        return Matter({}, text.strip(), "none")
    return matter


def _loosely(fm: str, body: str, fmt: str, sep: str, warning: str) -> Matter:
    fields = read_loosely(fm, sep)
    if not fields:
        raise FrontMatterError(warning.split(";")[0] + "; no field could be read")
    return Matter(normalize_fields(fields), body.strip(), fmt, (warning,))


def read_loosely(fm: str, sep: str = ":") -> dict[str, Any]:
    """Read `key: value` lines, `- item` lists and continuation lines, ignoring quoting rules."""
    key_line = _LOOSE_KEY[sep]
    fields: dict[str, Any] = {}
    key: str | None = None
    for line in fm.split("\n"):
        stripped = line.strip()
        if not stripped or (stripped.startswith("#") and not line[0].isspace()):
            continue
        if sep == "=" and line.startswith("["):
            break  # a TOML table: its keys are not top-level fields
        match = key_line.match(line) if not line[0].isspace() else None
        if match:
            key = match.group(1).strip('"')
            value = match.group(2).strip()
            fields[key] = _loose_scalar(value) if value else []
        elif key is None:
            continue
        elif stripped.startswith("-") and isinstance(fields[key], list):
            item = _loose_scalar(stripped[1:].strip())
            if item != "":
                fields[key].append(item)
        elif isinstance(fields[key], str):
            fields[key] = f"{fields[key]} {_loose_unquote(stripped)}".strip()
        elif fields[key] == []:
            fields[key] = _loose_unquote(stripped)
    return fields


def _loose_scalar(value: str) -> Any:
    if value.startswith("[") and value.endswith("]"):
        return [unquote(part) for part in value[1:-1].split(",") if unquote(part)]
    return _loose_unquote(value)


def _loose_unquote(value: str) -> str:
    """Drop the outer quote pair the generator wrapped the value in (no escaping inside), then more."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in _QUOTES:
        value = value[1:-1]
    return unquote(value)


def unquote(value: str) -> str:
    """Strip matching (possibly accumulated) quotes: `\"\"\"'第1集'\"\"\"` → `第1集`."""
    value = value.strip()
    lead = len(value) - len(value.lstrip(_QUOTES))
    trail = len(value) - len(value.rstrip(_QUOTES))
    depth = 0
    while depth < min(lead, trail) and value[depth] == value[-1 - depth] and depth * 2 + 2 <= len(value):
        depth += 1
    if depth == 0:
        return value
    inner = value[depth: len(value) - depth]
    if value[depth - 1] in inner:
        return value  # `"a" and "b"`: the quotes belong to the text
    return inner.strip()


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
