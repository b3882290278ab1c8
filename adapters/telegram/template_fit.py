"""Make a card template's output a valid Telegram message body: sanitise its HTML to the Bot
API's tag set and fit it to the caption or text limit.

The output is parsed as HTML (html.parser, like Telegram's own lenient reading), and rebuilt:
allowed tags with allowed attributes only (PLATFORM-FACTS.md, "parse_mode=HTML"), `<br>` as a
line break, every other tag dropped with its text kept, no tag inside `<code>`/`<pre>` (but
`<pre><code class="language-x">`), no nested links or quotes, at most `limits.entities` tags,
every tag closed. Text is escaped again, so the result always parses. Length is the visible
text in UTF-16 units: a text node is cut (at a sentence or word, with "…"), never a tag or an
entity, and the tags still open are closed after the cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from html.parser import HTMLParser

from adapters.card import clean_text, safe_url
from adapters.telegram.limits import LIMITS, Limits
from bot.templating import CardTemplates, TemplateSource, for_platform, register_dialect
from bot.textfit import fit_text

# tag → attributes kept (Telegram's HTML set, without custom emoji and times, which need more).
_ALLOWED: dict[str, frozenset[str]] = {
    "b": frozenset(), "strong": frozenset(), "i": frozenset(), "em": frozenset(), "u": frozenset(),
    "ins": frozenset(), "s": frozenset(), "strike": frozenset(), "del": frozenset(),
    "tg-spoiler": frozenset(), "pre": frozenset(), "code": frozenset({"class"}), "span": frozenset({"class"}),
    "a": frozenset({"href"}), "blockquote": frozenset({"expandable"}),
}  # fmt: skip
_BREAKS = frozenset({"br"})
_CODE = frozenset({"code", "pre"})


class _Tokens(HTMLParser):
    """Read template output into tokens: ("open", tag, html), ("close", tag, ""), ("text", text, "")."""

    def __init__(self, limits: Limits) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple[str, str, str]] = []
        self._stack: list[str] = []
        self._limits = limits
        self._entities = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS:
            self.handle_data("\n")
            return
        opened = self._opening(tag, dict(attrs))
        if opened is None:
            return
        self._stack.append(tag)
        self._entities += 1
        self.tokens.append(("open", tag, opened))

    def _opening(self, tag: str, attrs: dict[str, str | None]) -> str | None:
        """Return the tag's sanitised HTML, or None when it is dropped (its text stays)."""
        if tag not in _ALLOWED or self._entities >= self._limits.entities:
            return None
        if any(open_tag in _CODE for open_tag in self._stack) and not (tag == "code" and self._stack[-1] == "pre"):
            return None
        if tag in ("a", "blockquote") and tag in self._stack:
            return None
        if tag == "a":
            href = safe_url(attrs.get("href"), self._limits.url)
            return f'<a href="{escape(href, quote=True)}">' if href else None
        if tag == "span":
            return '<span class="tg-spoiler">' if attrs.get("class") == "tg-spoiler" else None
        if tag == "code":
            language = attrs.get("class") or ""
            if self._stack and self._stack[-1] == "pre" and language.startswith("language-") and language[9:].isalnum():
                return f'<code class="{language}">'
            return "<code>"
        if tag == "blockquote" and "expandable" in attrs:
            return "<blockquote expandable>"
        return f"<{tag}>"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS:
            self.handle_data("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag not in self._stack:
            return
        while self._stack:
            top = self._stack.pop()
            self.tokens.append(("close", top, ""))
            if top == tag:
                return

    def handle_data(self, data: str) -> None:
        if data:
            self.tokens.append(("text", data, ""))

    def finish(self) -> list[tuple[str, str, str]]:
        """Close the parser and every tag still open; return the tokens."""
        self.close()
        while self._stack:
            self.tokens.append(("close", self._stack.pop(), ""))
        return self.tokens


def fit_template_html(output: str, limit: int, limits: Limits = LIMITS, *, plain: bool = False) -> str:
    """Return the template `output` as Telegram HTML (or, when `plain`, its visible text only)
    whose visible text is at most `limit` UTF-16 units; "" when it shows nothing."""
    parser = _Tokens(limits)
    parser.feed(clean_text(output).strip())
    tokens = parser.finish()
    measure = limits.measure
    texts = [value for kind, value, _ in tokens if kind == "text"]
    if not "".join(texts).strip():
        return ""
    total = sum(measure(text) for text in texts)
    parts: list[str] = []
    shown: list[str] = []
    used = 0
    open_tags: list[str] = []
    for kind, value, html in tokens:
        if kind == "open":
            open_tags.append(value)
            if not plain:
                parts.append(html)
        elif kind == "close":
            open_tags.pop()
            if not plain:
                parts.append(f"</{value}>")
        else:
            size = measure(value)
            if total > limit and used + size > limit:
                cut = fit_text(value, limit - used, measure)
                shown.append(cut)
                parts.append(cut if plain else escape(cut, quote=False))
                if not plain:
                    parts.extend(f"</{tag}>" for tag in reversed(open_tags))
                break
            used += size
            shown.append(value)
            parts.append(value if plain else escape(value, quote=False))
    if not "".join(shown).strip():
        return ""
    return "".join(parts).strip() if plain else "".join(parts)


def visible_text(html: str) -> str:
    """Return what Telegram shows for the sanitised `html` (tags removed, entities decoded)."""
    return fit_template_html(html, 1 << 30, plain=True)


def telegram_templates(sources: Sequence[TemplateSource]) -> CardTemplates:
    """Compile the Telegram templates among `sources`, printed values HTML-escaped."""
    return CardTemplates(for_platform(sources, "telegram"), autoescape=True)


register_dialect("telegram", telegram_templates)
