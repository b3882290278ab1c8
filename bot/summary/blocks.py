"""Walk HTML (via selectolax/Lexbor) into plain-text `Paragraph`s and absolute-URL `Image`s.

Whitespace is collapsed as a browser would (a line break between two CJK characters vanishes
instead of becoming a space), `<br>` is kept as a line break, a blank line in bare text starts a
new paragraph, `<pre>` text is kept verbatim. Scripts, styles, iframes, forms and captions are
left out, and so are boilerplate paragraphs ("Read more", "[toc]", "阅读全文"). A paragraph's
text keeps only the visible text of its links; beside it, `Paragraph.html` keeps its inline
markup (http(s) links, emphasis, code, strike-through) as sanitized HTML written here, never
copied from the post. The walk is iterative, so deeply nested markup cannot overflow the stack.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.summary.boilerplate import is_boilerplate, is_caption, marks_caption, strip_trailing_boilerplate
from bot.summary.model import Block, Image, Paragraph

_BLOCK = frozenset([
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "dir", "div", "dl",
    "dt", "fieldset", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html",
    "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot", "thead", "tr",
    "ul", "caption"
])
_SKIP = frozenset([
    "script", "style", "iframe", "noscript", "template", "svg", "math", "object", "embed", "video", "audio",
    "canvas", "form", "button", "select", "textarea", "input", "head", "title", "meta", "link", "map", "area",
    "figcaption", "frame", "frameset", "applet"
])
_HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
# Inline elements kept in `Paragraph.html`, by the one name each is written with there.
_INLINE = {
    "a": "a", "em": "em", "i": "em", "strong": "strong", "b": "strong", "code": "code", "kbd": "code",
    "samp": "code", "tt": "code", "del": "del", "s": "del", "strike": "del",
}
_EMPTY_INLINE = re.compile(r"<(a|em|strong|code|del)(?: [^>]*)?></\1>")
_MARKUP = re.compile(r"<(?:a|em|strong|code|del)[ >]")
_IMAGE_ATTRIBUTES = ("src", "data-src", "data-original", "data-lazy-src", "data-actualsrc")
_LINE = "\x1f"
_CJK = "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t]*\n\s*(?=[{_CJK}])")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_NUMBER = re.compile(r"\s*-?[0-9]{1,9}\s*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff]")


def resolve_image(url: str | None, base_url: str | None) -> str | None:
    """Return `url` as an absolute http(s) URL, resolved against `base_url` if relative, else None
    (images and link targets alike: `javascript:`, `data:` and fragments are never kept)."""
    if not url:
        return None
    url = url.strip().replace(" ", "%20")
    if url.startswith(("https://", "http://")):
        return url
    if url.startswith("//"):
        return "https:" + url
    if not url or url.startswith(("data:", "javascript:", "#")) or ":" in url.split("/", 1)[0]:
        return None
    if base_url and base_url.startswith(("https://", "http://")):
        try:
            return urljoin(base_url, url)
        except ValueError:  # a malformed base (e.g. a broken IPv6 host)
            return None
    return None


class _Builder:
    """Accumulates inline text and emits blocks as the walk opens and closes elements."""

    __slots__ = (
        "after_image",
        "base_url",
        "blocks",
        "chars",
        "heading",
        "html",
        "image_alt",
        "inline",
        "item_prefix",
        "items",
        "join_cjk",
        "last_image",
        "lists",
        "marked",
        "parts",
        "pre",
        "quote",
        "styled",
    )

    def __init__(self, base_url: str | None, join_cjk: bool) -> None:
        self.base_url = base_url
        self.join_cjk = join_cjk
        self.chars = 0
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.html: list[str] = []  # the same run as inline HTML
        self.inline: list[tuple[str, str]] = []  # open inline elements: (name, opening tag)
        self.marked = False  # whether the run has inline markup
        self.pre = 0
        self.quote = 0
        self.heading = 0
        self.items = 0
        self.lists: list[list[int]] = []  # per open list: [ordered (0/1), next number]
        self.item_prefix = ""
        self.after_image = False
        self.image_alt = ""
        self.styled = 0
        self.last_image = ""

    def text(self, raw: str | None) -> None:
        if raw:
            text = _CONTROL.sub("", raw)
            self.parts.append(text)
            self.html.append(escape(text, quote=False))

    def open(self, tag: str, node: LexborNode) -> tuple[str, bool, bool] | None:
        """Handle an opening tag; return the token to close it with, or None for a void element."""
        if tag == "br":
            self.parts.append("\n" if self.pre else _LINE)
            self.html.append("<br>")
            return None
        if tag == "img":
            self._image(node)
            return None
        if tag == "hr":
            self.flush()
            return None
        if tag in ("td", "th"):
            self.parts.append(" ")
            self.html.append(" ")
        styled = self.after_image and marks_caption(tag, node.attributes)
        if styled:
            self.styled += 1
        inline = tag in _INLINE and not self.pre and self._open_inline(_INLINE[tag], node)
        if tag in _BLOCK:
            self.flush()
            if tag == "pre":
                self.pre += 1
            elif tag == "blockquote":
                self.quote += 1
            elif tag in _HEADINGS:
                self.heading += 1
            elif tag in ("ul", "ol", "menu", "dir"):
                start = node.attributes.get("start") if tag == "ol" else None
                first = int(start) if start and _NUMBER.fullmatch(start) else 1
                self.lists.append([int(tag == "ol"), first])
            elif tag == "li":
                self.items += 1
                if self.lists and self.lists[-1][0]:
                    self.item_prefix = f"{self.lists[-1][1]}. "
                    self.lists[-1][1] += 1
                else:
                    self.item_prefix = "• "
        return tag, styled, inline

    def _open_inline(self, name: str, node: LexborNode) -> bool:
        """Open an inline element in the HTML run; False for a link to nowhere safe (its text stays)."""
        opening = f"<{name}>"
        if name == "a":
            target = resolve_image(node.attributes.get("href"), self.base_url)
            if target is None:
                return False
            opening = f'<a href="{escape(target)}">'
        self.inline.append((name, opening))
        self.html.append(opening)
        self.marked = True
        return True

    def close(self, tag: str, styled: bool, inline: bool) -> None:
        """Handle a closing tag."""
        if inline and self.inline:
            self.html.append(f"</{self.inline.pop()[0]}>")
        if tag in _BLOCK:
            self.flush()
            if tag == "pre":
                self.pre -= 1
            elif tag == "blockquote":
                self.quote -= 1
            elif tag in _HEADINGS:
                self.heading -= 1
            elif tag in ("ul", "ol", "menu", "dir"):
                if self.lists:
                    self.lists.pop()
            elif tag == "li":
                self.items -= 1
                self.item_prefix = ""
        if styled:
            self.styled -= 1

    def _image(self, node: LexborNode) -> None:
        attributes = node.attributes
        alt = " ".join((attributes.get("alt") or "").split())
        if "emoji" in (attributes.get("class") or "") and alt:
            self.parts.append(alt)
            self.html.append(escape(alt, quote=False))
            return
        url = None
        for name in _IMAGE_ATTRIBUTES:
            url = resolve_image(attributes.get(name), self.base_url)
            if url:
                break
        if url is None:
            return
        self.flush()
        if url != self.last_image:
            self.blocks.append(Image(url, alt))
            self.last_image = url
        self.after_image = True
        self.image_alt = alt or " ".join((attributes.get("title") or "").split())

    def flush(self) -> None:
        """Emit the text gathered so far as one or more paragraphs."""
        inline = self.inline
        if not self.parts:
            self.html = [opening for _, opening in inline] if inline else []
            return
        raw = "".join(self.parts)
        self.parts.clear()
        if raw.isspace():  # the white space between blocks: no paragraph (nor code) comes of it
            self.marked = bool(inline)
            self.html = [opening for _, opening in inline] if inline else []
            return
        # Inline elements still open close here and open again for the next run.
        markup = "".join(self.html)
        if inline:
            markup += "".join(f"</{name}>" for name, _ in reversed(inline))
        marked, self.marked = self.marked, bool(inline)
        self.html = [opening for _, opening in inline] if inline else []
        if self.pre:
            code = "\n".join(line.rstrip() for line in raw.strip("\n").split("\n"))
            if code.strip():
                self._emit(code, "code")
            return
        if "\n" in raw:
            if self.join_cjk:
                raw = _CJK_BREAK.sub("", raw)
            pieces = _BLANK_LINE.split(raw)
        else:
            pieces = [raw]
        kind = "heading" if self.heading else "quote" if self.quote else "item" if self.items else "p"
        # A run split at blank lines keeps only its text: its markup could straddle the cut.
        html = _inline_html(markup, self.join_cjk) if marked and len(pieces) == 1 else ""
        for piece in pieces:
            if _LINE in piece:
                lines = [" ".join(line.split()) for line in piece.split(_LINE)]
                text = "\n".join(line for line in lines if line)
            else:
                text = " ".join(piece.split())
            if text:
                self._emit(text, kind, html)

    def _emit(self, text: str, kind: str, html: str = "") -> None:
        if kind != "code":
            kept = strip_trailing_boilerplate(text)
            if kept != text:
                html = ""  # the markup would still hold what was cut
            text = kept
            if not text or is_boilerplate(text):
                return
            if self.after_image and kind != "heading" and is_caption(text, self.styled > 0, self.image_alt):
                return
            if kind == "item" and self.item_prefix:
                text = self.item_prefix + text
                html = escape(self.item_prefix, quote=False) + html if html else ""
                self.item_prefix = ""
        self.blocks.append(Paragraph(text, kind, html))
        self.chars += len(text)
        self.after_image = False


def _inline_html(markup: str, join_cjk: bool) -> str:
    """Return a run's inline HTML trimmed: empty elements dropped, CJK line breaks joined like
    the text; "" when no markup is left."""
    if join_cjk and "\n" in markup:
        markup = _CJK_BREAK.sub("", markup)
    while True:
        shorter = _EMPTY_INLINE.sub("", markup)
        if shorter == markup:
            break
        markup = shorter
    markup = markup.strip()
    return markup if _MARKUP.search(markup) else ""


def html_blocks(
    html: str, base_url: str | None = None, join_cjk: bool = False, enough: int | None = None
) -> list[Block]:
    """Return the paragraphs and images of an HTML fragment, in order, boilerplate left out.

    With `enough`, stop early once the paragraphs hold more than that many characters.

    `join_cjk` drops a line break between two CJK characters instead of turning it into a space:
    right for Markdown, whose soft-wrapped Chinese lines are one run of text.
    """
    root = LexborHTMLParser(html).body
    if root is None:
        return []
    builder = _Builder(base_url, join_cjk)
    todo: list[LexborNode | tuple[str, bool, bool]] = []
    child = root.last_child
    while child is not None:
        todo.append(child)
        child = child.prev
    limit = enough if enough is not None else -1
    while todo:
        if builder.chars > limit >= 0:
            return builder.blocks
        item = todo.pop()
        if isinstance(item, tuple):
            builder.close(*item)
            continue
        tag = item.tag
        if tag == "-text":
            builder.text(item.text_content)
            continue
        if tag is None or tag[0] == "-" or tag in _SKIP:
            continue
        token = builder.open(tag, item)
        if token is None:
            continue
        todo.append(token)
        child = item.last_child
        while child is not None:
            todo.append(child)
            child = child.prev
    builder.flush()
    return builder.blocks
