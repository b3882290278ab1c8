"""A paragraph's inline HTML (`Paragraph.html`) as Markdown, through html2text: links,
emphasis, bold, strike-through and inline code stay what they are (Discord shows them; on a
terminal `*this*` and `[text](https://…)` read as they are meant).

html2text writes the structure; it never sees the post's words. Every text run is swapped for
a placeholder before conversion and put back afterwards through the caller's `escape` (Discord
escapes its Markdown, so nothing a post says can become syntax, a mention or a timestamp; the
console shows text as written); inline code is written here, its backticks made harmless. Only
http(s) link targets are kept (anything else is plain text), a link whose text is its own
address stays a bare link (Discord shows no masked link that names another URL), and
parentheses in a target are percent-encoded so no escaping is needed inside it. Images are
left to the `Image` blocks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape, unescape

import html2text

from adapters.card import safe_url

_TAG = re.compile(r"(<[^>]*>)")
_HREF = re.compile(r'<a href="([^"]*)">')
_BARE_LINK = re.compile(r'<a href="([^"]*)">([^<]*)</a>')
_TOKEN = re.compile("\\{\ue000([0-9]+)\ue001\\}")
# Braces around a placeholder: html2text takes them for punctuation, so it puts no space between
# a word and the emphasis that follows it or ends before it (Discord needs none; Chinese has none).
_PLACEHOLDER = "{{\ue000{index}\ue001}}"
_BLANK_INLINE = re.compile(r"<(a|em|strong|code|del)(?: [^>]*)?>(\s*)</\1>")
_ADJACENT_SAME = re.compile(r"</(em|strong|del)><\1>")
# One emphasis ending where another starts would run their markers together ("*x***y**"): a
# zero-width space between them keeps them apart.
_ADJACENT = re.compile(r"(</(?:em|strong|del)>)(?=<(?:em|strong|del)>)")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_BACKTICK_LOOKALIKE = "ˋ"
"""U+02CB: shown in place of a backtick inside inline code, which a backtick would end."""


def _converter() -> html2text.HTML2Text:
    """Return an html2text converter for chat Markdown (a new one per use: it keeps state)."""
    h = html2text.HTML2Text(bodywidth=0)  # no wrapping: Discord wraps for the reader
    h.inline_links = True
    h.protect_links = False
    h.wrap_links = False
    h.use_automatic_links = False
    h.ignore_images = True  # images are their own blocks
    h.ignore_tables = True
    h.emphasis_mark = "*"  # Discord honours `*` inside words, `_` not
    h.strong_mark = "**"
    h.unicode_snob = True
    return h


def _link_target(match: re.Match[str]) -> str:
    url = safe_url(unescape(match.group(1)))
    if url is None:
        return "<a>"  # html2text shows the text alone
    return '<a href="' + escape(url.replace("(", "%28").replace(")", "%29")) + '">'


def _bare_link(match: re.Match[str]) -> str:
    text = match.group(2)
    return text if unescape(text).strip() == unescape(match.group(1)) else match.group(0)


def _collapse(text: str) -> str:
    """Collapse white space like a browser; keep one space at either end where there was some."""
    inner = " ".join(text.split())
    if not inner:
        return " " if text else ""
    return (" " if text[0].isspace() else "") + inner + (" " if text[-1].isspace() else "")


def _tidy(html: str) -> str:
    """Drop inline elements that hold nothing but white space (html2text would write `**`), join
    an element to the same one right after it, and keep different ones' markers apart."""
    while True:
        shorter = _BLANK_INLINE.sub(_inner_space, html)
        if shorter == html:
            break
        html = shorter
    return _ADJACENT.sub(_kept_apart, _ADJACENT_SAME.sub("", html))


def _inner_space(match: re.Match[str]) -> str:
    return match.group(2)


def _kept_apart(match: re.Match[str]) -> str:
    return match.group(1) + "\u200b"


def html_to_markdown(html: str, escape_text: Callable[[str], str]) -> str:
    """Return inline HTML as Markdown, every text run passed through `escape_text`."""
    html = _HREF.sub(_link_target, _BARE_LINK.sub(_bare_link, _tidy(html)))
    runs: list[str] = []
    out: list[str] = []
    code: list[str] | None = None  # the text of an open <code>, which is written here
    for piece in _TAG.split(html):
        if not piece:
            continue
        if piece.startswith("<"):
            if piece == "<code>":
                code = []
            elif piece == "</code>" and code is not None:
                shown = " ".join("".join(code).split()).replace("`", _BACKTICK_LOOKALIKE)
                if shown:
                    runs.append("`" + shown + "`")
                    out.append(_PLACEHOLDER.format(index=len(runs) - 1))
                code = None
            elif code is None:
                out.append(piece)
            continue
        text = unescape(piece)
        if code is not None:
            code.append(text)
            continue
        shown = _collapse(text)
        if shown.strip():
            runs.append(escape_text(shown.strip()))
            shown = shown.replace(shown.strip(), _PLACEHOLDER.format(index=len(runs) - 1))
        out.append(escape(shown, quote=False))
    markdown = _converter().handle("".join(out))
    markdown = _TRAILING_SPACE.sub("\n", markdown).strip()
    return _TOKEN.sub(lambda match: runs[int(match.group(1))], markdown)
