"""Telegram under faults: its overall limit drops mid-broadcast, and four posts land at once.

The real app and PTB against the fake Bot API with Telegram's real limits (not scaled).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from test_telegram_app import running, until

from bot.store.subscriptions import subscribe

CHATS = 200
DROP_RATE, DROP_SECONDS = 10.0, 4.0


async def test_a_global_slowdown_slows_every_chat_instead_of_hammering(tmp_path: Path) -> None:
    async with running(tmp_path, scale=None) as b:
        tg = b.tg
        readers = list(range(50_000, 50_000 + CHATS))
        for reader in readers:
            tg.add_chat(reader, type="private")
            await subscribe(b.herald.sessions, "telegram", str(reader), "private", [], "en", b.herald.clock.now())
        await b.publish("busy", "Busy day", image=None)
        await until(lambda: len(tg.sent) >= 30, timeout=30)
        tg.drop_global_rate(DROP_RATE, DROP_SECONDS)  # Telegram takes only 10 messages/s now
        await until(lambda: all(tg.sent_to(r) for r in readers), timeout=60)
        await asyncio.sleep(1.0)
    per_chat = Counter(m.chat_id for m in tg.sent if m.chat_id in set(readers))
    assert set(per_chat) == set(readers) and set(per_chat.values()) == {1}  # none lost, none twice
    # Hammering on at 30/s would draw ~20 429s a second of the drop (~80); Herald slows down.
    figures = f"{tg.too_many} 429s, {tg.flood.during_global} sends during a global 429"
    assert tg.too_many <= 30, figures
    # every chat waits after a 429, not only the one told to: (almost) nothing goes into a throttle
    assert tg.flood.during_global <= max(1, 0.05 * tg.too_many), figures
    assert tg.flood.early_retries <= 0.05 * tg.too_many, figures


async def test_four_posts_dropped_at_once_reach_a_private_chat_without_a_429(tmp_path: Path) -> None:
    async with running(tmp_path, scale=None) as b:
        tg = b.tg
        reader = 777
        tg.add_chat(reader, type="private")
        await subscribe(b.herald.sessions, "telegram", str(reader), "private", [], "en", b.herald.clock.now())
        for n in range(4):
            b.content.joinpath(f"p{n}.md").write_text(
                f"---\ntitle: Post {n}\ndate: 2026-02-0{n + 1} 10:00:00\n---\n\nText {n}.\n", encoding="utf-8")
        await b.herald.index.scan()
        await until(lambda: len(tg.sent_to(reader)) >= 4, timeout=20)
        gaps = [later.time - first.time for first, later in zip(tg.sent_to(reader), tg.sent_to(reader)[3:], strict=False)]
    assert tg.too_many == 0
    assert all(gap >= 1.0 for gap in gaps)


async def test_a_send_answered_too_late_is_counted_and_not_sent_again(tmp_path: Path, monkeypatch) -> None:
    from adapters.telegram import calls

    monkeypatch.setattr(calls, "SEND_READ_TIMEOUT", 1.0)  # 35 s in production
    async with running(tmp_path) as b:
        tg = b.tg
        reader = 888
        tg.add_chat(reader, type="private")
        await subscribe(b.herald.sessions, "telegram", str(reader), "private", [], "en", b.herald.clock.now())
        tg.answer_late(1, 3.0)  # Telegram takes the message, the answer comes after the timeout
        await b.publish("late", "Late answer", image=None)
        await until(lambda: tg.sent_to(reader), timeout=20)
        await asyncio.sleep(5.0)  # a retry (2 s backoff) would have sent it again by now
        assert len(tg.sent_to(reader)) == 1
        metrics = b.herald.metrics.render().decode()
    assert 'herald_ambiguous_sends_total{platform="telegram"} 1.0' in metrics
