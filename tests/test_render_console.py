"""Console renderer: readable plain text for the terminal fallback."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from adapters.console import platform
from adapters.console.render import render_article, render_summary, render_text
from bot.platform import load_platforms
from bot.summary.model import Image, Paragraph, Summary

BASE = Summary(
    article_id=7,
    key="post.md",
    title="Hello <World>",
    excerpt="First sentence.",
    date=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
    url="https://example.com/hello/",
    author="Ann",
    hashtags=("rust",),
)


def test_summary_is_title_meta_excerpt_link() -> None:
    assert render_summary(BASE)[0].as_json() == {
        "method": "print",
        "params": {
            "text": "Hello <World>\nAnn · 2024-05-01 · #rust\n\nFirst sentence.\n\n"
                    "Read more: https://example.com/hello/"
        },
    }


def test_summary_without_url_points_to_read_and_shows_image() -> None:
    text = render_summary(replace(BASE, url=None, image="https://example.com/a.png"))[0].params["text"]
    assert text.endswith("Image: https://example.com/a.png\nRead in full: /read 7")


def test_blank_title_reads_untitled() -> None:
    assert render_summary(replace(BASE, title="  "))[0].params["text"].startswith("Untitled\n")


def test_article_prints_every_block_in_order() -> None:
    blocks = [
        Paragraph("Part", "heading"),
        Paragraph("Body text."),
        Image("https://example.com/1.png", "pic"),
        Paragraph("wise words", "quote"),
        Paragraph("x = 1\ny = 2", "code"),
        Paragraph("• item", "item"),
    ]
    [request] = render_article(BASE, blocks)
    text = request.params["text"]
    order = ["Hello <World>", "Part\n----", "Body text.", "[image: pic] https://example.com/1.png",
             "│ wise words", "    x = 1\n    y = 2", "• item", "Read more: https://example.com/hello/"]
    positions = [text.index(piece) for piece in order]
    assert positions == sorted(positions)


def test_render_text_and_entry_points() -> None:
    assert render_text(" hi ")[0].params == {"text": "hi"}
    assert render_text("") == []
    assert platform.name == "console"
    assert set(load_platforms()) >= {"telegram", "discord", "console"}


def test_read_shows_link_targets_and_text_as_written() -> None:
    from bot.summary.blocks import html_blocks

    blocks = html_blocks(
        '<p>See <a href="https://example.org/docs">the <em>docs</em></a> or <a href="javascript:x()">this</a>: '
        "a*b_c &lt;tag&gt;.</p>"
    )
    [request] = render_article(BASE, blocks)
    assert "See [the *docs*](https://example.org/docs) or this: a*b_c <tag>." in request.params["text"]
