"""Property tests: whatever a post contains, every platform gets requests it accepts.

Inputs mix markup characters, entities, emoji and other astral characters, 10,000-character
words, CJK without spaces and empty strings; the validators (written from PLATFORM-FACTS.md)
decide what "accepted" means.
"""

from __future__ import annotations

from datetime import UTC

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.console import render as console
from adapters.discord import render as discord
from adapters.telegram import render as telegram
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
