"""Three `herald run` replicas on one PostgreSQL database share one bot's limits: a new post
reaches 2,000 chats exactly once, with no 429 from the fake Bot API (which enforces the overall
rate) and at ≥ 0.9 of that rate. The limits are Telegram's ×5 (150 messages/s) so the broadcast
takes seconds, not a minute; Herald is told the same rate (HERALD_TELEGRAM_RATE).

Skips when HERALD_TEST_POSTGRES_URL is unset."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.store.shard_key import shard_of
from tests.fakes.telegram_limits import FakeLimits
from tests.test_replicas_process import REPLICAS, Site, site, until

CHATS = 2_000
FIRST = 500_001
RATE = 150.0



async def _subscribe(s: Site, chats: range) -> None:
    import asyncpg

    dsn = make_url(s.database).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    now = datetime.now(UTC)
    try:
        await conn.executemany(
            "INSERT INTO subscriptions (platform, channel_id, kind, origin, active, created_at, updated_at, shard) "
            "VALUES ('telegram', $1, 'private', 'chat', true, $2, $2, $3)",
            [(str(chat), now, shard_of("telegram", str(chat))) for chat in chats],
        )
    finally:
        await conn.close()


async def test_three_replicas_reach_two_thousand_chats_once_within_the_shared_limit(
    tmp_path: Path, fresh_database: str
) -> None:
    limits = FakeLimits().scaled(RATE / FakeLimits().global_per_second)
    async with site(tmp_path, fresh_database, limits=limits, settings={"HERALD_TELEGRAM_RATE": str(int(RATE))}) as s:
        chats = range(FIRST, FIRST + CHATS)
        for chat in chats:
            s.tg.add_chat(chat, type="private")
        await s.start(REPLICAS)
        await until(lambda: s.tg.updates.polls)
        await _subscribe(s, chats)
        await until(lambda: len(s.processes) == REPLICAS and all(p.returncode is None for p in s.processes))
        (s.content / "news.md").write_text(
            "---\ntitle: Shared Limits\ndate: 2026-01-02\ncategories: [World]\n---\n\nEvery chat, once.\n",
            encoding="utf-8",
        )

        def cards() -> list:
            return [m for m in s.tg.sent if m.chat_id >= FIRST and "Shared Limits" in (m.plain_text or m.text or "")]

        await until(lambda: len(cards()) >= CHATS, timeout=120)
        await asyncio.sleep(1.0)  # a second copy to any chat would have come by now
        sent = cards()
        outputs = await s.output()

    per_chat = Counter(m.chat_id for m in sent)
    assert set(per_chat) == set(chats) and set(per_chat.values()) == {1}  # each chat exactly once
    assert s.tg.too_many == 0, "the replicas together went over the bot's rate"
    times = sorted(m.time for m in sent)
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert rate >= 0.9 * RATE, f"{rate:.1f} messages/s"
    assert all("Traceback" not in out for out in outputs), outputs


async def test_kill_9_of_the_receiver_mid_broadcast_loses_nothing_and_doubles_at_most_one(
    tmp_path: Path, fresh_database: str
) -> None:
    limits = FakeLimits().scaled(RATE / FakeLimits().global_per_second)
    async with site(tmp_path, fresh_database, limits=limits, settings={"HERALD_TELEGRAM_RATE": str(int(RATE))}) as s:
        chats = range(FIRST, FIRST + 900)
        for chat in chats:
            s.tg.add_chat(chat, type="private")
        await s.start(REPLICAS)
        await until(lambda: s.tg.updates.polls)
        await _subscribe(s, chats)
        (s.content / "news.md").write_text(
            "---\ntitle: Through A Kill\ndate: 2026-01-02\ncategories: [World]\n---\n\nEvery chat, once.\n",
            encoding="utf-8",
        )

        def cards() -> list:
            return [m for m in s.tg.sent if m.chat_id >= FIRST and "Through A Kill" in (m.plain_text or m.text or "")]

        await until(lambda: len(cards()) >= 200)
        receiver = (await s.lease_holders())["receiver:telegram"]
        victim = next(p for p in s.processes if p.pid == receiver)
        victim.kill()  # SIGKILL mid-broadcast: what it claimed is taken over once it is seen dead
        await victim.wait()
        killed_at = asyncio.get_running_loop().time()

        s.tg.command(77, 77, "/help")
        await until(lambda: any(m.chat_id == 77 for m in s.tg.sent))
        answered_after = asyncio.get_running_loop().time() - killed_at
        await until(lambda: len({m.chat_id for m in cards()}) >= len(chats), timeout=120)
        await asyncio.sleep(2.0)  # a late second copy would have come by now
        sent = cards()
        survivors = [p for p in s.processes if p is not victim]
        assert all(p.returncode is None for p in survivors)
        await s.output()

    per_chat = Counter(m.chat_id for m in sent)
    assert set(per_chat) == set(chats)  # nothing lost
    assert sum(n - 1 for n in per_chat.values()) <= 1  # at most the send in flight at the kill
    assert answered_after < 10.0 + 1.0  # a new receiver within 10 s (1 s to answer)
    assert s.tg.too_many == 0
