"""Turn a post's raw bytes into text: UTF-8 (with or without BOM), UTF-16 with BOM, GB18030."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Control characters that never occur in a text post; their presence means binary data.
_BINARY = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f]")


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text of a file and the encoding it was read with."""

    text: str
    encoding: str


class UndecodableError(ValueError):
    """The bytes are not text in any encoding Herald reads."""


def decode_text(raw: bytes) -> Decoded:
    """Decode a post's bytes (BOM first, then UTF-8, then GB18030); raise UndecodableError."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw[len(bom):].decode(name)
            except UnicodeDecodeError as exc:
                raise UndecodableError(f"invalid {name} after a {name} byte order mark ({exc.reason})") from exc
            return Decoded(_checked(text), name)
    try:
        return Decoded(_checked(raw.decode("utf-8")), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return Decoded(_checked(raw.decode("gb18030")), "gb18030")
    except UnicodeDecodeError as exc:
        raise UndecodableError(
            f"not UTF-8, UTF-16 (with BOM) or GB18030 text (bad byte at offset {exc.start})"
        ) from exc


def _checked(text: str) -> str:
    """Reject binary data that happens to decode (NUL and other control characters)."""
    if _BINARY.search(text, 0, 4096):
        raise UndecodableError("binary data (control characters), not a text post")
    return text
