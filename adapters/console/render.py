"""Render summaries, whole articles and replies as plain text for a terminal.

The console is the fallback platform (errbot's text card): no markup and no message limits,
just readable lines. Each request is ``Request("print", {"text": ...})``. A paragraph with
inline markup is written as Markdown through html2text (`adapters.inline_markdown`), so its
links show their targets. `/read` prints at most `READ_CHARS` of an article (a terminal has no
Continue button), then says how much is left and where the rest is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from adapters.card import (
    cap_article,
    clean_line,
    clean_text,
    day_of,
    hashtags_of,
    meta_line,
    read_more,
    read_pointer,
    safe_url,
    title_of,
)
from adapters.inline_markdown import html_to_markdown
from bot.cardstyle import DEFAULT_STYLE, CardStyle, shaped
from bot.commands.i18n import Lang, message
from bot.commands.types import Reply
from bot.request import Request
from bot.summary.inline import says
from bot.summary.model import Block, Image, Paragraph, Summary
from bot.templating import CardTemplates, Layout, TemplateSource, for_platform, register_dialect

PRINT = "print"
_RULE_WIDTH = 72
READ_CHARS = 20_000
"""The console's own cap: most characters one `/read` prints."""


def _print(text: str) -> Request:
    return Request(PRINT, {"text": text})


def _head(summary: Summary, lang: Lang) -> list[str]:
    meta = meta_line(clean_line(summary.author), day_of(summary.date), hashtags_of(summary))
    return [title_of(summary, lang), meta]


def _link(summary: Summary, lang: Lang = "en") -> str:
    url = safe_url(summary.url)
    return f"{read_more(lang)}: {url}" if url else read_pointer(summary, lang)


def console_templates(sources: Sequence[TemplateSource]) -> CardTemplates:
    """Compile the console templates among `sources` (plain text: nothing is escaped)."""
    return CardTemplates(for_platform(sources, "console"))


register_dialect("console", console_templates)


def render_summary(
    summary: Summary, lang: Lang = "en", *, style: CardStyle = DEFAULT_STYLE, template: Layout | None = None
) -> list[Request]:
    """Return one print request: title, meta line, excerpt, image and link, shaped by the
    subscription's `style` (`bot.cardstyle`; silent and previews mean nothing on a terminal).
    An operator's `template` writes the whole text instead (the default when it fails or is blank)."""
    summary = shaped(summary, style)
    output = template.try_render(summary, lang, "console") if template is not None else None
    if output is not None and clean_text(output).strip():
        return [_print(clean_text(output).strip())]
    lines = _head(summary, lang)
    excerpt = clean_text(summary.excerpt).strip()
    if excerpt:
        lines += ["", excerpt]
    image = safe_url(summary.image)
    shown = message("console.card_image", lang, url=image) if image else ""
    tail = [line for line in (shown, _link(summary, lang)) if line]
    if tail:
        lines += ["", *tail]
    return [_print("\n".join(lines))]


def _block(block: Block, lang: Lang) -> str:
    if isinstance(block, Image):
        url = safe_url(block.url)
        if url is None:
            return ""
        alt = clean_line(block.alt)
        return message("console.image_alt", lang, alt=alt, url=url) if alt else message("console.image", lang, url=url)
    text = clean_text(block.text)
    if block.kind == "code":
        text = text.strip("\n").rstrip()
        return "\n".join("    " + line for line in text.split("\n")) if text.strip() else ""
    text = text.strip()
    if not text:
        return ""
    if block.html and block.kind in ("p", "item", "quote") and says(block.html, text):
        text = clean_text(html_to_markdown(block.html, str)) or text  # text as written, links shown
    if block.kind == "heading":
        text = " ".join(text.split())
        return f"{text}\n{'-' * min(len(text), _RULE_WIDTH)}"
    if block.kind == "quote":
        return "\n".join("│ " + line for line in text.split("\n"))
    if block.kind == "item":
        return text  # the text already starts with its marker ("• ", "1. ")
    return text


def render_read(reply: Reply, lang: Lang = "en") -> list[Request]:
    """Return a `/read` reply: at most `READ_CHARS` of the article, then how much is left and
    the link to the rest (the console cannot press a Continue button)."""
    summary = reply.summary
    assert summary is not None
    fitted = cap_article(reply, lambda blocks: 1 + len(render_article(summary, blocks)[0].params["text"]) // READ_CHARS, 1)
    part = fitted.part
    if part is None or part.start + len(fitted.blocks) >= part.total:
        return render_article(summary, fitted.blocks, lang)
    [request] = render_article(replace(summary, url=None), fitted.blocks, lang)  # the link comes last
    left = part.total - part.start - len(fitted.blocks)
    lines = [request.params["text"], message("read.rest", lang, left=left)]
    url = safe_url(summary.url)
    if url:
        lines.append(message("read.rest_on_site", lang, url=url))
    return [_print("\n\n".join(lines))]


def render_article(summary: Summary, blocks: Sequence[Block], lang: Lang = "en") -> list[Request]:
    """Return one print request with the whole article as readable text."""
    head = "\n".join(_head(summary, lang))
    body = [head, "=" * min(max(len(line) for line in head.split("\n")), _RULE_WIDTH)]
    text = "\n\n".join(body)
    last_item = False
    for block in blocks:
        shown = _block(block, lang)
        if not shown:
            continue
        is_item = isinstance(block, Paragraph) and block.kind == "item"
        text += ("\n" if is_item and last_item else "\n\n") + shown
        last_item = is_item
    url = safe_url(summary.url)  # no `/read` pointer: this is the whole article already
    return [_print(f"{text}\n\n{read_more(lang)}: {url}" if url else text)]


def render_text(text: str) -> list[Request]:
    """Return a plain reply as one print request; none when blank."""
    text = clean_text(text).strip()
    return [_print(text)] if text else []
