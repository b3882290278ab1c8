"""Telegram delivery under Telegram's real limits: one article to N private subscribers.

The fake Bot API runs in a subprocess (its CPU is not counted) with the real flood limits
(30 messages/s overall, 1/s per chat); Herald runs here with the real Telegram adapter and
delivery engine. Prints the time against the ideal (N / 30 s), the ratio (target ≥ 0.95), the
CPU seconds this process used, and what the server saw (429s, duplicates).

    .venv/bin/python -m bench.telegram_bench [--subscribers 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select

TOKEN = "7000000001:BenchTokenBenchTokenBenchToken01"
OVERALL = 30.0


async def _serve_fake(subscribers: int) -> None:
    """Run the fake Bot API with Telegram's limits until stdin closes; then print its stats."""
    from collections import Counter

    from tests.fakes.telegram_api import FakeTelegram

    async with FakeTelegram(token=TOKEN) as tg:
        for chat in range(1, subscribers + 1):
            tg.add_chat(10_000 + chat, type="private")
        print(tg.port, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        sends = Counter(m.chat_id for m in tg.sent if m.method.startswith("send"))
        stats = {
            "sent": sum(sends.values()),
            "chats": len(sends),
            "duplicates": sum(n - 1 for n in sends.values() if n > 1),
            "too_many": tg.too_many,
            "uploads": sum(1 for m in tg.sent if m.uploaded),
        }
        print(json.dumps(stats), flush=True)


async def _bench(subscribers: int) -> dict[str, float]:
    from bot.app import build, serve
    from bot.settings import Settings
    from bot.store.models import Delivery, Subscription

    fake = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.telegram_bench", "--serve-fake", str(subscribers),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )
    assert fake.stdout is not None and fake.stdin is not None
    port = int((await fake.stdout.readline()).decode())
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        content.mkdir()
        settings = Settings(
            _env_file=None, content_dir=content, database_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
            telegram_token=TOKEN, telegram_api_url=f"http://127.0.0.1:{port}/bot", http_port=0,
            scan_interval=3600, log_level="WARNING",
        )
        herald = await build(settings)
        now = datetime.now(UTC)
        async with herald.sessions.begin() as session:
            await session.execute(insert(Subscription), [
                {"platform": "telegram", "channel_id": str(10_000 + i), "kind": "private", "origin": "chat",
                 "active": True, "created_at": now, "updated_at": now}
                for i in range(1, subscribers + 1)
            ])
        stop = asyncio.Event()
        task = asyncio.create_task(serve(herald, stop))
        while not herald.runtimes[0].connected:
            await asyncio.sleep(0.05)
        (content / "bench.md").write_text(
            "---\ntitle: Benchmark post\ndate: 2026-01-02\nthumbnail: https://img.example.com/b.png\n"
            "categories: [Bench]\n---\n\n" + "A paragraph of the benchmark post. " * 30 + "\n",
            encoding="utf-8",
        )
        cpu0, t0 = time.process_time(), time.perf_counter()
        await herald.index.scan()
        while True:
            async with herald.sessions() as session:
                done = await session.scalar(
                    select(func.count()).select_from(Delivery).where(Delivery.status == "sent"))
            if done >= subscribers:
                break
            await asyncio.sleep(0.1)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        stop.set()
        await task
        await herald.close()
    fake.stdin.close()
    stats = json.loads((await fake.stdout.readline()).decode())
    await fake.wait()
    ideal = subscribers / OVERALL
    return {"subscribers": subscribers, "seconds": round(elapsed, 2), "ideal": round(ideal, 2),
            "ratio": round(ideal / elapsed, 3), "cpu_seconds": round(cpu, 2), **stats}


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--serve-fake", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_fake:
        asyncio.run(_serve_fake(args.serve_fake))
        return
    result = asyncio.run(_bench(args.subscribers))
    print(f"telegram: {result['subscribers']} subscribers in {result['seconds']} s "
          f"(ideal {result['ideal']} s): ratio {result['ratio']} (target >= 0.95), "
          f"CPU {result['cpu_seconds']} s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
