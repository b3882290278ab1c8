"""The tolerant line reader for front matter that does not parse (YAML `key: value` lines or TOML
`key = value` lines). It salvages values that are unambiguous — unquoted titles spanning several
lines, titles wrapped in quotes that also contain both quote kinds, accumulated quotes, `- item`
lists, one-line `[a, b]` lists — and reports every other field as unreadable with a reason: a
fragment of syntax (an unclosed bracket or quote, a following `key:` line) never becomes a value."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_QUOTES = "\"'"
_KEY = {
    ":": re.compile(r"([A-Za-z_][\w.-]*)[ \t]*:(?:[ \t]+|$)(.*)$"),
    "=": re.compile(r"([A-Za-z_][\w.-]*|\"[^\"]+\")[ \t]*=[ \t]*(.*)$"),
}
# A continuation line that reads as a key of its own (`  date: 2022`), not as more of a value.
_KEY_LIKE = {
    ":": re.compile(r"[\"']?[\w.-]+[\"']?[ \t]*:(?:[ \t]|$)"),
    "=": re.compile(r"[\"']?[\w.-]+[\"']?[ \t]*=(?:[ \t]|$)"),
}
_BLOCK_SCALAR = re.compile(r"[|>][-+0-9]*$")
_FLOW = "[]{}"
# Indicators that make a YAML value something this reader cannot follow (alias, anchor, tag).
_UNFOLLOWABLE = "*&!"


class Unreadable(ValueError):
    """A value that cannot be read without guessing; the message says why."""


@dataclass(slots=True)
class Salvaged:
    """Fields read line by line, and the fields that could not be read (key → reason)."""

    fields: dict[str, Any] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)


def read_loosely(fm: str, sep: str = ":") -> Salvaged:
    """Read `key: value` (or `key = value`) entries with their continuation lines."""
    result = Salvaged()
    for key, first, rest in _entries(fm, sep):
        try:
            result.fields[key] = _entry_value(first, rest, sep)
            result.unreadable.pop(key, None)
        except Unreadable as exc:
            result.fields.pop(key, None)
            result.unreadable[key] = str(exc)
    return result


def _entries(fm: str, sep: str) -> list[tuple[str, str, list[str]]]:
    """Split front matter into (key, value on the key's line, following non-blank lines)."""
    key_line = _KEY[sep]
    entries: list[tuple[str, str, list[str]]] = []
    for line in fm.split("\n"):
        stripped = line.strip()
        if not stripped or (stripped.startswith("#") and not line[0].isspace()):
            continue
        if sep == "=" and line.startswith("["):
            break  # a TOML table: its keys are not top-level fields
        match = key_line.match(line) if not line[0].isspace() else None
        if match:
            entries.append((match.group(1).strip('"'), match.group(2).strip(), []))
        elif entries:
            entries[-1][2].append(line)
    return entries


def _entry_value(first: str, rest: list[str], sep: str) -> Any:
    lines = [line.strip() for line in rest]
    if _BLOCK_SCALAR.match(first) and sep == ":":
        return ("\n" if first.startswith("|") else " ").join(lines).strip()
    if first.startswith(("[", "{")):
        return _flow(" ".join([first, *lines]).strip())
    if _starts_quoted(first):
        return _quoted(first, lines)
    if first and first[0] in _UNFOLLOWABLE and sep == ":":
        raise Unreadable(f"{first[:20]!r} is a YAML alias, anchor or tag")
    if not first:
        return _nested(lines, sep)
    for line in lines:
        _check_continuation(line, sep)
    return loose_unquote(" ".join([first, *lines]))


def _nested(lines: list[str], sep: str) -> Any:
    """What follows a key with no value: nothing, a `- item` list, a `k: v` map, or plain text."""
    if not lines:
        return []
    if all(line.startswith("-") for line in lines):
        items = [_item(line[1:].strip(), sep) for line in lines]
        return [item for item in items if item not in ("", [])]
    if sep == ":" and all(_KEY_LIKE[sep].match(line) for line in lines):
        mapping: dict[str, Any] = {}
        for line in lines:
            name, _, value = line.partition(":")
            mapping[name.strip().strip(_QUOTES)] = _item(value.strip(), sep) if value.strip() else ""
        return mapping
    for line in lines:
        _check_continuation(line, sep)
    return loose_unquote(" ".join(lines))


def _check_continuation(line: str, sep: str) -> None:
    if _KEY_LIKE[sep].match(line):
        raise Unreadable(f"a line {line[:30]!r} follows the value")
    if line.startswith("- ") or line == "-":
        raise Unreadable("the value is followed by list items")


def _item(text: str, sep: str) -> Any:
    """One list item or map value: a quoted or plain scalar, or a one-line `[a, b]` list."""
    if text.startswith(("[", "{")):
        return _flow(text)
    if _starts_quoted(text):
        return _quoted(text, [])
    if text[:1] == "-" and text[1:2] in ("", " "):
        raise Unreadable("a list inside a list item")
    if text and text[0] in _UNFOLLOWABLE and sep == ":":
        raise Unreadable(f"{text[:20]!r} is a YAML alias, anchor or tag")
    return unquote(text)


def _flow(text: str) -> list[Any]:
    """A flow list `[a, 'b', "c"]` with no nesting; a map or anything unbalanced is unreadable."""
    if not text.startswith("["):
        raise Unreadable("a `{…}` map the line reader cannot read")
    if not text.endswith("]"):
        raise Unreadable(f"{text[:30]!r} opens a `[` list that is never closed")
    items = _split_items(text[1:-1])
    if len(items) == 1 and items[0] == "":
        return []
    values = []
    for part in items:
        if any(ch in part for ch in _FLOW):
            raise Unreadable(f"a list item {part[:30]!r} holds a bracket")
        if _starts_quoted(part) and not _closed(part):
            raise Unreadable(f"a list item {part[:30]!r} has an unclosed quote")
        if part[-1:] and part[-1] in _QUOTES and not _closed(part):
            raise Unreadable(f"a list item {part[:30]!r} has a stray quote")
        value = unquote(part)
        if value:
            values.append(value)
    return values


def _split_items(text: str) -> list[str]:
    """Split a flow list's inside on commas that are not inside a quoted item."""
    items: list[str] = []
    start, quote = 0, ""
    for at, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in _QUOTES and not text[start:at].strip():
            quote = ch
        elif ch == ",":
            items.append(text[start:at].strip())
            start = at + 1
    items.append(text[start:].strip())
    return items


def _quoted(first: str, lines: list[str]) -> str:
    """A value that opens with a quote: closed on its line, or on a later line; else unreadable."""
    quote = first[0]
    if _closed(first):
        if lines:
            raise Unreadable(f"text follows the closing quote: {lines[0][:30]!r}")
        return loose_unquote(first)
    for end, line in enumerate(lines):
        if line.endswith(quote):
            if lines[end + 1:]:
                raise Unreadable(f"text follows the closing quote: {lines[end + 1][:30]!r}")
            return loose_unquote(" ".join([first, *lines[: end + 1]]))
    raise Unreadable(f"{first[:30]!r} opens a quote that is never closed")


def _starts_quoted(text: str) -> bool:
    return bool(text) and text[0] in _QUOTES


def _closed(text: str) -> bool:
    return len(text) >= 2 and text[0] == text[-1] and text[0] in _QUOTES


def loose_unquote(value: str) -> str:
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
