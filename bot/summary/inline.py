"""The sanitized inline HTML of paragraphs and excerpts (`Paragraph.html`, `Summary.excerpt_html`):
what text it shows, and its start cut to a prefix of that text.

This HTML is written by `blocks` (never copied from a post): a few inline elements, `<br>`,
`<p>` around excerpt paragraphs, and escaped text, so a plain tag walk reads it exactly.
"""

from __future__ import annotations

import re
from html import escape, unescape

_TAG = re.compile(r"(<[^>]*>)")
_NAME = re.compile(r"</?([a-z]+)")


def _lines(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())


def says(html: str, text: str) -> bool:
    """Tell whether `html` shows `text`, white space aside (a paragraph cut or split after its
    markup was made says less, and is then shown as its text)."""
    shown = unescape(_TAG.sub("", html.replace("<br>", "\n").replace("</p>", "\n")))
    return _lines(shown) == _lines(text)


def cut(html: str, text: str) -> str | None:
    """Return the start of `html` that shows `text` (a prefix of the text `html` shows), the
    elements still open there closed; None when `text` is not such a prefix."""
    want = " ".join(text.split())
    shown: list[str] = []  # the text taken, as in the HTML
    out: list[str] = []
    open_names: list[str] = []
    count, gap = 0, False  # length of the taken text with white space collapsed; a space pending
    for piece in _TAG.split(html):
        if count >= len(want):
            break
        if not piece:
            continue
        if piece.startswith("<"):
            name = _NAME.match(piece)
            if piece == "<br>":
                shown.append("\n")
                gap = count > 0
            elif name and piece.startswith("</"):
                if open_names:
                    open_names.pop()
            elif name:
                open_names.append(name.group(1))
            out.append(piece)
            continue
        words = unescape(piece)
        take = 0
        for char in words:
            if count == len(want):
                break
            if char.isspace():
                gap = count > 0
            else:
                grown = count + 1 + gap
                if grown > len(want):
                    break
                count, gap = grown, False
            take += 1
        shown.append(words[:take])
        out.append(escape(words[:take], quote=False))
    closed = "".join(out) + "".join(f"</{name}>" for name in reversed(open_names))
    return closed if " ".join("".join(shown).split()) == want else None
