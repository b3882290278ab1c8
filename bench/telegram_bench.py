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

from bench.telegram_run import FIRST_CHAT, broadcast_to_fake

TOKEN = "7000000001:BenchTokenBenchTokenBenchToken01"
OVERALL = 30.0


async def _serve_fake(subscribers: int) -> None:
    """Run the fake Bot API with Telegram's limits until stdin closes; then print its stats."""
    from collections import Counter

    from tests.fakes.telegram_api import FakeTelegram

    async with FakeTelegram(token=TOKEN) as tg:
        for chat in range(1, subscribers + 1):
            tg.add_chat(FIRST_CHAT - 1 + chat, type="private")
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
    post = (
        "---\ntitle: Benchmark post\ndate: 2026-01-02\nthumbnail: https://img.example.com/b.png\n"
        "categories: [Bench]\n---\n\n" + "A paragraph of the benchmark post. " * 30 + "\n"
    )
    run = await broadcast_to_fake("bench.telegram_bench", [], subscribers=subscribers, token=TOKEN, post=post)
    ideal = subscribers / OVERALL
    return {"subscribers": subscribers, "seconds": round(run.seconds, 2), "ideal": round(ideal, 2),
            "ratio": round(ideal / run.seconds, 3), "cpu_seconds": round(run.cpu_seconds, 2), **run.fake}


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
