"""Discord renderer: the exact Create Message payloads a summary, an article and a reply become."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from adapters.discord import platform
from adapters.discord.markdown import escape_markdown
from adapters.discord.render import DEFAULT_COLOUR, colour_of, render_article, render_summary, render_text
from bot.summary.model import Image, Paragraph, Summary
from tests.validators import assert_valid_discord_payload

URL = "https://example.com/2022/01/03/post/"
BASE = Summary(
    article_id=42,
    key="post.md",
    title="Biden & Zelensky",
    excerpt="They spoke on Sunday.",
    date=datetime(2022, 1, 3, 9, 56, 49, tzinfo=UTC),
    url=URL,
    image="https://example.com/a.png",
    author="Observer",
    hashtags=("news",),
    categories=("新媒体", "观察者网"),
)


def test_simple_summary_is_one_exact_embed() -> None:
    [request] = render_summary(BASE)
    assert request.method == "create_message"
    assert request.params == {
        "embeds": [{
            "title": "Biden & Zelensky",
            "url": URL,
            "color": colour_of(("新媒体",)),
            "timestamp": "2022-01-03T09:56:49+00:00",
            "author": {"name": "Observer"},
            "footer": {"text": "新媒体 · 观察者网 · #news"},
            "description": "They spoke on Sunday.",
            "image": {"url": "https://example.com/a.png"},
        }],
        "allowed_mentions": {"parse": []},
    }


@pytest.mark.parametrize(
    ("changes", "absent"),
    [
        ({"image": None}, {"image"}),
        ({"url": None}, {"url"}),
        ({"author": None}, {"author"}),
        ({"categories": (), "hashtags": ()}, {"footer"}),
        ({"image": "javascript:x", "url": "mailto:a@b"}, {"image", "url"}),
    ],
)
def test_missing_parts_are_left_out(changes: dict, absent: set[str]) -> None:
    [request] = render_summary(replace(BASE, **changes))
    [embed] = request.params["embeds"]
    assert not absent & embed.keys()
    assert_valid_discord_payload(request.params)


def test_without_url_the_description_points_to_read() -> None:
    [request] = render_summary(replace(BASE, url=None))
    assert request.params["embeds"][0]["description"].endswith("Read in full: `/read 42`")


def test_markdown_is_escaped_but_links_stay_clickable() -> None:
    [request] = render_summary(replace(BASE, title="**bold** _x_", excerpt="see https://a.b/c_d and <@123> ~~s~~"))
    embed = request.params["embeds"][0]
    assert embed["title"] == "**bold** _x_"  # titles show no Markdown: a backslash would show
    assert embed["description"] == r"see https://a.b/c_d and \<@123> \~\~s\~\~"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("# heading", r"\# heading"),
        ("> quote", r"\> quote"),
        ("-# subtext", r"\-# subtext"),
        ("1. first", r"1\. first"),
        ("a > b - c", "a > b - c"),
        ("`code` [x](y) |spoiler|", r"\`code\` \[x\](y) \|spoiler\|"),
        ("back\\slash", "back\\\\slash"),
        ("١. first", r"١\. first"),  # any decimal digit starts an ordered list item
        ("  - item", r"  \- item"),
        ("line\n2) second", "line\n2\\) second"),
        ("plain words", "plain words"),
    ],
)
def test_escape_markdown(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped


def test_colour_is_stable_per_category_and_never_zero() -> None:
    assert colour_of(["Tech"]) == colour_of(["ｔｅｃｈ "]) != 0
    assert colour_of([]) == DEFAULT_COLOUR
    assert all(0 < colour_of([f"c{n}"]) <= 0xFFFFFF for n in range(50))


def test_everything_long_still_fits_the_6000_total() -> None:
    summary = replace(
        BASE,
        title="T" * 1000,
        author="A" * 1000,
        categories=tuple("C" * 100 for _ in range(50)),
        excerpt="Sentence * here. " * 1000,
    )
    [request] = render_summary(summary)
    embed = request.params["embeds"][0]
    assert len(embed["title"]) <= 256 and embed["description"].endswith("…")
    assert_valid_discord_payload(request.params)


def test_article_embeds_in_order_with_images() -> None:
    blocks = [
        Paragraph("Intro", "heading"),
        Paragraph("First *paragraph*."),
        Image("https://example.com/1.png", "A photo"),
        Paragraph("said", "quote"),
        Paragraph("x = ```y```", "code"),
        Paragraph("• one", "item"),
        Paragraph("• two", "item"),
    ]
    [request] = render_article(BASE, blocks)
    embeds = request.params["embeds"]
    assert embeds[0]["title"] == "Biden & Zelensky"
    assert embeds[0]["description"] == "**Intro**\n\nFirst \\*paragraph\\*."
    assert embeds[1]["image"] == {"url": "https://example.com/1.png"} and embeds[1]["description"] == "A photo"
    assert embeds[2]["description"].startswith("> said\n\n```\n")
    assert "```y" not in embeds[2]["description"]
    assert embeds[2]["description"].endswith("\n```\n\n• one\n• two")
    assert_valid_discord_payload(request.params)


def test_long_article_spreads_over_messages_within_limits() -> None:
    blocks = [Paragraph(f"Paragraph {n}. " + "Words and more words. " * 100) for n in range(40)]
    blocks += [Image(f"https://example.com/{n}.png") for n in range(15)]
    requests = render_article(BASE, blocks)
    assert len(requests) > 3
    text = "".join(e.get("description", "") for r in requests for e in r.params["embeds"])
    assert text.count("Words and more words.") == 4000
    images = [e["image"]["url"] for r in requests for e in r.params["embeds"] if "image" in e]
    assert images == [f"https://example.com/{n}.png" for n in range(15)]
    for request in requests:
        assert_valid_discord_payload(request.params)


def test_render_text_escapes_and_splits_at_2000() -> None:
    requests = render_text("*hi*\n\n" + "word " * 1000)
    assert requests[0].params == {"content": r"\*hi\*", "allowed_mentions": {"parse": []}}
    assert all(len(r.params["content"]) <= 2000 for r in requests)
    for request in requests:
        assert_valid_discord_payload(request.params)


def test_platform_spec_exposes_the_renderers() -> None:
    assert platform.name == "discord"
    assert platform.render_article is render_article


def test_text_too_long_for_the_card_starts_in_the_next_embed() -> None:
    summary = replace(BASE, categories=tuple("C" * 200 for _ in range(10)), author="A" * 256, title="T" * 256)
    long_paragraph = Paragraph("x" * 4000)
    with_image = render_article(summary, [Image("https://example.com/1.png"), long_paragraph])
    embeds = [embed for request in with_image for embed in request.params["embeds"]]
    assert "description" not in embeds[0]
    assert embeds[1]["image"] == {"url": "https://example.com/1.png"}
    assert embeds[2]["description"] == "x" * 4000
    [card_only, rest] = render_article(summary, [long_paragraph])
    assert "description" not in card_only.params["embeds"][0]
    assert rest.params["embeds"][0]["description"] == "x" * 4000
    for request in [*with_image, card_only, rest]:
        assert_valid_discord_payload(request.params)


def _read_body(html: str) -> str:
    """The first embed's description when `html` is an article body read on Discord."""
    from bot.summary.blocks import html_blocks

    [request, *_] = render_article(BASE, html_blocks(html, URL))
    assert_valid_discord_payload(request.params)
    return request.params["embeds"][0]["description"]


def test_read_keeps_links_emphasis_lists_quotes_and_code_as_discord_markdown() -> None:
    body = _read_body(
        '<p>See <a href="https://example.org/a_(b)">the <em>docs</em></a>, <strong>now</strong>, '
        "<code>x`y</code> and <del>old</del>.</p>"
        "<ul><li>one <b>bold</b></li><li>two</li></ul>"
        "<blockquote><p>said <i>softly</i></p></blockquote>"
        '<p>Relative <a href="/about">about</a>.</p>'
    )
    assert body == (
        "See [the *docs*](https://example.org/a_%28b%29), **now**, `xˋy` and ~~old~~.\n\n"
        "• one **bold**\n• two\n\n"
        "> said *softly*\n\n"
        "Relative [about](https://example.com/about)."
    )


def test_read_markup_never_lets_a_post_write_syntax_links_or_mentions() -> None:
    body = _read_body(
        '<p><a href="javascript:alert(1)">click</a> <a href="data:text/html,x">data</a> '
        '<em>*not bold* &lt;@123456789012345678&gt; @everyone ||spoiler|| [x](https://evil.example)</em></p>'
        '<p><a href="https://example.org/">https://example.org/</a> <strong># not a heading</strong></p>'
    )
    assert body.startswith("click data *")
    assert "javascript" not in body and "data:" not in body
    assert "\\*not bold\\*" in body and "\\<@123456789012345678>" in body
    assert "\\|\\|spoiler\\|\\|" in body and "\\[x\\](https://evil.example)" in body
    # A link that names its own address stays a bare link (Discord shows no masked URL text).
    assert "\n\nhttps://example.org/ **\\# not a heading**" in body


def test_chinese_emphasis_gets_no_spaces_and_adjacent_markers_stay_apart() -> None:
    assert _read_body("<p>中文<em>强调</em>中文，<strong>粗</strong><em>斜</em>。</p>") == "中文*强调*中文，**粗**\u200b*斜*。"


def test_a_paragraph_whose_markup_does_not_fit_one_embed_is_split_as_escaped_text() -> None:
    words = " ".join(f"w{i}" for i in range(1500))
    requests = render_article(BASE, [Paragraph(words, "p", f"<em>{words}</em>")])
    descriptions = [e.get("description", "") for r in requests for e in r.params["embeds"]]
    assert " ".join(descriptions).split() == words.split()
    for request in requests:
        assert_valid_discord_payload(request.params)


def test_card_excerpt_keeps_links_and_emphasis() -> None:
    summary = replace(
        BASE,
        excerpt="They spoke on Sunday: see the transcript.\n\n• one",
        excerpt_html='<p>They spoke on <em>Sunday</em>: see <a href="https://example.org/t">the transcript</a>.</p>'
        "<p>• one</p>",
    )
    [request] = render_summary(summary)
    description = request.params["embeds"][0]["description"]
    assert description == "They spoke on *Sunday*: see [the transcript](https://example.org/t).\n\n• one"
    assert_valid_discord_payload(request.params)


def test_card_excerpt_markup_that_says_something_else_is_not_shown() -> None:
    summary = replace(BASE, excerpt="They spoke.", excerpt_html='<p><a href="https://evil.example">Other words</a></p>')
    [request] = render_summary(summary)
    assert request.params["embeds"][0]["description"] == "They spoke."
