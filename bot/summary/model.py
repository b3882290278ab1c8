"""Values the summary layer produces: the chat card (`Summary`) and full-article `Block`s."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Summary:
    """A chat-friendly card for one article; every platform renders it natively."""

    article_id: int
    key: str
    title: str
    excerpt: str
    """Plain text, whole sentences where possible; ends with "…" when cut."""
    date: datetime
    image: str | None = None
    url: str | None = None
    author: str | None = None
    hashtags: tuple[str, ...] = ()
    """Without the leading '#'; only Unicode letters, digits and '_'."""
    categories: tuple[str, ...] = ()
    """Visible categories (hidden ones removed), for footers and colours."""
    excerpt_html: str = ""
    """The excerpt as HTML paragraphs (`<p>`, list items split by `<br>`) that keep its
    paragraphs' inline markup, sanitized like `Paragraph.html`; "" when it has none (platforms
    then show `excerpt`)."""


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A run of plain text. `kind` is one of "p", "heading", "quote", "code", "item"; an item's
    text starts with its marker ("• " or "1. ")."""

    text: str
    kind: str = "p"
    html: str = field(default="", compare=False)
    """The same run as sanitized inline HTML when it has inline markup, else "": only `<a href>`
    (http(s) targets), `<em>`, `<strong>`, `<code>`, `<del>` and `<br>`, text escaped. Platforms
    that show Markdown render it; its text content is `text` (with `<br>` as line breaks).
    Not part of equality: it is another view of the same paragraph."""


@dataclass(frozen=True, slots=True)
class Image:
    """An image in the body, absolute URL."""

    url: str
    alt: str = ""


Block = Paragraph | Image
