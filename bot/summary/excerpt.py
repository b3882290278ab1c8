"""Build the plain-text excerpt of a summary from the first blocks of an article.

Paragraphs are separated by one blank line, consecutive list items by a line break; images are
skipped, and so is a heading or paragraph that only repeats the title. The text is then fitted
to the target length with `bot.textfit.fit_text`, which prefers whole sentences and ends a cut
text with "…".
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.summary.boilerplate import text_key
from bot.summary.model import Block, Paragraph
from bot.textfit import fit_text


def gather(blocks: Iterable[Block], title: str, limit: int) -> str:
    """Join the text of `blocks` for an excerpt, stopping once it is longer than `limit`."""
    title_key = text_key(title)
    pieces: list[str] = []
    total = 0
    previous = ""
    for block in blocks:
        if not isinstance(block, Paragraph):
            continue
        text = block.text
        if block.kind != "code" and title_key and len(text) <= 2 * len(title) and text_key(text) == title_key:
            continue
        if pieces:
            separator = "\n" if block.kind == "item" and previous == "item" else "\n\n"
            pieces.append(separator)
            total += len(separator)
        pieces.append(text)
        total += len(text)
        previous = block.kind
        if total > limit:
            break
    return "".join(pieces).strip()


def fit_excerpt(text: str, limit: int) -> str:
    """Return `text` cut to at most `limit` code points at a sentence end where possible."""
    return fit_text(text, limit)
