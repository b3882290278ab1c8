"""Card styles (`/settings`): silent, link preview, thumbnail and excerpt length, as the exact
requests each platform gets; property tests that every style of any summary stays acceptable.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.console import render as console
from adapters.discord import render as discord
from adapters.discord.outlet import message_kwargs
from adapters.telegram import render as telegram
from bot.cardstyle import DEFAULT_STYLE, LENGTHS, SHORT_EXCERPT, CardStyle, shaped
from bot.summary.model import Summary
from tests.test_render_properties import HTML, SETTINGS, SUMMARY
from tests.validators import assert_valid_discord_payload, assert_valid_telegram_request, telegram_plain_text

URL = "https://example.com/2026/02/01/post/"
IMAGE = "https://img.example.com/a.png"
SENTENCE = "The council met on Sunday and talked about the new bridge for a long time. "
BASE = Summary(
    article_id=42,
    key="post.md",
    title="Bridge news",
    excerpt=(SENTENCE * 20).strip(),
    date=datetime(2026, 2, 1, 10, 0, tzinfo=UTC),
    image=IMAGE,
    url=URL,
    author="Reporter",
    hashtags=("city",),
    categories=("City",),
    excerpt_html="<p>" + (SENTENCE * 20).strip().replace("bridge", "<em>bridge</em>") + "</p>",
)
QUIET = CardStyle(silent=True, preview=False, thumbnail=False)
STYLES = st.builds(CardStyle, st.booleans(), st.booleans(), st.booleans(), st.sampled_from(LENGTHS))
SUMMARIES = st.builds(lambda s, html: replace(s, excerpt_html=html), SUMMARY, st.one_of(st.just(""), HTML))


def _telegram_text(params: dict[str, Any]) -> str:
    shown = params.get("text", params.get("caption", ""))
    return telegram_plain_text(shown) if params.get("parse_mode") else shown


# -- the neutral part ----------------------------------------------------------------------


def test_the_default_style_leaves_the_summary_alone() -> None:
    assert shaped(BASE, DEFAULT_STYLE) is BASE
    assert shaped(BASE, CardStyle(silent=True, preview=False)) is BASE


def test_thumbnail_off_drops_the_image_only() -> None:
    assert shaped(BASE, CardStyle(thumbnail=False)) == replace(BASE, image=None)


def test_short_cuts_the_excerpt_after_a_sentence_and_drops_its_html() -> None:
    short = shaped(BASE, CardStyle(length="short"))
    assert len(short.excerpt) <= SHORT_EXCERPT and short.excerpt.endswith("time. …")
    assert short.excerpt_html == "" and short.image == IMAGE
    brief = replace(BASE, excerpt="Short already.", excerpt_html="<p><em>Short</em> already.</p>")
    assert shaped(brief, CardStyle(length="short")) is brief  # nothing to cut: its markup stays


def test_title_leaves_no_excerpt() -> None:
    titled = shaped(BASE, CardStyle(length="title"))
    assert (titled.excerpt, titled.excerpt_html, titled.title, titled.url) == ("", "", BASE.title, URL)


# -- Telegram ------------------------------------------------------------------------------


def test_telegram_quiet_card_is_a_silent_text_message_without_preview() -> None:
    [request] = telegram.render_summary(BASE, style=QUIET)
    assert request.method == "sendMessage"
    assert request.params["disable_notification"] is True
    assert request.params["link_preview_options"] == {"is_disabled": True}
    assert request.params["reply_markup"] == {"inline_keyboard": [[{"text": "Read more", "url": URL}]]}
    # The text limit, not the caption's: the whole 1,500-character excerpt fits.
    assert BASE.excerpt in _telegram_text(request.params)
    [photo] = telegram.render_summary(BASE)
    assert photo.method == "sendPhoto" and BASE.excerpt not in _telegram_text(photo.params)


def test_telegram_photo_cards_have_no_preview_to_turn_off() -> None:
    [request] = telegram.render_summary(BASE, style=CardStyle(silent=True, preview=False))
    assert request.method == "sendPhoto" and "link_preview_options" not in request.params
    assert request.params["disable_notification"] is True


@pytest.mark.parametrize(
    ("style", "preview"),
    [
        (DEFAULT_STYLE, {"url": URL, "prefer_large_media": True}),
        (CardStyle(preview=False), {"is_disabled": True}),
        (CardStyle(thumbnail=False), {"url": URL, "prefer_small_media": True}),
        (CardStyle(thumbnail=False, preview=False), {"is_disabled": True}),
    ],
)
def test_telegram_text_card_previews(style: CardStyle, preview: dict[str, Any]) -> None:
    [request] = telegram.render_summary(replace(BASE, image=None), style=style)
    assert request.params["link_preview_options"] == preview
    assert "disable_notification" not in request.params


@pytest.mark.parametrize("plain", [False, True])
def test_telegram_lengths(plain: bool) -> None:
    [short] = telegram.render_summary(BASE, style=CardStyle(length="short"), plain=plain)
    [title] = telegram.render_summary(BASE, style=CardStyle(length="title"), plain=plain)
    [normal] = telegram.render_summary(BASE, plain=plain)
    shown = {name: _telegram_text(r.params) for name, r in (("short", short), ("title", title), ("normal", normal))}
    assert shown["title"] == "Bridge news\nReporter · 2026-02-01 · #city"
    assert shown["short"].startswith(shown["title"] + "\n\nThe council met")
    assert shown["short"].endswith("time. …") and len(shown["short"]) < len(shown["title"]) + SHORT_EXCERPT + 3
    assert len(shown["normal"]) > len(shown["short"])
    assert all(r.method == "sendPhoto" and r.params["reply_markup"] for r in (short, title, normal))


# -- Discord -------------------------------------------------------------------------------


def test_discord_quiet_card_is_silent_and_has_no_image() -> None:
    [request] = discord.render_summary(BASE, style=QUIET)
    assert request.params["flags"] == discord.SUPPRESS_NOTIFICATIONS
    [embed] = request.params["embeds"]
    assert "image" not in embed and "thumbnail" not in embed
    kwargs = message_kwargs(request.params)
    assert kwargs["silent"] is True and "suppress_embeds" not in kwargs
    [default] = discord.render_summary(BASE)
    assert "flags" not in default.params and default.params["embeds"][0]["image"] == {"url": IMAGE}


def test_discord_preview_changes_nothing_on_the_embed_card() -> None:
    assert discord.render_summary(BASE, style=CardStyle(preview=False)) == discord.render_summary(BASE)


def test_discord_plain_fallback_keeps_its_links_from_unfurling_when_previews_are_off() -> None:
    [request] = discord.render_plain_summary(BASE, style=CardStyle(preview=False, length="title"))
    assert request.params["content"] == f"Bridge news\n\n{URL}"
    assert request.params["flags"] == discord.SUPPRESS_EMBEDS
    assert message_kwargs(request.params)["suppress_embeds"] is True
    [silent] = discord.render_plain_summary(BASE, style=CardStyle(silent=True))
    assert silent.params["flags"] == discord.SUPPRESS_NOTIFICATIONS
    [default] = discord.render_plain_summary(BASE)
    assert "flags" not in default.params and BASE.excerpt in default.params["content"]


def test_discord_lengths() -> None:
    [short] = discord.render_summary(BASE, style=CardStyle(length="short"))
    [title] = discord.render_summary(BASE, style=CardStyle(length="title"))
    description = short.params["embeds"][0]["description"]
    assert description.endswith("time. …") and "*" not in description  # the cut plain text
    assert len(description) <= SHORT_EXCERPT + 10  # escaping may add a few backslashes
    assert "description" not in title.params["embeds"][0]
    assert title.params["embeds"][0]["title"] == "Bridge news"


# -- console -------------------------------------------------------------------------------


def test_console_styles() -> None:
    [default] = console.render_summary(BASE)
    [quiet] = console.render_summary(BASE, style=replace(QUIET, length="title"))
    assert f"Image: {IMAGE}" in default.params["text"]
    assert quiet.params["text"] == f"Bridge news\nReporter · 2026-02-01 · #city\n\nRead more: {URL}"


# -- any summary, any style ----------------------------------------------------------------


@SETTINGS
@given(SUMMARIES, STYLES)
def test_shaped_changes_only_the_image_and_excerpt(summary: Summary, style: CardStyle) -> None:
    shown = shaped(summary, style)
    assert shown.image == (summary.image if style.thumbnail else None)
    assert replace(shown, image=None, excerpt="", excerpt_html="") == replace(
        summary, image=None, excerpt="", excerpt_html="")
    if style.length == "title":
        assert (shown.excerpt, shown.excerpt_html) == ("", "")
    elif style.length == "short" and shown.excerpt != summary.excerpt:
        assert len(shown.excerpt) <= SHORT_EXCERPT and shown.excerpt_html == ""
        assert summary.excerpt.strip().startswith(shown.excerpt.removesuffix("…").rstrip())
    else:
        assert (shown.excerpt, shown.excerpt_html) == (summary.excerpt, summary.excerpt_html)



@SETTINGS
@given(SUMMARIES, STYLES, st.booleans())
def test_telegram_any_style_is_accepted_and_honoured(summary: Summary, style: CardStyle, plain: bool) -> None:
    [request] = telegram.render_summary(summary, style=style, plain=plain)
    assert_valid_telegram_request(request)
    assert request.params.get("disable_notification", False) is style.silent
    if not style.thumbnail:
        assert request.method == "sendMessage"
    if request.method == "sendMessage" and not style.preview:
        assert request.params["link_preview_options"] == {"is_disabled": True}
    if style.length == "title":
        bare = replace(summary, excerpt="", excerpt_html="")
        assert [request] == telegram.render_summary(bare, style=replace(style, length="normal"), plain=plain)
    if style == DEFAULT_STYLE:
        assert [request] == telegram.render_summary(summary, plain=plain)


@SETTINGS
@given(SUMMARIES, STYLES)
def test_discord_any_style_is_accepted_and_honoured(summary: Summary, style: CardStyle) -> None:
    [request] = discord.render_summary(summary, style=style)
    assert_valid_discord_payload(request.params)
    assert bool(request.params.get("flags", 0) & discord.SUPPRESS_NOTIFICATIONS) is style.silent
    if not style.thumbnail:
        assert all("image" not in embed for embed in request.params["embeds"])
    if style.length == "title":
        bare = replace(summary, excerpt="", excerpt_html="")
        assert [request] == discord.render_summary(bare, style=replace(style, length="normal"))
    if style == DEFAULT_STYLE:
        assert [request] == discord.render_summary(summary)
    for plain in discord.render_plain_summary(summary, style=style):
        assert_valid_discord_payload(plain.params)
        assert bool(plain.params.get("flags", 0) & discord.SUPPRESS_EMBEDS) is (not style.preview)


@SETTINGS
@given(SUMMARIES, STYLES)
def test_console_any_style_is_honoured(summary: Summary, style: CardStyle) -> None:
    [request] = console.render_summary(summary, style=style)
    if not style.thumbnail:
        assert request == console.render_summary(replace(summary, image=None), style=style)[0]
    if style.length == "title":
        bare = replace(summary, excerpt="", excerpt_html="")
        assert [request] == console.render_summary(bare, style=replace(style, length="normal"))
    if style == DEFAULT_STYLE:
        assert [request] == console.render_summary(summary)
