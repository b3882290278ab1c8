"""Edits follow the post on Telegram: the real app and PTB against the fake Bot API. A post whose
card changes has every message Herald sent for it edited in place (never a new message), within
HERALD_EDIT_WINDOW; a deleted post deletes its messages when HERALD_DELETE_REMOVED is on."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from bot.store.models import Delivery, Subscription
from bot.store.subscriptions import subscribe
from tests.fakes import FakeLimits, FakeTelegram
from tests.test_telegram_app import ADMIN, Bench, bad_sends, post, running, until
from tests.test_telegram_throughput import herald_with_own_limits

READERS = (301, 302, 303)
GROUP = -4100
IMAGE = "https://img.example.com/a.png"
OTHER_IMAGE = "https://img.example.com/b.png"
SITE = "https://blog.example.org"


async def _subscribe_all(b: Bench) -> list[int]:
    """Three private readers and a group, every one subscribed to everything."""
    for reader in READERS:
        b.tg.add_chat(reader, type="private")
        await subscribe(b.herald.sessions, "telegram", str(reader), "private", [], "en", b.herald.clock.now())
    b.tg.add_chat(GROUP, type="group", admins={7})
    await subscribe(b.herald.sessions, "telegram", str(GROUP), "group", [], "en", b.herald.clock.now())
    return [*READERS, GROUP]


async def _rows(b: Bench) -> list[Delivery]:
    async with b.herald.sessions() as session:
        return list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())


async def _settled(b: Bench) -> list[Delivery]:
    """Wait until no outbox row waits or is being sent; return every row."""
    rows: list[Delivery] = []

    async def check() -> bool:
        rows[:] = await _rows(b)
        return all(r.status not in ("pending", "sending") for r in rows)

    end = asyncio.get_running_loop().time() + 15.0
    while not await check():
        if asyncio.get_running_loop().time() > end:
            raise AssertionError(f"outbox never settled: {[(r.action, r.status) for r in rows]}")
        await asyncio.sleep(0.02)
    return rows


def _edits(b: Bench, chat: int, method: str | None = None) -> list[Any]:
    """The accepted edits of one chat's messages (of one method, or any)."""
    return [m for m in b.tg.sent if m.chat_id == chat and m.method.startswith("edit")
            and (method is None or m.method == method)]


def _edit_requests(b: Bench, chat: int) -> list[Any]:
    return [r for r in b.tg.requests if r.method.startswith("edit") and r.params.get("chat_id") == str(chat)]


async def _published(b: Bench, targets: list[int], name: str, title: str, **kw: Any) -> dict[int, int]:
    """Publish a post, wait until every target has its card; return each target's message id."""
    await b.publish(name, title, **kw)
    await until(lambda: all(b.tg.sent_to(t) for t in targets))
    await _settled(b)
    return {t: b.tg.sent_to(t)[-1].message_id for t in targets}


def _rewrite(b: Bench, name: str, title: str, **kw: Any) -> None:
    """Change the post's file (a later mtime, so the scan sees it even within the same tick)."""
    path = post(b.content, name, title, **kw)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


async def test_a_changed_title_edits_every_message_in_place_and_sends_nothing_new(tmp_path: Path) -> None:
    async with running(tmp_path, site_url=SITE) as b:
        targets = await _subscribe_all(b)
        sent = await _published(b, targets, "story", "First title", image=None)
        assert all("First title" in (b.tg.sent_to(t)[0].plain_text or "") for t in targets)
        _rewrite(b, "story", "Second title", image=None)
        await b.herald.index.scan()
        await until(lambda: all(_edits(b, t) for t in targets))
        rows = await _settled(b)
        for target in targets:
            (edit,) = _edits(b, target, "editMessageText")
            assert edit.message_id == sent[target]
            message = b.tg.messages[(target, sent[target])]
            assert "Second title" in message["text"] and "First title" not in message["text"]
            assert message["reply_markup"]["inline_keyboard"]  # the "Read more" button stays
            assert len(b.tg.sent_to(target)) == 1  # no new message
        edits = [r for r in rows if r.action != "send"]
        assert len(edits) == len(targets) and {r.status for r in edits} == {"sent"}
        assert bad_sends(b.tg) == []
        assert not b.tg.sent_to(ADMIN)  # nothing to tell the admins


async def test_a_photo_card_edits_its_caption_and_replaces_its_image_only_when_that_changed(tmp_path: Path) -> None:
    async with running(tmp_path, site_url=SITE) as b:
        targets = await _subscribe_all(b)
        sent = await _published(b, targets, "photo", "Photo story", image=IMAGE)
        assert all(b.tg.sent_to(t)[0].method == "sendPhoto" for t in targets)
        _rewrite(b, "photo", "Photo story, corrected", image=IMAGE)
        await b.herald.index.scan()
        await until(lambda: all(_edits(b, t, "editMessageCaption") for t in targets))
        await _settled(b)
        assert not any(_edits(b, t, "editMessageMedia") for t in targets)
        photo_before = {t: b.tg.messages[(t, sent[t])]["photo"] for t in targets}
        _rewrite(b, "photo", "Photo story, corrected", image=OTHER_IMAGE)
        await b.herald.index.scan()
        await until(lambda: all(_edits(b, t, "editMessageMedia") for t in targets))
        await _settled(b)
        for target in targets:
            (media,) = _edits(b, target, "editMessageMedia")
            assert media.message_id == sent[target] and media.photo_url == OTHER_IMAGE
            message = b.tg.messages[(target, sent[target])]
            assert message["photo"] != photo_before[target]
            assert "Photo story, corrected" in message["caption"]
            assert message["reply_markup"]["inline_keyboard"]
            assert len(b.tg.sent_to(target)) == 1
        assert bad_sends(b.tg) == []


async def test_a_card_that_gains_or_loses_its_image_is_edited_within_telegrams_rules(tmp_path: Path) -> None:
    async with running(tmp_path) as b:
        targets = await _subscribe_all(b)
        sent = await _published(b, targets, "textual", "Words only", image=None)
        _rewrite(b, "textual", "Words and a picture", image=IMAGE)  # a text message becomes a photo
        await b.herald.index.scan()
        await until(lambda: all(_edits(b, t, "editMessageMedia") for t in targets))
        await _settled(b)
        assert all("photo" in b.tg.messages[(t, sent[t])] for t in targets)
        _rewrite(b, "textual", "Words again", image=None)  # the photo stays, its caption changes
        await b.herald.index.scan()
        await until(lambda: all(_edits(b, t, "editMessageCaption") for t in targets))
        await _settled(b)
        for target in targets:
            assert "Words again" in b.tg.messages[(target, sent[target])]["caption"]
            assert len(b.tg.sent_to(target)) == 1


async def test_a_post_edited_twice_quickly_shows_its_last_version(tmp_path: Path) -> None:
    async with running(tmp_path) as b:
        targets = await _subscribe_all(b)
        sent = await _published(b, targets, "twice", "Version one", image=None)
        _rewrite(b, "twice", "Version two", image=None)
        await b.herald.index.scan()
        _rewrite(b, "twice", "Version three!", image=None)
        await b.herald.index.scan()
        await until(lambda: all("Version three!" in b.tg.messages[(t, sent[t])]["text"] for t in targets))
        await _settled(b)
        for target in targets:
            assert 1 <= len(_edits(b, target)) <= 2
            assert len(b.tg.sent_to(target)) == 1


async def test_no_edit_when_edits_are_off(tmp_path: Path) -> None:
    async with running(tmp_path, edit_window=0) as b:
        targets = await _subscribe_all(b)
        await _published(b, targets, "story", "First title", image=None)
        _rewrite(b, "story", "Second title", image=None)
        await b.herald.index.scan()
        rows = await _settled(b)
        assert [r.action for r in rows] == ["send"] * len(targets)
        assert not any(_edit_requests(b, t) for t in targets)


async def test_no_edit_of_a_message_sent_before_the_window(tmp_path: Path) -> None:
    async with running(tmp_path, edit_window=3600) as b:
        targets = await _subscribe_all(b)
        await _published(b, targets, "story", "First title", image=None)
        long_ago = b.herald.clock.now() - timedelta(hours=2)
        async with b.herald.sessions.begin() as session:
            await session.execute(update(Delivery).where(Delivery.channel_id != str(READERS[0])).values(sent_at=long_ago))
        _rewrite(b, "story", "Second title", image=None)
        await b.herald.index.scan()
        await until(lambda: _edits(b, READERS[0]))
        rows = await _settled(b)
        assert [r.channel_id for r in rows if r.action != "send"] == [str(READERS[0])]
        assert not any(_edit_requests(b, t) for t in targets[1:])


async def test_a_message_deleted_by_a_user_is_dropped_once_without_retry_or_alarm(tmp_path: Path) -> None:
    async with running(tmp_path) as b:
        targets = await _subscribe_all(b)
        sent = await _published(b, targets, "story", "First title", image=None)
        gone = READERS[1]
        del b.tg.messages[(gone, sent[gone])]  # the user deleted it
        _rewrite(b, "story", "Second title", image=None)
        await b.herald.index.scan()
        await until(lambda: all(_edits(b, t) for t in targets if t != gone))
        rows = await _settled(b)
        (dropped,) = [r for r in rows if r.channel_id == str(gone) and r.action != "send"]
        assert dropped.status == "dropped" and "not found" in (dropped.error or "")
        assert len(_edit_requests(b, gone)) == 1  # asked once, never again
        assert not b.tg.sent_to(ADMIN)  # no admin alarm
        assert len(b.tg.sent_to(gone)) == 1  # and no new message instead


async def test_a_deleted_post_deletes_its_messages_when_asked(tmp_path: Path) -> None:
    async with running(tmp_path, delete_removed=True) as b:
        targets = await _subscribe_all(b)
        sent = await _published(b, targets, "doomed", "Doomed post", image=IMAGE)
        (b.content / "doomed.md").unlink()
        await b.herald.index.scan()
        await until(lambda: all((t, sent[t]) in b.tg.deleted for t in targets))
        rows = await _settled(b)
        assert {r.status for r in rows if r.action == "delete"} == {"sent"}
        assert all((t, sent[t]) not in b.tg.messages for t in targets)


async def test_a_deleted_post_keeps_its_messages_by_default(tmp_path: Path) -> None:
    async with running(tmp_path) as b:
        targets = await _subscribe_all(b)
        sent = await _published(b, targets, "kept", "Kept post", image=None)
        (b.content / "kept.md").unlink()
        await b.herald.index.scan()
        rows = await _settled(b)
        assert [r.action for r in rows] == ["send"] * len(targets)
        assert not b.tg.deleted and all((t, sent[t]) in b.tg.messages for t in targets)


THRONG = 2000


async def test_edits_to_two_thousand_chats_keep_the_rate_limits_and_go_out_once_each(tmp_path: Path) -> None:
    """Edits go through the same rate limiter as sends: against a fake that enforces Telegram's
    limits (scaled, as for sends), 2,000 edits draw no 429, and each message is edited once."""
    async with running(tmp_path) as b:
        chats = range(10_000, 10_000 + THRONG)
        for chat in chats:
            b.tg.add_chat(chat, type="private")
        now = b.herald.clock.now()
        async with b.herald.sessions.begin() as session:
            await session.execute(insert(Subscription), [
                {"platform": "telegram", "channel_id": str(chat), "kind": "private", "origin": "chat",
                 "active": True, "created_at": now, "updated_at": now}
                for chat in chats
            ])  # fmt: skip
        await b.publish("crowd", "Crowded story", image=None)
        await until(lambda: all(b.tg.sent_to(c) for c in chats), timeout=120)
        await _settled(b)
        _rewrite(b, "crowd", "Crowded story, corrected", image=None)
        await b.herald.index.scan()
        await until(lambda: len([m for m in b.tg.sent if m.method == "editMessageText"]) >= THRONG, timeout=120)
        rows = await _settled(b)
        await asyncio.sleep(0.5)  # a second edit of any message would have come by now
        edits = Counter(m.chat_id for m in b.tg.sent if m.method == "editMessageText")
        assert set(edits) == set(chats) and set(edits.values()) == {1}
        assert all("corrected" in b.tg.messages[(c, b.tg.sent_to(c)[0].message_id)]["text"] for c in chats)
        assert b.tg.too_many == 0
        assert {(r.action, r.status) for r in rows} == {("send", "sent"), ("edit", "sent")}
        assert all(len(b.tg.sent_to(c)) == 1 for c in chats)


async def test_with_paid_broadcasts_edits_keep_to_the_free_rate(tmp_path: Path) -> None:
    """Only sends carry `allow_paid_broadcast`: at the limits Herald picks for paid broadcasts
    (980 a second) the cards go out fast, and the edits keep to Telegram's free 30 a second (the
    fake enforces Telegram's real limits here): no 429."""
    readers = range(700, 820)
    async with FakeTelegram(limits=FakeLimits()) as tg:
        for reader in readers:
            tg.add_chat(reader, type="private")
        async with herald_with_own_limits(tmp_path, tg, telegram_paid_broadcast=True) as herald:
            for reader in readers:
                await subscribe(herald.sessions, "telegram", str(reader), "private", [], "en", herald.clock.now())
            path = post(herald.settings.content_dir, "paid", "Paid news", image=None)
            await herald.index.scan()
            await until(lambda: all(tg.sent_to(r) for r in readers), timeout=60)
            post(herald.settings.content_dir, "paid", "Paid news, corrected", image=None)
            stat = path.stat()
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
            await herald.index.scan()
            await until(lambda: len([m for m in tg.sent if m.method == "editMessageText"]) >= len(readers), timeout=60)
        edits = Counter(m.chat_id for m in tg.sent if m.method == "editMessageText")
        assert set(edits) == set(readers) and set(edits.values()) == {1}
        assert (tg.too_many, tg.flood.paid) == (0, len(readers))
        assert tg.errors == []
