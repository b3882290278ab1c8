"""The test-side validators reject what Telegram and Discord reject (so green renders mean something)."""

from __future__ import annotations

import pytest

from bot.request import Request
from tests.validators import (
    telegram_plain_text,
    validate_discord_payload,
    validate_telegram_call,
    validate_telegram_request,
)


def _html(text: str, method: str = "sendMessage") -> list[str]:
    field = "text" if method == "sendMessage" else "caption"
    params = {field: text, "parse_mode": "HTML"}
    if method == "sendPhoto":
        params["photo"] = "https://e.com/a.png"
    return validate_telegram_call(method, params)


@pytest.mark.parametrize(
    "html",
    [
        '<b>bold</b> <i>it</i> <a href="https://e.com/?a=1&amp;b=2">link</a> &lt;&gt;&amp;&quot; &#123; &#x1F600;',
        '<pre><code class="language-python">x &lt; 1</code></pre>',
        '<blockquote expandable>quote</blockquote><span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
        "<b>bold <i>and italic</i></b>",
    ],
)
def test_valid_telegram_html_passes(html: str) -> None:
    assert _html(html) == []


@pytest.mark.parametrize(
    ("html", "complaint"),
    [
        ("<p>para</p>", "unsupported tag"),
        ("line<br/>break", "self-closing"),
        ("a < b", "bare <"),
        ("a > b", "bare <"),
        ("fish & chips", "bare &"),
        ("&nbsp;", "bare &"),
        ("<b>open", "unclosed"),
        ("<b><i>x</b></i>", "unexpected"),
        ("<blockquote><blockquote>x</blockquote></blockquote>", "nested"),
        ("<code><b>x</b></code>", "inside code"),
        ('<span class="x">s</span>', "tg-spoiler"),
        ('<a href="javascript:x">l</a>', "bad href"),
        ("<a>l</a>", "needs href"),
        ("<!-- c -->x", "comment"),
        ("   ", "empty"),
        ("x" * 4097, "4097 UTF-16"),
        ("😀" * 2049, "4098 UTF-16"),
        ("<b>x</b>" * 101, "entities"),
    ],
)
def test_invalid_telegram_html_is_rejected(html: str, complaint: str) -> None:
    errors = _html(html)
    assert any(complaint in error for error in errors), errors


def test_caption_limit_counts_parsed_text_not_tags() -> None:
    assert _html("<b>" + "&amp;" * 1024 + "</b>", "sendPhoto") == []
    assert any("1025" in e for e in _html("x" * 1025, "sendPhoto"))
    assert _html("", "sendPhoto") == []  # captions may be empty


def test_plain_text_decodes_entities_and_drops_tags() -> None:
    assert telegram_plain_text('<b><a href="x">A &amp; B</a></b> &#x27;q&#39;') == "A & B 'q'"


@pytest.mark.parametrize(
    ("markup", "complaint"),
    [
        ({"inline_keyboard": [[{"text": "x"}]]}, "exactly one action"),
        ({"inline_keyboard": [[{"text": "x", "url": "https://e.com", "callback_data": "a"}]]}, "exactly one"),
        ({"inline_keyboard": [[{"text": "x", "callback_data": "é" * 33}]]}, "bytes"),
        ({"inline_keyboard": [[{"text": "", "url": "https://e.com"}]]}, "without text"),
        ({"inline_keyboard": [[{"text": "x", "url": "ftp://e.com"}]]}, "not http"),
        ('{"inline_keyboard": "no"}', "list of rows"),
    ],
)
def test_bad_buttons_are_rejected(markup: object, complaint: str) -> None:
    errors = validate_telegram_call("sendMessage", {"text": "hi", "reply_markup": markup})
    assert any(complaint in error for error in errors), errors


def test_photo_must_be_a_url_file_id_or_attachment() -> None:
    request = Request("sendPhoto", {"photo": "file:///etc/passwd"})
    assert validate_telegram_request(request)
    assert validate_telegram_request(Request("sendPhoto", {"photo": "AgACAgIAAxkBAAIB"})) == []
    assert validate_telegram_call("sendPhoto", {"photo": "attach://a"}, {"a"}) == []
    assert validate_telegram_call("sendPhoto", {"photo": "attach://b"}, {"a"})


def test_other_methods_are_not_checked() -> None:
    assert validate_telegram_call("getMe", {}) == []


def _embed(**fields: object) -> dict:
    return {"embeds": [fields]}


def test_valid_discord_payload_passes() -> None:
    payload = {
        "content": "hi",
        "embeds": [{
            "title": "t", "url": "https://e.com", "description": "d", "color": 0xFFFFFF,
            "timestamp": "2022-01-03T09:56:49+00:00", "author": {"name": "a"},
            "footer": {"text": "f"}, "image": {"url": "attachment://a.png"},
            "fields": [{"name": "n", "value": "v"}],
        }],
        "allowed_mentions": {"parse": []},
    }
    assert validate_discord_payload(payload, files=["a.png"]) == []


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        ({"content": "x" * 2001}, "content is 2001"),
        ({"embeds": [{"title": "t"}] * 11}, "11 embeds"),
        (_embed(title="t" * 257), "title is 257"),
        (_embed(description="d" * 4097), "description is 4097"),
        (_embed(footer={"text": "f" * 2049}), "footer.text is 2049"),
        (_embed(author={"name": "a" * 257}), "author.name is 257"),
        (_embed(fields=[{"name": "n", "value": "v"}] * 26), "fields must be"),
        (_embed(fields=[{"name": "n", "value": "v" * 1025}]), "value is 1025"),
        ({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}, "totals 6001"),
        (_embed(image={"url": "ftp://e.com/a.png"}), "not http(s) or attachment"),
        (_embed(image={"url": "attachment://missing.png"}), "no attached file"),
        (_embed(timestamp="yesterday"), "ISO 8601"),
        (_embed(color=0x1000000), "color"),
        (_embed(color=True), "color"),
        ({"content": "  "}, "empty message"),
        ({"content": "x", "allowed_mentions": {"parse": ["all"]}}, "allowed_mentions"),
    ],
)
def test_invalid_discord_payload_is_rejected(payload: dict, complaint: str) -> None:
    errors = validate_discord_payload(payload)
    assert any(complaint in error for error in errors), errors
