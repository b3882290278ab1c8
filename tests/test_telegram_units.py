"""The Telegram adapter's pure parts: command parsing, error mapping, reply
rendering, the plain-text fallback, and the media cache store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from telegram import error as tg

from adapters.telegram.errors import delivery_error
from adapters.telegram.media import image_upload, sniff_image
from adapters.telegram.outlet import TelegramOutlet, as_text, chat_ref
from adapters.telegram.render import render_summary
from adapters.telegram.replies import render_reply
from adapters.telegram.runtime import file_url
from adapters.telegram.updates import is_chat_ref, parse_command
from bot.commands.types import Button, ListItem, Reply
from bot.delivery.errors import BadFormat, Gone, Migrated, RateLimited, Transient
from bot.logs import Redactor
from bot.request import Request
from bot.store.media import forget_file_id, get_file_id, put_file_id
from bot.summary.model import Summary
from tests.test_render_properties import SETTINGS, SUMMARY
from tests.validators import assert_valid_telegram_request, telegram_plain_text

TOKEN = "7123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/latest 3", ("latest", ("3",))),
        ("/Latest@Herald_Bot", ("latest", ())),
        ("/start read_42", ("read", ("42",))),
        ("/read_42", ("read", ("42",))),
        ("/category 观察者网 5", ("category", ("观察者网", "5"))),
        ("/latest@otherbot", None),
        ("hello", None),
    ],
)
def test_commands_are_parsed_and_other_bots_ignored(text: str, expected: tuple | None) -> None:
    command = parse_command(text, "herald_bot")
    assert (command and (command.name, command.args)) == expected


def test_chat_references_are_told_from_categories() -> None:
    assert is_chat_ref("@newsroom") and is_chat_ref("-1001234567890")
    assert not is_chat_ref("World") and not is_chat_ref("@ab") and not is_chat_ref("42")


@pytest.mark.parametrize(
    ("exc", "outcome"),
    [
        (tg.RetryAfter(7), RateLimited),
        (tg.Forbidden("Forbidden: bot was blocked by the user"), Gone),
        (tg.ChatMigrated(-1001234), Migrated),
        (tg.BadRequest("Bad Request: chat not found"), Gone),
        (tg.BadRequest("Bad Request: can't parse entities: unclosed tag"), BadFormat),
        (tg.BadRequest("Bad Request: message is too long"), BadFormat),
        (tg.TimedOut(), Transient),
        (tg.NetworkError("httpx.ConnectError"), Transient),
    ],
)
def test_ptb_errors_map_to_delivery_outcomes(exc: tg.TelegramError, outcome: type) -> None:
    mapped = delivery_error(exc, Redactor([TOKEN]))
    assert isinstance(mapped, outcome)
    if isinstance(mapped, RateLimited):
        assert mapped.retry_after == 7
    if isinstance(mapped, Migrated):
        assert mapped.new_channel_id == "-1001234"


def test_error_reasons_never_carry_the_token() -> None:
    exc = tg.NetworkError(f"httpx.ConnectError: https://api.telegram.org/bot{TOKEN}/sendMessage")
    assert TOKEN not in delivery_error(exc, Redactor([TOKEN])).reason
    assert TOKEN not in delivery_error(tg.InvalidToken(f"The token `{TOKEN}` was rejected"), Redactor([TOKEN])).reason


def test_the_file_url_is_derived_from_the_api_url() -> None:
    assert file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url("http://127.0.0.1:8081/bot/") == "http://127.0.0.1:8081/file/bot"


def test_channel_classes_follow_the_id() -> None:
    outlet = TelegramOutlet.__new__(TelegramOutlet)
    assert outlet.channel_class("42") == "private"
    assert outlet.channel_class("-1001234") == "group" and outlet.channel_class("@news") == "group"
    assert chat_ref("-100123") == -100123 and chat_ref("@news") == "@news"


def _summary(**kw: object) -> Summary:
    base = dict(article_id=1, key="a.md", title="Title <&>", excerpt="An excerpt & more.", date=datetime(2026, 1, 2, tzinfo=UTC),
                url="https://site.example/a/", image="https://img.example/a.png")
    base.update(kw)
    return Summary(**base)  # type: ignore[arg-type]


def test_plain_resend_and_text_fallback_keep_the_words_without_markup() -> None:
    (photo,) = render_summary(_summary())
    (flat,) = render_summary(_summary(), plain=True)
    assert "parse_mode" not in flat.params and "<b>" not in flat.params["caption"]
    assert "Title <&>" in flat.params["caption"] and "An excerpt & more." in flat.params["caption"]
    assert flat.params["reply_markup"] == photo.params["reply_markup"]
    text = as_text(photo)
    assert text is not None and text.method == "sendMessage" and text.params["text"] == photo.params["caption"]
    assert as_text(Request("sendPhoto", {"photo": "https://x/y.png"})) is None


@SETTINGS
@given(SUMMARY)
def test_a_plain_card_shows_what_the_html_card_shows_within_every_limit(summary: Summary) -> None:
    (html_card,) = render_summary(summary)
    (plain_card,) = render_summary(summary, plain=True)
    assert_valid_telegram_request(plain_card)
    assert "parse_mode" not in plain_card.params and plain_card.method == html_card.method
    key = "caption" if plain_card.method == "sendPhoto" else "text"
    assert plain_card.params[key] == telegram_plain_text(html_card.params[key])


def test_lists_render_compact_with_paging_buttons_and_deep_links() -> None:
    items = tuple(ListItem(i, f"Post {i} " + "long " * 60, datetime(2026, 1, i % 28 + 1, tzinfo=UTC))
                  for i in range(1, 21))
    text = "\n".join(["Latest 1–20 of 40", *(f"#{i.article_id}" for i in items), "Send /read <number> to read one."])
    reply = Reply(text, header="Latest 1–20 of 40", items=items,
                  buttons=(Button("Older ›", action="latest:20:20"),))
    (request,) = render_reply(reply, bot_username="herald_bot", zone=UTC)
    assert request.method == "sendMessage" and len(request.params["text"]) < 8192
    assert "https://t.me/herald_bot?start=read_20" in request.params["text"]
    assert "/read_1 " in request.params["text"] or request.params["text"].count("/read_") == 20
    assert "&lt;number&gt;" in request.params["text"]
    assert request.params["reply_markup"] == {"inline_keyboard": [[{"text": "Older ›", "callback_data": "latest:20:20"}]]}


def test_plain_replies_are_escaped_text() -> None:
    requests = render_reply(Reply("Use /category <name> & more"), bot_username="b", zone=UTC)
    assert requests[0].params["text"] == "Use /category &lt;name&gt; &amp; more"


async def test_media_cache_stores_one_file_id_per_url(sessions) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert await get_file_id(sessions, "telegram", "https://img/a.png") is None
    await put_file_id(sessions, "telegram", "https://img/a.png", "FILE1", now)
    await put_file_id(sessions, "telegram", "https://img/a.png", "FILE2", now)
    assert await get_file_id(sessions, "telegram", "https://img/a.png") == "FILE2"
    assert await get_file_id(sessions, "discord", "https://img/a.png") is None
    await forget_file_id(sessions, "telegram", "https://img/a.png")
    assert await get_file_id(sessions, "telegram", "https://img/a.png") is None


def test_webhook_listen_address_is_parsed_or_refused_with_the_variable_named() -> None:
    from adapters.telegram.runtime import listen_address

    assert listen_address("127.0.0.1:9000") == ("127.0.0.1", 9000)
    assert listen_address("8443") == ("0.0.0.0", 8443)
    with pytest.raises(ValueError, match="HERALD_TELEGRAM_WEBHOOK_LISTEN"):
        listen_address("localhost:http")


@pytest.mark.parametrize(
    ("head", "name", "mime"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image.jpg", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.png", "image/png"),
        (b"GIF89a\x10\x00\x10\x00", "image.gif", "image/gif"),
        (b"GIF87a\x10\x00\x10\x00", "image.gif", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image.webp", "image/webp"),
        (b"<html>not an image</html>", "image", "application/octet-stream"),
    ],
)
def test_uploaded_images_are_named_after_their_format(head: bytes, name: str, mime: str) -> None:
    upload = image_upload(head + b"\x00" * 64)
    assert (upload.filename, upload.mimetype) == (name, mime)
    assert (sniff_image(head) is None) == (name == "image")
