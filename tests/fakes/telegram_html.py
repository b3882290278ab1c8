"""Telegram's `parse_mode="HTML"` parser, as the fake Bot API applies it to text and captions.

Follows tdlib's `parse_html` (td/telegram/MessageEntity.cpp): the same allowed tags, the same
attribute rules and the same error descriptions ("Unsupported start tag \"p\" at byte offset 0"),
so a renderer that passes here passes on Telegram. One deliberate difference: Telegram keeps a
bare `&` or an unknown named entity (`&nbsp;`) literally, but that only ever happens by accident
(unescaped text), so the fake rejects it as "can't parse entities" to catch the bug in tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Tags Telegram accepts with parse_mode HTML (core.telegram.org/bots/api#html-style).
ALLOWED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
        "tg-emoji", "code", "pre", "blockquote", "tg-time",
    }
)
_SIMPLE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "code": "code", "pre": "pre",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#[xX]([0-9a-fA-F]{1,8});|#([0-9]{1,10});|([a-zA-Z][a-zA-Z0-9]{0,31});)")
_SPACE = " \t\r\n\f\v"


class EntityParseError(ValueError):
    """Raised with Telegram's description of why the HTML was rejected."""


@dataclass(frozen=True)
class ParsedText:
    """Plain text as the recipient sees it, with its entities (offsets in UTF-16 units)."""

    text: str
    entities: tuple[dict[str, object], ...] = field(default_factory=tuple)


@dataclass
class _Open:
    tag: str
    argument: str
    utf16_start: int
    byte_offset: int


def _utf16(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _fail(reason: str) -> EntityParseError:
    return EntityParseError(f"Bad Request: can't parse entities: {reason}")


class _Parser:
    """One pass over the source, code point by code point, keeping UTF-8 byte offsets for errors."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.i = 0
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, object]] = []

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def peek(self) -> str:
        return self.src[self.i] if self.i < len(self.src) else ""

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.utf16 += _utf16(text)

    def run(self) -> ParsedText:
        while self.i < len(self.src):
            ch = self.src[self.i]
            if ch == "&":
                self.entity()
            elif ch == "<":
                self.tag()
            else:
                self.emit(ch)
                self.i += 1
        if self.stack:
            raise _fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"')
        return ParsedText("".join(self.out), tuple(_drop_inside_code(self.entities)))

    def entity(self) -> None:
        match = _ENTITY.match(self.src, self.i)
        if match is None:
            raise _fail(f'Unescaped "&" at byte offset {self.byte_offset(self.i)}; use "&amp;"')
        hex_code, dec_code, name = match.groups()
        if name is not None:
            if name not in _NAMED:
                raise _fail(f'Unsupported HTML entity "&{name};" at byte offset {self.byte_offset(self.i)}')
            self.emit(_NAMED[name])
        else:
            code = int(hex_code, 16) if hex_code else int(dec_code)
            if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise _fail(f"Invalid character entity at byte offset {self.byte_offset(self.i)}")
            self.emit(chr(code))
        self.i = match.end()

    def tag(self) -> None:
        begin = self.i
        self.i += 1
        if self.peek() == "/":
            self.end_tag(begin)
        else:
            self.start_tag(begin)

    def start_tag(self, begin: int) -> None:
        name_start = self.i
        while self.peek() and self.peek() not in _SPACE and self.peek() != ">":
            self.i += 1
        if not self.peek():
            raise _fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        tag = self.src[name_start : self.i].lower()
        if tag not in ALLOWED_TAGS:
            raise _fail(f'Unsupported start tag "{tag}" at byte offset {self.byte_offset(begin)}')
        argument = ""
        attributes: dict[str, str] = {}
        while self.peek() != ">":
            while self.peek() and self.peek() in _SPACE:
                self.i += 1
            if self.peek() == ">":
                break
            name, value = self.attribute(tag, begin)
            attributes[name] = value
        self.i += 1  # the closing ">"
        if tag == "a":
            argument = attributes.get("href", "")
        elif tag == "code":
            cls = attributes.get("class", "")
            argument = cls[len("language-") :] if cls.startswith("language-") else ""
        elif tag == "span":
            if attributes.get("class") != "tg-spoiler":
                raise _fail(f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}')
        elif tag == "tg-emoji":
            argument = attributes.get("emoji-id", "")
            if not argument.isdigit():
                raise _fail(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {self.byte_offset(begin)}')
        elif tag == "blockquote":
            argument = "expandable" if "expandable" in attributes else ""
        elif tag == "tg-time":
            argument = attributes.get("unix", "")
            if not argument.isdigit():
                raise _fail(f'Tag "tg-time" must have attribute "unix" at byte offset {self.byte_offset(begin)}')
            if attributes.get("format"):
                argument += "|" + attributes["format"]
        self.stack.append(_Open(tag, argument, self.utf16, self.byte_offset(begin)))

    def attribute(self, tag: str, begin: int) -> tuple[str, str]:
        name_start = self.i
        while self.peek() and self.peek() not in _SPACE and self.peek() not in "=>":
            self.i += 1
        name = self.src[name_start : self.i].lower()
        if not name:
            raise _fail(f'Empty attribute name in the tag "{tag}" at byte offset {self.byte_offset(begin)}')
        while self.peek() and self.peek() in _SPACE:
            self.i += 1
        if self.peek() != "=":
            if tag == "blockquote" and name == "expandable":
                return name, ""
            if not self.peek():
                raise _fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            raise _fail(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {self.byte_offset(begin)}"
            )
        self.i += 1
        while self.peek() and self.peek() in _SPACE:
            self.i += 1
        if not self.peek():
            raise _fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        quote = self.peek()
        if quote in "\"'":
            end = self.src.find(quote, self.i + 1)
            if end < 0:
                raise _fail(f"Unclosed end of attribute value at byte offset {self.byte_offset(self.i + 1)}")
            value = _decode_attribute(self.src[self.i + 1 : end])
            self.i = end + 1
        else:
            token_start = self.i
            while self.peek() and (self.peek().isalnum() or self.peek() in ".-"):
                self.i += 1
            value = self.src[token_start : self.i].lower()
            if self.peek() and self.peek() not in _SPACE and self.peek() != ">":
                raise _fail(f"Unexpected end of name token at byte offset {self.byte_offset(token_start)}")
        if self.peek() and self.peek() not in _SPACE and self.peek() != ">":
            raise _fail(f"Expected space or end of tag at byte offset {self.byte_offset(self.i)}")
        return name, value

    def end_tag(self, begin: int) -> None:
        if not self.stack:
            raise _fail(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        self.i += 1  # the "/"
        name_start = self.i
        while self.peek() and self.peek() not in _SPACE and self.peek() != ">":
            self.i += 1
        end_name = self.src[name_start : self.i].lower()
        while self.peek() and self.peek() in _SPACE:
            self.i += 1
        if self.peek() != ">":
            raise _fail(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        self.i += 1
        opened = self.stack.pop()
        if end_name and end_name != opened.tag:
            raise _fail(
                f'Unmatched end tag at byte offset {self.byte_offset(begin)}, '
                f'expected "</{opened.tag}>", found "</{end_name}>"'
            )
        self.close(opened)

    def close(self, opened: _Open) -> None:
        length = self.utf16 - opened.utf16_start
        if length <= 0:
            return
        entity: dict[str, object] = {"offset": opened.utf16_start, "length": length}
        if opened.tag in _SIMPLE:
            entity["type"] = _SIMPLE[opened.tag]
            if opened.tag == "code" and opened.argument:
                entity["language"] = opened.argument
        elif opened.tag == "span":
            entity["type"] = "spoiler"
        elif opened.tag == "a":
            if not opened.argument:
                return  # tdlib drops a link without a usable URL instead of failing
            if opened.argument.startswith("tg://user?id="):
                entity.update(type="text_mention", user={"id": int(opened.argument[13:] or 0)})
            else:
                entity.update(type="text_link", url=opened.argument)
        elif opened.tag == "tg-emoji":
            entity.update(type="custom_emoji", custom_emoji_id=opened.argument)
        elif opened.tag == "blockquote":
            entity["type"] = "expandable_blockquote" if opened.argument else "blockquote"
        elif opened.tag == "tg-time":
            unix, _, fmt = opened.argument.partition("|")
            entity.update(type="date_time", unix_time=int(unix))
            if fmt:
                entity["date_time_format"] = fmt
        self.entities.append(entity)


def _decode_attribute(raw: str) -> str:
    """Decode the entities Telegram understands inside a quoted attribute value."""

    def one(match: re.Match[str]) -> str:
        hex_code, dec_code, name = match.groups()
        if name is not None:
            return _NAMED.get(name, match.group(0))
        code = int(hex_code, 16) if hex_code else int(dec_code)
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)

    return _ENTITY.sub(one, raw)


def _drop_inside_code(entities: list[dict[str, object]]) -> list[dict[str, object]]:
    """Merge `<pre><code class=…>` into one pre entity; drop formatting inside code/pre (as tdlib does)."""

    def bounds(entity: dict[str, object]) -> tuple[int, int]:
        offset, length = int(str(entity["offset"])), int(str(entity["length"]))
        return offset, offset + length

    blocks = [e for e in entities if e["type"] in ("pre", "code")]
    result: list[dict[str, object]] = []
    for entity in entities:
        start, end = bounds(entity)
        outers = []
        for other in blocks:
            o_start, o_end = bounds(other)
            if other is entity or not (o_start <= start and end <= o_end):
                continue
            if entity["type"] == "pre" and other["type"] == "code" and (o_start, o_end) == (start, end):
                continue  # <pre><code>…</code></pre>: the pre survives, the code merges into it
            outers.append(other)
        if not outers:
            result.append(entity)
            continue
        if entity["type"] == "code" and "language" in entity:
            for other in outers:
                if other["type"] == "pre" and bounds(other) == (start, end):
                    other["language"] = entity["language"]
    return sorted(result, key=lambda e: bounds(e)[0] * 100000 - bounds(e)[1])


def parse_html(source: str) -> ParsedText:
    """Parse Telegram HTML into plain text and entities, or raise `EntityParseError`."""
    return _Parser(source).run()
