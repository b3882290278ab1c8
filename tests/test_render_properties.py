"""Property tests: whatever a post contains, every platform gets requests it accepts.

Inputs mix markup characters, entities, emoji and other astral characters, 10,000-character
words, CJK without spaces and empty strings; the validators (written from PLATFORM-FACTS.md)
decide what "accepted" means.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.console import render as console
from adapters.discord import render as discord
from adapters.telegram import render as telegram
from bot.content.article import Article
from bot.summary import SummaryConfig, summarize
from bot.summary.blocks import html_blocks
from bot.summary.model import Image, Paragraph, Summary
from tests.validators import (
    assert_valid_discord_payload,
    assert_valid_telegram_request,
    telegram_plain_text,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs"))
_CHUNKS = st.one_of(
    st.text(_PRINTABLE, max_size=40),
    st.text(max_size=8),  # control characters included
    st.sampled_from([
        "<", ">", "&", '"', "'", "&amp;", "&#123;", "<b>", "</i>", "<br/>", "*", "_", "`", "```",
        "~~", "||", "# ", "\n> ", "\n- ", "\n1. ", "@everyone", "<@123456789012345678>", "\\",
        "https://example.com/a_b*c", "[x](https://e.com)", "\n", "\n\n", " ", ". ", "。",
        "😀" * 50, "𝔘𝔫𝔦" * 30, "中文没有空格" * 400, "x" * 10_000, "word " * 900,
    ]),
)
TEXT = st.lists(_CHUNKS, max_size=6).map("".join)
URL = st.one_of(
    st.none(),
    st.sampled_from([
        "https://example.com/post/", "http://e.com/a?b=1&c=\"2\"", "https://e.com/拜登/",
        "javascript:alert(1)", "", "https://e.com/" + "a" * 3000, "attachment://x.png",
        "https://cors.zfour.workers.dev/?http://i.guancha.cn/a.png",
    ]),
    TEXT,
)
SUMMARY = st.builds(
    Summary,
    article_id=st.integers(0, 10**9),
    key=st.just("post.md"),
    title=TEXT,
    excerpt=TEXT,
    date=st.datetimes(timezones=st.one_of(st.none(), st.just(UTC), st.timezones())),
    image=URL,
    url=URL,
    author=st.one_of(st.none(), TEXT),
    hashtags=st.lists(TEXT, max_size=8).map(tuple),
    categories=st.lists(TEXT, max_size=5).map(tuple),
)
BLOCK = st.one_of(
    st.builds(Paragraph, TEXT, st.sampled_from(["p", "heading", "quote", "code", "item", "odd"])),
    st.builds(Image, URL.map(lambda url: url or ""), TEXT),
)
BLOCKS = st.lists(BLOCK, max_size=25)


@SETTINGS
@given(SUMMARY)
def test_telegram_summary_is_always_accepted(summary: Summary) -> None:
    [request] = telegram.render_summary(summary)
    assert_valid_telegram_request(request)


@SETTINGS
@given(SUMMARY, BLOCKS)
def test_telegram_article_is_always_accepted_and_complete(summary: Summary, blocks: list) -> None:
    requests = telegram.render_article(summary, blocks)
    for request in requests:
        assert_valid_telegram_request(request)
    shown = "".join(
        telegram_plain_text(r.params.get("text", r.params.get("caption", ""))) for r in requests
    )
    squashed = "".join(shown.split())
    for block in blocks:
        if isinstance(block, Paragraph) and block.kind in ("p", "quote", "code") and block.text.isprintable():
            assert "".join(block.text.split()) in squashed


@SETTINGS
@given(SUMMARY)
def test_discord_summary_is_always_accepted(summary: Summary) -> None:
    [request] = discord.render_summary(summary)
    assert request.params["allowed_mentions"] == {"parse": []}
    assert_valid_discord_payload(request.params)


@SETTINGS
@given(SUMMARY, BLOCKS)
def test_discord_article_is_always_accepted(summary: Summary, blocks: list) -> None:
    requests = discord.render_article(summary, blocks)
    for request in requests:
        assert_valid_discord_payload(request.params)
    images = [b for b in blocks if isinstance(b, Image) and b.url.startswith(("http://", "https://"))]
    shown = [e for r in requests for e in r.params["embeds"] if "image" in e]
    assert len(shown) <= len(images)


@SETTINGS
@given(TEXT)
def test_replies_are_always_accepted(text: str) -> None:
    for request in telegram.render_text(text):
        assert_valid_telegram_request(request)
    for request in discord.render_text(text):
        assert_valid_discord_payload(request.params)
    assert len(console.render_text(text)) <= 1


@SETTINGS
@given(SUMMARY, BLOCKS)
def test_console_shows_title_and_every_paragraph(summary: Summary, blocks: list) -> None:
    [card] = console.render_summary(summary)
    [article] = console.render_article(summary, blocks)
    title = " ".join(summary.title.split())
    if title.isprintable() and title:
        assert card.params["text"].startswith(title)
    squashed = "".join(article.params["text"].split())
    for block in blocks:
        if isinstance(block, Paragraph) and block.text.isprintable():
            assert "".join(block.text.split()) in squashed


# HTML bodies: hostile text between inline and block tags, links to anywhere, broken nesting.
_HTML_TAGS = st.sampled_from([
    "<p>", "</p>", "<em>", "</em>", "<i>", "<strong>", "</strong>", "<b>", "<code>", "</code>", "<del>",
    "<s>", "<br>", "<ul><li>", "</li><li>", "</ul>", "<ol start=9><li>", "<blockquote>", "</blockquote>",
    "<h2>", "</h2>", "<pre>", "</pre>", "</a>", '<a href="https://e.com/a_(b)*c">', '<a href="javascript:alert(1)">',
    '<a href="data:text/html,x">', '<a href="/relative">', '<a href="https://e.com/">https://e.com/</a>',
    '<a href=" java\tscript:x">', '<img src="https://e.com/i.png" alt="*alt*">', "<table><tr><td>",
])
HTML = st.lists(st.one_of(_HTML_TAGS, _CHUNKS), max_size=30).map("".join)
_MASKED_TARGET = re.compile(r"\]\(([^)\s]*)\)")


@SETTINGS
@given(SUMMARY, HTML)
def test_discord_read_of_any_html_is_accepted_and_links_only_http(summary: Summary, html: str) -> None:
    requests = discord.render_article(summary, html_blocks(html, "https://example.com/post/"))
    for request in requests:
        assert request.params["allowed_mentions"] == {"parse": []}
        assert_valid_discord_payload(request.params)
        for embed in request.params["embeds"]:
            for target in _MASKED_TARGET.findall(embed.get("description", "")):
                assert target.startswith(("https://", "http://")) or not target, target
    [article] = console.render_article(summary, html_blocks(html))
    assert "](javascript" not in article.params["text"] and "](data:" not in article.params["text"]


@SETTINGS
@given(HTML, st.integers(50, 600))
def test_discord_card_of_any_html_body_is_accepted(html: str, excerpt_chars: int) -> None:
    post = Article(key="p.md", path="p.md", title="T", date=datetime(2026, 1, 1, tzinfo=UTC), body=html, id=7)
    summary = summarize(post, SummaryConfig(excerpt_chars=excerpt_chars))
    [request] = discord.render_summary(summary)
    assert_valid_discord_payload(request.params)
    for target in _MASKED_TARGET.findall(request.params["embeds"][0].get("description", "")):
        assert target.startswith(("https://", "http://")), target
