"""Telegram forum topics end to end: the real app with the real PTB Application against the fake
Bot API, whose forum supergroups have topics. A command sent inside topic 7 subscribes topic 7
(`-100…:7`), is answered in topic 7, and the cards, digests and replies for it land there with
`message_thread_id` 7; topics of one group share the group's 20 messages a minute; a deleted or
closed topic stops only its own target.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st
from manual_clock import ManualClock
from telegram import error as tg_error

from adapters.telegram.errors import delivery_error
from adapters.telegram.outlet import in_topic
from adapters.telegram.rates import TELEGRAM_RATES
from adapters.telegram.targets import chat_ref, pacing_key, split_topic, topic_channel_id
from adapters.telegram.updates import is_chat_ref
from bot.delivery.errors import BadFormat, Gone
from bot.delivery.ratelimit import RateLimiter
from bot.digests import DigestSchedule
from bot.request import Request
from bot.store.subscription_options import set_digest
from bot.store.subscriptions import get_subscription
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_limits import FakeLimits
from tests.test_telegram_app import ADMIN, SCALE, Bench, bad_sends, post, until
from tests.test_telegram_app import running as app_running

FORUM = -1005550001
OWNER = 7
READER = 8


@asynccontextmanager
async def running(tmp_path: Path, *, setup: Callable[[FakeTelegram], object] = lambda tg: None,
                  channels: tuple[str, ...] = ()) -> AsyncIterator[Bench]:
    """The fake Bot API with the forum (and the chats `setup` makes) and Herald with Telegram."""

    def forum(tg: FakeTelegram) -> None:
        tg.add_chat(FORUM, type="supergroup", forum=True, title="Forum", admins={OWNER}, members={READER})
        setup(tg)

    async with app_running(tmp_path, setup=forum, channels=channels) as bench:
        yield bench


async def say_in(b: Bench, thread: int | None, user: int, text: str) -> list[Any]:
    """Send a command inside a topic of the forum (None: the General topic) and return the
    messages sent into that topic in answer."""
    before = len(b.tg.sent_in(FORUM, thread))
    b.tg.command(FORUM, user, text, chat_type="supergroup", thread=thread)
    await until(lambda: len(b.tg.sent_in(FORUM, thread)) > before)
    return b.tg.sent_in(FORUM, thread)[before:]


def cards(tg: FakeTelegram, thread: int | None, title: str) -> list[Any]:
    """Return the messages in a topic of the forum whose text mentions `title`."""
    return [m for m in tg.sent_in(FORUM, thread) if title in (m.plain_text or "")]


async def settle(tg: FakeTelegram, quiet: float = 0.4) -> None:
    """Wait until nothing new has been sent for `quiet` seconds."""
    while True:
        count = len(tg.sent)
        await asyncio.sleep(quiet)
        if len(tg.sent) == count:
            return


# -- subscribing, replies and cards in a topic ------------------------------------------------


async def test_subscribe_in_topic_7_gets_replies_and_cards_in_topic_7_only(tmp_path: Path) -> None:
    async with running(tmp_path, setup=lambda tg: (tg.add_topic(FORUM, "News", thread=7), None)[1]) as b:
        tg = b.tg
        (refused,) = await say_in(b, 7, READER, "/subscribe")  # not an admin: refused, in the topic
        assert "admin" in (refused.plain_text or "").lower()
        (ok,) = await say_in(b, 7, OWNER, "/subscribe World")
        assert ok.thread_id == 7 and int(ok.params["message_thread_id"]) == 7
        topic = await get_subscription(b.herald.sessions, "telegram", f"{FORUM}:7")
        assert topic is not None and topic.active and topic.kind == "group" and topic.categories == ("World",)
        assert await get_subscription(b.herald.sessions, "telegram", str(FORUM)) is None  # not the group

        await b.publish("fresh", "Fresh in the topic")
        (card,) = await until(lambda: cards(tg, 7, "Fresh in the topic"))
        assert int(card.params["message_thread_id"]) == 7 and card.thread_id == 7
        (listing,) = await say_in(b, 7, READER, "/latest")
        assert "Fresh in the topic" in (listing.plain_text or "") and listing.thread_id == 7
        (subs,) = await say_in(b, 7, READER, "/subscriptions")
        assert "World" in (subs.plain_text or "")
        await settle(tg)
        assert cards(tg, None, "Fresh in the topic") == []  # nothing in the General topic
        assert len(cards(tg, 7, "Fresh in the topic")) == 2  # the card, and /latest's line

        # A button under a message in the topic: its answer stays in the topic.
        (cats,) = await say_in(b, 7, READER, "/categories")
        button = cats.reply_markup["inline_keyboard"][0][0]
        before = len(tg.sent)
        tg.press(FORUM, READER, cats.message_id, button["callback_data"])
        answer = await until(lambda: tg.sent[before:])
        assert all(m.chat_id == FORUM for m in answer)
        assert all(m.thread_id == 7 or m.message_id == cats.message_id for m in answer)

        # In the General topic the group itself is meant: no subscription there yet.
        (general,) = await say_in(b, None, READER, "/subscriptions")
        assert "message_thread_id" not in general.params
        assert "World" not in (general.plain_text or "")
        (_unsub,) = await say_in(b, 7, OWNER, "/unsubscribe")
        assert not (await get_subscription(b.herald.sessions, "telegram", f"{FORUM}:7")).active
        assert bad_sends(tg) == []


async def test_two_topics_each_get_every_card_once_within_the_groups_20_a_minute(tmp_path: Path) -> None:
    def setup(tg: FakeTelegram) -> None:
        tg.add_topic(FORUM, "Seven", thread=7)
        tg.add_topic(FORUM, "Eight", thread=8)

    async with running(tmp_path, setup=setup) as b:
        tg = b.tg
        await say_in(b, 7, OWNER, "/subscribe")
        await say_in(b, 8, OWNER, "/subscribe")
        await asyncio.sleep(60 / SCALE)  # the replies' share of the minute has passed
        posts = 14  # 28 cards: more than one group-minute's 20
        for i in range(posts):
            post(b.content, f"p{i}", f"Story {i:02d}", image=None, day=1 + i)
        await b.herald.index.scan()
        await until(lambda: all(len(tg.sent_in(FORUM, t)) >= 1 + posts for t in (7, 8)), timeout=30)
        await settle(tg)
        for thread in (7, 8):
            for i in range(posts):
                assert len(cards(tg, thread, f"Story {i:02d}")) == 1, (thread, i)
        assert cards(tg, None, "Story") == []
        # The fake counts every topic against the group: Herald paced both topics as one group.
        assert tg.too_many == 0
        sends = sorted(m.time for m in tg.sent_to(FORUM) if "Story" in (m.plain_text or ""))
        window = 60 / SCALE
        assert max(sum(1 for t in sends if start <= t < start + window) for start in sends) <= 20
        assert bad_sends(tg) == []


# -- a deleted or closed topic ----------------------------------------------------------------


async def test_a_deleted_topic_stops_only_that_topic_and_admins_are_told_once(tmp_path: Path) -> None:
    def setup(tg: FakeTelegram) -> None:
        for thread in (5, 7, 8, 9):
            tg.add_topic(FORUM, f"Topic {thread}", thread=thread)

    async with running(tmp_path, setup=setup, channels=(f"telegram:{FORUM}:5",)) as b:
        tg = b.tg
        for thread in (7, 8, 9):
            await say_in(b, thread, OWNER, "/subscribe")
        await b.publish("first", "Before the deletion", image=None)
        await until(lambda: all(cards(tg, t, "Before the deletion") for t in (5, 7, 8, 9)))
        tg.delete_topic(FORUM, 7)
        tg.delete_topic(FORUM, 5)  # the configured one
        tg.close_topic(FORUM, 9)
        await b.publish("second", "After the deletion", image=None, day=2)
        await until(lambda: cards(tg, 8, "After the deletion"))
        for thread in (7, 9):
            state = await until_inactive(b, f"{FORUM}:{thread}")
            assert "thread not found" in (state.reason or "").lower() or "topic_closed" in (state.reason or "").lower()
        assert (await get_subscription(b.herald.sessions, "telegram", f"{FORUM}:8")).active
        notices = await until(lambda: [m for m in tg.sent_to(ADMIN) if f"{FORUM}:5" in (m.plain_text or "")])
        await b.publish("third", "Later still", image=None, day=3)
        await until(lambda: cards(tg, 8, "Later still"))
        await settle(tg)
        assert len([m for m in tg.sent_to(ADMIN) if f"{FORUM}:5" in (m.plain_text or "")]) == len(notices) == 1
        # Nothing more was tried in the lost topics: one refused send each.
        refused = [r for r in tg.requests if r.method.startswith("send") and r.status == 400]
        assert sorted(int(r.params["message_thread_id"]) for r in refused) == [5, 7, 9]
        assert len(cards(tg, 8, "Before the deletion")) == len(cards(tg, 8, "After the deletion")) == 1


async def until_inactive(b: Bench, channel_id: str) -> Any:
    """Wait until the subscription of `channel_id` is stopped; return it."""
    for _ in range(300):
        state = await get_subscription(b.herald.sessions, "telegram", channel_id)
        if state is not None and not state.active:
            return state
        await asyncio.sleep(0.05)
    raise AssertionError(f"{channel_id} is still active")


# -- a digest for a topic ---------------------------------------------------------------------


async def test_a_digest_for_a_topic_subscription_lands_in_the_topic(tmp_path: Path) -> None:
    async with running(tmp_path, setup=lambda tg: (tg.add_topic(FORUM, "Digest", thread=7), None)[1]) as b:
        tg = b.tg
        await say_in(b, 7, OWNER, "/subscribe")
        now = b.herald.clock.now()
        schedule = DigestSchedule("daily", 8, 0, None, "UTC")
        await set_digest(b.herald.sessions, "telegram", f"{FORUM}:7", schedule, now - timedelta(minutes=1), now)
        await b.publish("waits", "Waits for the digest", image=None)
        await asyncio.sleep(0.3)
        assert cards(tg, 7, "Waits for the digest") == []  # collected, not sent as a card
        assert b.herald.digests is not None
        assert await b.herald.digests.look() == 1
        (digest,) = await until(lambda: cards(tg, 7, "Waits for the digest"))
        assert digest.thread_id == 7 and (digest.plain_text or "").startswith("Digest")
        await settle(tg)
        assert cards(tg, None, "Waits for the digest") == []


# -- the parts ----------------------------------------------------------------------------------


chats = st.one_of(
    st.integers(min_value=-(10**13), max_value=-1),
    st.integers(min_value=1, max_value=10**12),
    st.from_regex(r"@[A-Za-z][A-Za-z0-9_]{3,31}", fullmatch=True),
)


@given(chats, st.integers(min_value=2, max_value=2**31 - 1))
def test_a_topic_channel_id_reads_back_as_its_chat_and_thread(chat: int | str, thread: int) -> None:
    channel = topic_channel_id(chat, thread)
    assert split_topic(channel) == (chat, thread)
    assert chat_ref(channel) == chat and pacing_key(channel) == str(chat) == pacing_key(str(chat))


@given(chats, st.sampled_from([None, 0, 1]))
def test_the_general_topic_is_the_chat_itself(chat: int | str, thread: int | None) -> None:
    assert topic_channel_id(chat, thread) == str(chat)
    assert split_topic(str(chat)) == (chat, None)


@given(st.text(max_size=40))
def test_any_channel_id_splits_without_failing(text: str) -> None:
    chat, thread = split_topic(text)
    assert thread is None or (thread > 1 and f":{thread}" in text)
    assert isinstance(chat, (int, str))


def test_only_sends_carry_the_thread() -> None:
    send = Request("sendPhoto", {"photo": "x", "caption": "c"})
    assert in_topic(send, 7).params == {"photo": "x", "caption": "c", "message_thread_id": 7}
    assert in_topic(send, None) is send
    edit = Request("editMessageText", {"message_id": 3, "text": "t"})
    assert in_topic(edit, 7) is edit


def test_a_deleted_or_closed_topic_is_gone_other_refusals_are_not() -> None:
    for text in ("Message thread not found", "TOPIC_CLOSED", "TOPIC_DELETED"):
        assert isinstance(delivery_error(tg_error.BadRequest(text), str), Gone), text
    assert isinstance(delivery_error(tg_error.BadRequest("Can't parse entities"), str), BadFormat)


async def test_topics_of_one_group_spend_the_groups_rate_and_other_chats_their_own() -> None:
    clock = ManualClock()
    limiter = RateLimiter(TELEGRAM_RATES, clock)
    await limiter.acquire(f"{FORUM}:7", "group")
    assert limiter.delay(f"{FORUM}:8", "group") > 2.5  # 20 a minute: the next one in about 3 s
    assert limiter.delay(str(FORUM), "group") > 2.5
    assert limiter.delay("-1005550002:7", "group") == 0.0
    limiter.throttled(f"{FORUM}:8", 30.0)
    assert limiter.delay(f"{FORUM}:7", "group") >= 30.0


async def test_an_admin_subscribes_a_topic_from_a_private_chat(tmp_path: Path) -> None:
    def setup(tg: FakeTelegram) -> None:
        tg.add_topic(FORUM, "News", thread=7)
        tg.add_chat(-1005550009, type="supergroup", admins={OWNER})  # no forum: no topics

    async with running(tmp_path, setup=setup) as b:
        tg = b.tg
        (ok,) = await b.say(ADMIN, ADMIN, f"/subscribe {FORUM}:7 World")
        assert "World" in (ok.plain_text or "")
        state = await get_subscription(b.herald.sessions, "telegram", f"{FORUM}:7")
        assert state is not None and state.active and state.categories == ("World",)
        (refused,) = await b.say(ADMIN, ADMIN, "/subscribe -1005550009:7")
        assert "cannot post" in (refused.plain_text or "")
        await b.publish("named", "Named from afar", image=None)
        (card,) = await until(lambda: cards(tg, 7, "Named from afar"))
        assert card.thread_id == 7
        (_off,) = await b.say(ADMIN, ADMIN, f"/unsubscribe {FORUM}:7")
        assert not (await get_subscription(b.herald.sessions, "telegram", f"{FORUM}:7")).active


async def test_a_configured_topic_of_a_chat_without_topics_is_reported_at_start(tmp_path: Path) -> None:
    def setup(tg: FakeTelegram) -> None:
        tg.add_chat(-1005550009, type="supergroup")  # no forum

    async with running(tmp_path, setup=setup, channels=("telegram:-1005550009:7", f"telegram:{FORUM}:1")) as b:
        (told,) = await until(lambda: [m for m in b.tg.sent_to(ADMIN) if "-1005550009:7" in (m.plain_text or "")])
        assert "not a forum" in (told.plain_text or "")
        assert not any(f"{FORUM}:1" in (m.plain_text or "") for m in b.tg.sent_to(ADMIN))
        await b.publish("general", "For the General topic", image=None)
        (card,) = await until(lambda: cards(b.tg, None, "For the General topic"))  # topic 1 is the group
        assert "message_thread_id" not in card.params


def test_a_topic_is_named_like_its_chat_with_the_thread() -> None:
    assert is_chat_ref("-1001234567890:7") and is_chat_ref("@newsroom:12")
    assert not is_chat_ref("World:7") and not is_chat_ref("-1001234567890:") and not is_chat_ref("42:7")


async def test_the_fake_forum_keeps_topics_apart_but_counts_them_as_one_group() -> None:
    async with FakeTelegram(limits=FakeLimits(chat_per_second=1000.0, chat_burst=1000)) as tg:
        tg.add_chat(FORUM, type="supergroup", forum=True)
        tg.add_chat(-1005550009, type="supergroup")
        seven, eight = tg.add_topic(FORUM, "Seven", thread=7), tg.add_topic(FORUM, "Eight")
        assert (seven, eight) == (7, 8)
        url = f"{tg.base_url}{tg.token}/sendMessage"
        async with httpx.AsyncClient() as client:

            async def send(chat: int, thread: int | None) -> httpx.Response:
                params: dict[str, Any] = {"chat_id": chat, "text": "hi"}
                if thread is not None:
                    params["message_thread_id"] = thread
                return await client.post(url, json=params)

            sent = [await send(FORUM, (7, 8, None)[i % 3]) for i in range(20)]
            assert all(r.status_code == 200 for r in sent)
            assert sent[0].json()["result"]["message_thread_id"] == 7
            assert sent[0].json()["result"]["is_topic_message"] is True
            assert "message_thread_id" not in sent[2].json()["result"]  # the General topic
            assert (await send(FORUM, 8)).status_code == 429  # the group's 20 a minute, over all topics
            assert len(tg.sent_in(FORUM, 7)) == 7 and len(tg.sent_in(FORUM, None)) == 6
            tg.flood.limits = FakeLimits.off()
            tg.close_topic(FORUM, 7)
            tg.delete_topic(FORUM, 8)
            closed, deleted = await send(FORUM, 7), await send(FORUM, 8)
            assert closed.status_code == deleted.status_code == 400
            assert closed.json()["description"] == "Bad Request: TOPIC_CLOSED"
            assert deleted.json()["description"] == "Bad Request: message thread not found"
            assert (await send(FORUM, 99)).json()["description"] == "Bad Request: message thread not found"
            assert (await send(-1005550009, 7)).json()["description"] == "Bad Request: message thread not found"
            assert (await send(FORUM, None)).status_code == 200
