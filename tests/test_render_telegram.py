"""Telegram renderer: the exact Bot API requests a summary, an article and a reply become."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

from adapters.telegram import platform
from adapters.telegram.limits import LIMITS
from adapters.telegram.render import render_article, render_summary, render_text
from bot.summary.model import Image, Paragraph, Summary
from tests.validators import assert_valid_telegram_request, telegram_plain_text

URL = "https://example.com/2022/01/03/post/"
BUTTON = {"inline_keyboard": [[{"text": "Read more", "url": URL}]]}
BASE = Summary(
    article_id=42,
    key="post.md",
    title="Biden & Zelensky",
    excerpt="They spoke on Sunday.",
    date=datetime(2022, 1, 3, 9, 56, 49, tzinfo=UTC),
    url=URL,
    author="Observer",
    hashtags=("news", "观察者网"),
    categories=("新媒体",),
)


def test_simple_summary_is_one_exact_html_message() -> None:
    assert [r.as_json() for r in render_summary(BASE)] == [{
        "method": "sendMessage",
        "params": {
            "text": f'<b><a href="{URL}">Biden &amp; Zelensky</a></b>\n'
                    "Observer · 2022-01-03 · #news #观察者网\n\nThey spoke on Sunday.",
            "parse_mode": "HTML",
            "link_preview_options": {"url": URL, "prefer_large_media": True},
            "reply_markup": BUTTON,
        },
    }]


@pytest.mark.parametrize(
    ("changes", "method", "has_button", "tail"),
    [
        ({}, "sendMessage", True, "They spoke on Sunday."),
        ({"image": "https://example.com/a.png"}, "sendPhoto", True, "They spoke on Sunday."),
        ({"url": None}, "sendMessage", False, "Read in full: /read 42"),
        ({"url": None, "image": "https://example.com/a.png"}, "sendPhoto", False, "Read in full: /read 42"),
        ({"url": "javascript:alert(1)"}, "sendMessage", False, "Read in full: /read 42"),
        ({"image": "ftp://example.com/a.png"}, "sendMessage", True, "They spoke on Sunday."),
        ({"author": None, "hashtags": ()}, "sendMessage", True, "They spoke on Sunday."),
        ({"excerpt": ""}, "sendMessage", True, "2022-01-03 · #news #观察者网"),
    ],
)
def test_summary_shapes(changes: dict, method: str, has_button: bool, tail: str) -> None:
    [request] = render_summary(replace(BASE, **changes))
    assert request.method == method
    assert ("reply_markup" in request.params) is has_button
    body = request.params["caption" if method == "sendPhoto" else "text"]
    assert telegram_plain_text(body).endswith(tail)
    assert_valid_telegram_request(request)


def test_summary_without_url_has_plain_bold_title_and_no_preview() -> None:
    [request] = render_summary(replace(BASE, url=None))
    assert request.params["text"].startswith("<b>Biden &amp; Zelensky</b>\n")
    assert request.params["link_preview_options"] == {"is_disabled": True}


def test_meta_line_without_author_or_tags_is_just_the_date() -> None:
    [request] = render_summary(replace(BASE, author=None, hashtags=()))
    assert telegram_plain_text(request.params["text"]).split("\n")[1] == "2022-01-03"


def test_markup_in_titles_and_urls_is_escaped() -> None:
    url = 'https://example.com/?a=1&b="2"'
    [request] = render_summary(replace(BASE, title='<script>"x"</script>', url=url, excerpt="a < b > c"))
    text = request.params["text"]
    assert "href" not in text and "reply_markup" not in request.params  # quotes: not a URL we link
    assert "&lt;script&gt;" in text and "a &lt; b &gt; c" in text
    assert_valid_telegram_request(request)


def test_query_string_ampersand_is_escaped_in_href() -> None:
    [request] = render_summary(replace(BASE, url="https://example.com/?a=1&b=2"))
    assert 'href="https://example.com/?a=1&amp;b=2"' in request.params["text"]


def test_non_ascii_url_is_percent_encoded() -> None:
    [request] = render_summary(replace(BASE, url="https://example.com/拜登"))
    assert request.params["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://example.com/%E6%8B%9C%E7%99%BB"


def test_long_excerpt_is_cut_to_the_caption_with_the_header_intact() -> None:
    summary = replace(BASE, image="https://example.com/a.png", excerpt="A sentence here. " * 200)
    [request] = render_summary(summary)
    plain = telegram_plain_text(request.params["caption"])
    assert plain.startswith("Biden & Zelensky\nObserver · 2022-01-03")
    assert plain.endswith("…")
    assert len(plain) <= 1024
    assert_valid_telegram_request(request)


def test_huge_title_is_shortened_and_excerpt_keeps_room() -> None:
    summary = replace(BASE, image="https://example.com/a.png", title="Word " * 1000, excerpt="Short.")
    [request] = render_summary(summary)
    plain = telegram_plain_text(request.params["caption"])
    assert plain.endswith("Short.")
    assert len(plain.split("\n")[0]) <= 256
    assert_valid_telegram_request(request)


def test_article_header_first_blocks_in_order_button_last() -> None:
    blocks = [
        Paragraph("Intro", "heading"),
        Paragraph("First paragraph."),
        Image("https://example.com/1.png", "A photo"),
        Paragraph("said someone", "quote"),
        Paragraph("print(1 < 2)", "code"),
        Paragraph("• one", "item"),
        Paragraph("• two", "item"),
    ]
    requests = render_article(BASE, blocks)
    assert [r.method for r in requests] == ["sendMessage", "sendPhoto", "sendMessage"]
    assert requests[0].params["text"].endswith("<b>Intro</b>\n\nFirst paragraph.")
    assert requests[0].params["text"].startswith(f'<b><a href="{URL}">')
    assert requests[1].params == {"photo": "https://example.com/1.png", "caption": "A photo", "parse_mode": "HTML"}
    assert requests[2].params["text"] == (
        "<blockquote>said someone</blockquote>\n\n<pre>print(1 &lt; 2)</pre>\n\n• one\n• two"
    )
    assert requests[-1].params["reply_markup"] == BUTTON
    assert all("reply_markup" not in r.params for r in requests[:-1])
    for request in requests:
        assert_valid_telegram_request(request)


def test_long_article_is_split_into_messages_within_the_limit_losing_nothing() -> None:
    paragraphs = [Paragraph(f"Paragraph {n}. " + "Some sentence goes here. " * 60) for n in range(30)]
    requests = render_article(BASE, paragraphs)
    assert len(requests) > 5
    shown = "".join(telegram_plain_text(r.params["text"]) for r in requests)
    for n in range(30):
        assert f"Paragraph {n}." in shown
    assert shown.count("Some sentence goes here.") == 30 * 60
    for request in requests:
        assert_valid_telegram_request(request)


def test_many_headings_stay_within_the_entity_limit() -> None:
    requests = render_article(BASE, [Paragraph(f"H{n}", "heading") for n in range(250)])
    assert len(requests) >= 3
    for request in requests:
        assert_valid_telegram_request(request)


def test_article_with_bad_image_url_skips_it() -> None:
    requests = render_article(BASE, [Image("data:image/png;base64,xx"), Paragraph("Text.")])
    assert [r.method for r in requests] == ["sendMessage"]


def test_render_text_escapes_and_splits() -> None:
    requests = render_text("a <b> & c\n\n" + "x " * 5000)
    assert requests[0].params["text"].startswith("a &lt;b&gt; &amp; c")
    assert len(requests) == 4  # the short first paragraph alone, then 10,000 characters in three
    for request in requests:
        assert_valid_telegram_request(request)
    assert render_text("  \n ") == []


def test_platform_spec_exposes_the_renderers() -> None:
    assert platform.name == "telegram"
    assert platform.render_summary is render_summary


def test_limits_agree_with_python_telegram_bot() -> None:
    assert LIMITS.text == MessageLimit.MAX_TEXT_LENGTH
    assert LIMITS.caption == MessageLimit.CAPTION_LENGTH
    assert LIMITS.entities == MessageLimit.MESSAGE_ENTITIES
    assert LIMITS.callback_data == InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
