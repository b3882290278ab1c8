"""Build the plain-text excerpt of a summary from the first blocks of an article.

Paragraphs are separated by one blank line, consecutive list items by a line break; images are
skipped, and so is a heading or paragraph that only repeats the title. The text is then fitted
to the target length with `bot.textfit.fit_text`, which prefers whole sentences and ends a cut
text with "…". `excerpt_html` gives the same excerpt with the paragraphs' inline markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from html import escape

from bot.summary.boilerplate import text_key
from bot.summary.inline import cut
from bot.summary.model import Block, Paragraph
from bot.textfit import ELLIPSIS, fit_text


def _excerpt_paragraphs(blocks: Iterable[Block], title: str) -> Iterator[tuple[str, Paragraph]]:
    """Yield the paragraphs an excerpt is made of, each with the separator that goes before it."""
    title_key = text_key(title)
    previous = None
    for block in blocks:
        if not isinstance(block, Paragraph):
            continue
        text = block.text
        if block.kind != "code" and title_key and len(text) <= 2 * len(title) and text_key(text) == title_key:
            continue
        separator = "" if previous is None else "\n" if block.kind == "item" and previous == "item" else "\n\n"
        yield separator, block
        previous = block.kind


def gather(blocks: Iterable[Block], title: str, limit: int) -> str:
    """Join the text of `blocks` for an excerpt, stopping once it is longer than `limit`."""
    pieces: list[str] = []
    total = 0
    for separator, block in _excerpt_paragraphs(blocks, title):
        pieces += (separator, block.text)
        total += len(separator) + len(block.text)
        if total > limit:
            break
    return "".join(pieces).strip()


def excerpt_html(blocks: Iterable[Block], title: str, excerpt: str) -> str:
    """Return `excerpt` (made by `gather` and `fit_excerpt` from these blocks) as HTML paragraphs
    that keep the paragraphs' inline markup (`Paragraph.html`, the last one cut where the excerpt
    ends), consecutive list items one per line; "" when none of its paragraphs has markup."""
    kept = excerpt.removesuffix(ELLIPSIS).rstrip() if excerpt.endswith(ELLIPSIS) else excerpt
    paragraphs: list[list[str]] = []
    marked = False
    so_far = ""
    for separator, block in _excerpt_paragraphs(blocks, title):
        start = len(so_far) + len(separator) if so_far else 0  # where this paragraph starts in `kept`
        so_far = (so_far + separator + block.text).strip() if so_far else block.text.strip()
        whole = kept.startswith(so_far) and len(so_far) <= len(kept)
        markup = (block.html if whole else cut(block.html, kept[start:])) if block.html else None
        shown = markup or escape(block.text if whole else kept[start:], quote=False)
        marked = marked or bool(markup)
        if separator == "\n" and paragraphs:
            paragraphs[-1].append(shown)
        else:
            paragraphs.append([shown])
        if not whole or len(so_far) >= len(kept):
            break
    if not marked:
        return ""
    paragraphs[-1][-1] += escape(excerpt[len(kept):], quote=False)  # the ellipsis of a cut excerpt
    return "".join("<p>" + "<br>".join(lines) + "</p>" for lines in paragraphs)


def fit_excerpt(text: str, limit: int) -> str:
    """Return `text` cut to at most `limit` code points at a sentence end where possible."""
    return fit_text(text, limit)
