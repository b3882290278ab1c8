"""Digest messages on each platform: any titles, links and categories (hostile HTML, Markdown,
huge, empty) give requests the platform accepts, within its limits, saying what the chat needs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

from hypothesis import given
from hypothesis import strategies as st

from adapters.console.digest import render_digest as console_digest
from adapters.discord.digest import render_digest as discord_digest
from adapters.telegram.digest import render_digest as telegram_digest
from bot.cardstyle import CardStyle
from bot.digests import MAX_LISTED, Digest, DigestItem, DigestSchedule
from tests.validators.discord import assert_valid_discord_payload
from tests.validators.telegram import assert_valid_telegram_request, telegram_plain_text

SCHEDULE = DigestSchedule("daily", 8, 0)
DAY = datetime(2026, 3, 27, 7, 0, tzinfo=UTC)

_HOSTILE = st.sampled_from([
    "", " ", "<b>bold</b>", "</a><script>x</script>", "&amp; &lt; & <", "[link](https://evil.example)",
    "**stars** __under__ ~~strike~~ ||spoiler|| `code`", "# heading\n> quote\n- item", "@everyone <@123>",
    "https://example.org/a_(b)]", "\u202e\u0000\x1f\ud800", "😀" * 300, "长标题" * 500, "x" * 5000,
])
_TEXT = st.one_of(_HOSTILE, st.text(max_size=400))
_URL = st.one_of(
    st.none(),
    st.sampled_from([
        "https://example.org/post", "https://example.org/a_(b)?q=1&r=<2>", "http://例子.测试/路径",
        "javascript:alert(1)", "https://example.org/" + "p" * 3000, "https://ex ample.org/", "ftp://x.org/",
        'https://example.org/"onmouseover=', "https://example.org/[x](y)",
    ]),
    st.text(max_size=80),
)
_ITEM = st.builds(
    DigestItem, article_id=st.integers(1, 10**12), title=_TEXT, url=_URL, category=st.one_of(st.none(), _TEXT),
    date=st.just(DAY),
)
_DIGEST = st.builds(
    Digest, schedule=st.just(SCHEDULE), period=st.just("2026-03-27"),
    items=st.lists(_ITEM, min_size=1, max_size=MAX_LISTED).map(tuple), more=st.integers(0, 10**6),
)
_LANG = st.sampled_from(["en", "zh", "zh-Hant"])
_STYLE = st.builds(CardStyle, silent=st.booleans())


@given(_DIGEST, _LANG, st.booleans(), _STYLE)
def test_telegram_digests_are_valid_messages_within_the_limits(digest: Digest, lang, plain: bool, style) -> None:
    requests = telegram_digest(digest, lang, plain=plain, style=style)
    assert 1 <= len(requests) <= 3
    for request in requests:
        assert request.method == "sendMessage"
        assert_valid_telegram_request(request)
        assert request.params["link_preview_options"] == {"is_disabled": True}
        assert request.params.get("disable_notification", False) is style.silent
        assert ("parse_mode" in request.params) is not plain
    shown = "\n".join(
        request.params["text"] if plain else telegram_plain_text(request.params["text"]) for request in requests
    )
    count = len(digest.items) + digest.more
    assert str(count) in shown.split("\n", 1)[0]
    assert shown.count("\n• ") + shown.startswith("• ") == len(digest.items)
    if digest.more:
        assert str(digest.more) in shown.rstrip().rsplit("\n", 1)[-1]
    if not plain:
        html = "".join(request.params["text"] for request in requests)
        for href in re.findall(r'<a href="([^"]*)">', html):
            assert unescape(href).startswith(("http://", "https://"))


@given(_DIGEST, _LANG, st.booleans(), _STYLE)
def test_discord_digests_are_one_valid_embed_within_the_limits(digest: Digest, lang, plain: bool, style) -> None:
    requests = discord_digest(digest, lang, plain=plain, style=style)
    assert requests
    for request in requests:
        assert request.method == "create_message"
        assert_valid_discord_payload(request.params)
        assert request.params["allowed_mentions"] == {"parse": []}
        assert request.params.get("flags", 0) == (4096 if style.silent else 0)
    if plain:
        return
    [request] = requests
    [embed] = request.params["embeds"]
    count = len(digest.items) + digest.more
    assert str(count) in embed["title"]
    lines = embed["description"].split("\n")
    listed = [line for line in lines if line.startswith("• ")]
    assert 1 <= len(listed) <= len(digest.items)
    left = digest.more + len(digest.items) - len(listed)
    if left:
        assert str(left) in lines[-1]
    else:
        assert len(lines) == len(listed)


def test_a_title_with_markdown_and_brackets_stays_inside_its_link_on_discord() -> None:
    item = DigestItem(1, "Read [this](https://evil.example) **now**", "https://example.org/a_(b)", "Tech", DAY)
    [request] = discord_digest(Digest(SCHEDULE, "2026-03-27", (item,)))
    [embed] = request.params["embeds"]
    line = embed["description"]
    assert line.startswith("• [Read \\[this\\]\\(https\\:\\/\\/evil\\.example\\) \\*\\*now\\*\\*]")
    assert line.endswith("](https://example.org/a_%28b%29) · Tech · 2026-03-27")
    assert embed["title"] == "Digest · 1 new article"


def test_telegram_lists_titles_as_links_with_category_and_date_and_counts_the_rest() -> None:
    items = (
        DigestItem(2, "Newer <one>", "https://example.org/2", "Sport", DAY),
        DigestItem(1, "Older", None, None, DAY),
    )
    [request] = telegram_digest(Digest(SCHEDULE, "2026-03-27", items, more=5), "en")
    assert request.params["text"] == (
        "<b>Digest · 7 new articles</b>\n\n"
        '• <a href="https://example.org/2">Newer &lt;one&gt;</a> · Sport · 2026-03-27\n'
        "• Older · 2026-03-27 · /read 1\n"
        "<i>…and 5 more</i>"
    )
    [zh] = telegram_digest(Digest(SCHEDULE, "2026-03-27", items, more=5), "zh", plain=True)
    assert zh.params["text"].startswith("摘要 · 7 篇新文章\n\n• Newer <one> · Sport") and "parse_mode" not in zh.params


def test_many_long_lines_split_into_several_telegram_messages() -> None:
    items = tuple(DigestItem(n, "标题" * 200, f"https://example.org/{n}", "类" * 64, DAY) for n in range(MAX_LISTED))
    requests = telegram_digest(Digest(SCHEDULE, "2026-03-27", items), "zh")
    assert len(requests) == 2
    for request in requests:
        assert_valid_telegram_request(request)
    assert sum(request.params["text"].count("<a href=") for request in requests) == MAX_LISTED


@given(_DIGEST, _LANG)
def test_console_digests_print_every_listed_article(digest: Digest, lang) -> None:
    [request] = console_digest(digest, lang)
    text = request.params["text"]
    assert request.method == "print" and text.count("\n• ") == len(digest.items)
    assert str(len(digest.items) + digest.more) in text.split("\n", 1)[0]
