"""The fake Bot API, driven by python-telegram-bot's real `Bot` and `Application` over HTTP.

If PTB (the library the Telegram adapter uses) sends, parses and maps errors against the fake the
way it does against api.telegram.org, adapter tests built on the fake mean something.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import struct
import zlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
)
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from tests.fakes import FakeLimits, FakeTelegram

# PTB 22 warns that retry_after will become a timedelta; `seconds` below handles both.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*")

USER = 4242
GROUP = -100555


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def png(width: int = 4, height: int = 3) -> bytes:
    """Return a valid PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def seconds(value: int | dtm.timedelta) -> int:
    """Return RetryAfter.retry_after as whole seconds, whatever PTB's timedelta setting."""
    return int(value.total_seconds()) if isinstance(value, dtm.timedelta) else int(value)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def tg(clock: Clock) -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(clock=clock)
    fake.add_chat(USER, type="private")
    fake.add_chat(GROUP, type="supergroup", title="Readers", admins={7}, creator=1)
    async with fake:
        yield fake
    assert fake.errors == []


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as client:
        yield client


async def test_send_message_is_answered_and_recorded(tg: FakeTelegram, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more:1")]])
    message = await bot.send_message(USER, "<b>New</b> post &amp; more", parse_mode="HTML", reply_markup=keyboard)
    assert message.text == "New post & more"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bold", 0, 3)]
    assert message.reply_markup == keyboard
    [sent] = tg.sent
    assert (sent.chat_id, sent.method, sent.message_id) == (USER, "sendMessage", message.message_id)
    assert (sent.text, sent.parse_mode, sent.plain_text) == ("<b>New</b> post &amp; more", "HTML", "New post & more")
    assert sent.reply_markup == keyboard.to_dict()
    assert tg.requests[-1].params["reply_markup"] == keyboard.to_dict()


async def test_photo_by_url_upload_and_file_id_reuse(tg: FakeTelegram, bot: Bot) -> None:
    by_url = await bot.send_photo(USER, "https://example.com/a.jpg", caption="<i>cap</i>", parse_mode="HTML")
    assert by_url.caption == "cap"
    uploaded = await bot.send_photo(USER, InputFile(png(40, 30), filename="t.png"))
    assert (uploaded.photo[-1].width, uploaded.photo[-1].height) == (40, 30)
    assert tg.requests[-1].content_type == "multipart/form-data"
    raw_bytes = await bot.send_photo(GROUP, png(40, 30))
    assert raw_bytes.photo[-1].file_id != uploaded.photo[-1].file_id
    assert raw_bytes.photo[-1].file_unique_id == uploaded.photo[-1].file_unique_id  # same content
    reused = await bot.send_photo(GROUP, uploaded.photo[-1].file_id)
    assert reused.photo[-1].file_id == uploaded.photo[-1].file_id
    assert [(m.uploaded, m.photo_url) for m in tg.sent] == [
        (False, "https://example.com/a.jpg"), (True, None), (True, None), (False, None),
    ]
    data = await (await bot.get_file(uploaded.photo[-1].file_id)).download_as_bytearray()
    assert bytes(data) == png(40, 30)


async def test_unreachable_image_url_fails_but_upload_works(tg: FakeTelegram, bot: Bot) -> None:
    tg.unreachable_image("https://news.example/*")
    with pytest.raises(BadRequest, match="(?i)failed to get http url content"):
        await bot.send_photo(USER, "https://news.example/img/1.jpg")
    with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
        await bot.send_photo(USER, "not-a-file-id")
    with pytest.raises(BadRequest, match="(?i)image_process_failed"):
        await bot.send_photo(USER, b"not an image")
    assert (await bot.send_photo(USER, png())).photo


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<p>para</p>", 'unsupported start tag "p"'),
        ("<b>open", "can't find end tag"),
        ("<b><i>x</b></i>", "unmatched end tag"),
        ("a < b", "unsupported start tag"),
        ("AT&T", "unescaped"),
        ("&nbsp;", "unsupported html entity"),
        ('<span class="x">s</span>', "tg-spoiler"),
    ],
)
async def test_bad_html_is_a_bad_request(bot: Bot, text: str, reason: str) -> None:
    with pytest.raises(BadRequest, match="(?i)can't parse entities") as caught:
        await bot.send_message(USER, text, parse_mode="HTML")
    assert reason.lower() in caught.value.message.lower()


async def test_allowed_html_set_is_accepted(bot: Bot) -> None:
    text = (
        '<strong>a</strong><em>b</em><ins>c</ins><del>d</del><tg-spoiler>e</tg-spoiler>'
        '<span class="tg-spoiler">f</span><a href="https://x.y/?a=1&amp;b=2">g</a>'
        '<pre><code class="language-python">h</code></pre><blockquote expandable>i</blockquote>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &lt;&gt;&quot;&#39;&#x41;'
    )
    message = await bot.send_message(USER, text, parse_mode="HTML")
    assert message.text == "abcdefghi👍 <>\"'A"
    pre = next(e for e in message.entities if e.type == "pre")
    assert pre.language == "python"


async def test_length_limits_count_parsed_text(bot: Bot) -> None:
    assert await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(USER, "😀" * 2049)  # 4098 UTF-16 units
    with pytest.raises(BadRequest, match="(?i)message caption is too long"):
        await bot.send_photo(USER, "https://example.com/a.jpg", caption="x" * 1025)
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(USER, "<b> </b>", parse_mode="HTML")


async def test_keyboard_validation(bot: Bot) -> None:
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await bot.send_message(USER, "hi", reply_markup=too_long)
    no_action = {"inline_keyboard": [[{"text": "x"}]]}
    with pytest.raises(BadRequest, match="(?i)inline keyboard button"):
        await bot.send_message(USER, "hi", reply_markup=no_action)  # type: ignore[arg-type]
    two_actions = {"inline_keyboard": [[{"text": "x", "url": "https://a.b", "callback_data": "c"}]]}
    with pytest.raises(BadRequest, match="(?i)inline keyboard button"):
        await bot.send_message(USER, "hi", reply_markup=two_actions)  # type: ignore[arg-type]


async def test_chat_errors_map_to_ptb_exceptions(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(999, "hi")
    tg.block(USER)
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await bot.send_message(USER, "hi")
    tg.add_chat(-42, type="group")
    tg.kick(-42)
    with pytest.raises(Forbidden, match="(?i)bot was kicked from the group chat"):
        await bot.send_message(-42, "hi")
    tg.add_chat(-43, type="group")
    tg.migrate(-43, -1000043)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-43, "hi")
    assert caught.value.new_chat_id == -1000043
    assert (await bot.send_message(-1000043, "hi")).chat.type == "supergroup"
    assert [m.chat_id for m in tg.sent] == [-1000043]


async def test_per_chat_flood_limit_answers_retry_after(tg: FakeTelegram, bot: Bot, clock: Clock) -> None:
    for _ in range(3):  # the burst Telegram tolerates
        await bot.send_message(USER, "hi")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "one too many")
    assert seconds(caught.value.retry_after) == 1
    assert tg.too_many == 1
    clock.t += 1.0
    assert await bot.send_message(USER, "after waiting")
    assert len(tg.sent) == 4


async def test_group_limit_is_twenty_a_minute(tg: FakeTelegram, bot: Bot, clock: Clock) -> None:
    for _ in range(20):
        await bot.send_message(GROUP, "post")
        clock.t += 1.5
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(GROUP, "post")
    assert seconds(caught.value.retry_after) == 30  # the first post leaves the window at t+60
    assert await bot.send_message(USER, "private chats are not held back")


async def test_forced_429_and_disabled_limits() -> None:
    fake = FakeTelegram(limits=FakeLimits.off())
    fake.add_chat(USER)
    async with fake, Bot(fake.token, base_url=fake.base_url) as client:
        for _ in range(40):
            await client.send_message(USER, "fast")
        fake.force_429(2, retry_after=7)
        for _ in range(2):
            with pytest.raises(RetryAfter) as caught:
                await client.send_message(USER, "held")
            assert seconds(caught.value.retry_after) == 7
        assert await client.send_message(USER, "through")
        assert (len(fake.sent), fake.too_many) == (41, 2)


async def test_scaled_limits_free_sooner(clock: Clock) -> None:
    fake = FakeTelegram(limits=FakeLimits().scaled(10), clock=clock)
    fake.add_chat(USER)
    async with fake, Bot(fake.token, base_url=fake.base_url) as client:
        for _ in range(3):
            await client.send_message(USER, "burst")
        with pytest.raises(RetryAfter):
            await client.send_message(USER, "held")
        clock.t += 0.1  # one message per 0.1 s at ten times Telegram's rate
        assert await client.send_message(USER, "through")


async def test_second_poller_terminates_the_first(tg: FakeTelegram, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.05)
    async with Bot(tg.token, base_url=tg.base_url) as second_instance:
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="(?i)terminated by other getUpdates"):
        await asyncio.wait_for(first, 5)


async def test_long_poll_returns_pushed_update_and_offset_acknowledges(tg: FakeTelegram, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.05)
    assert not poll.done()
    pushed = tg.command(USER, USER, "/latest 3")
    updates = await asyncio.wait_for(poll, 5)  # a guard against hanging, not a timing check
    assert [u.update_id for u in updates] == [pushed["update_id"]]
    assert updates[0].message.text == "/latest 3"
    assert updates[0].message.entities[0].type == "bot_command"
    assert len(await bot.get_updates(timeout=0)) == 1  # not yet acknowledged
    assert await bot.get_updates(offset=pushed["update_id"] + 1, timeout=0) == ()


async def test_callback_press_edit_and_answer(tg: FakeTelegram, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Next", callback_data="page:2")]])
    message = await bot.send_message(USER, "page 1", reply_markup=keyboard)
    pushed = tg.press(USER, USER, message.message_id, "page:2")
    [update] = await bot.get_updates(timeout=1)
    assert update.callback_query.data == "page:2"
    assert update.callback_query.message.message_id == message.message_id
    assert await bot.answer_callback_query(pushed["callback_query"]["id"], text="ok")
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(pushed["callback_query"]["id"])
    edited = await bot.edit_message_text("page 2", USER, message.message_id, reply_markup=keyboard)
    assert edited.text == "page 2"
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("page 2", USER, message.message_id, reply_markup=keyboard)
    assert await bot.delete_message(USER, message.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("gone", USER, message.message_id)
    assert [m.method for m in tg.sent] == ["sendMessage", "editMessageText"]


async def test_set_my_commands_validates_and_stores_per_scope(bot: Bot) -> None:
    commands = [BotCommand("latest", "Newest articles"), BotCommand("read_42", "Read one")]
    assert await bot.set_my_commands(commands, scope=BotCommandScopeChat(GROUP), language_code="zh")
    assert list(await bot.get_my_commands(scope=BotCommandScopeChat(GROUP), language_code="zh")) == commands
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Latest", "Upper case")])
    with pytest.raises(BadRequest, match="(?i)bot_command_description_invalid"):
        await bot.set_my_commands([BotCommand("latest", "x" * 257)])
    assert await bot.delete_my_commands(scope=BotCommandScopeChat(GROUP), language_code="zh")
    assert await bot.get_my_commands(scope=BotCommandScopeChat(GROUP), language_code="zh") == ()


async def test_chat_members_and_admins(tg: FakeTelegram, bot: Bot) -> None:
    assert (await bot.get_chat_member(GROUP, 1)).status == "creator"
    assert (await bot.get_chat_member(GROUP, 7)).status == "administrator"
    assert (await bot.get_chat_member(GROUP, 8)).status == "left"
    tg.add_chat("@herald_news", type="channel", title="News")
    channel = await bot.get_chat("@herald_news")
    assert (channel.type, channel.title) == ("channel", "News")
    me = await bot.get_chat_member("@herald_news", tg.bot_id)
    assert me.status == "administrator" and me.can_post_messages
    assert [m.user.id for m in await bot.get_chat_administrators(GROUP)] == [1, 7]


async def test_tokens_methods_and_encodings(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("123456:wrong", base_url=tg.base_url):
            pass
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendCarrierPigeon")
    async with aiohttp.ClientSession() as http:
        url = f"{tg.base_url}{tg.token}/SENDMESSAGE"
        async with http.post(url, json={"chat_id": USER, "text": "json body"}) as response:
            assert response.headers["Content-Type"] == "application/json"
            body = await response.json()
        async with http.post(url, json={"chat_id": USER, "text": ""}) as response:
            error = await response.json()
    assert body["ok"] is True and body["result"]["text"] == "json body"
    assert (response.status, error) == (
        400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"},
    )
    assert tg.requests[-1].method == "sendMessage" and "token" not in repr(tg.requests)


async def test_application_polling_receives_command_and_replies(tg: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(f"Welcome, {update.effective_user.language_code}")

    app = ApplicationBuilder().token(tg.token).base_url(tg.base_url).base_file_url(tg.base_file_url).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=2)
        tg.command(USER, USER, "/start", lang="zh")
        for _ in range(200):  # wait for the reply, at most ~10 s
            if tg.sent:
                break
            await asyncio.sleep(0.05)
        await app.updater.stop()
        await app.stop()
    [reply] = tg.sent
    assert (reply.chat_id, reply.text) == (USER, "Welcome, zh")
    assert any(r.method == "deleteWebhook" for r in tg.requests)
    assert tg.updates.pending == []  # the updater acknowledged the command on shutdown
