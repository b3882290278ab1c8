"""CPU per delivered message: one broadcast to N chats on a fake Bot API, limits off and on.

The fake runs in a subprocess (its CPU is not counted). First with every flood limit off:
Herald runs here with the real app, Telegram adapter and delivery engine, its own rate limits
lifted; the reference, in the same run and against the same fake, is a plain python-telegram-bot
22 script sending the same photo card with 32 concurrent tasks. Then with Telegram's limits
(30 messages/s): Herald with its real limits, beside the same script paced at 29.4 sends/s;
Herald's ratio to the ideal time (target >= 0.95) and the 429s the fake answered (target 0).
Prints sends/s and CPU ms per message for each.

    .venv/bin/python -m bench.broadcast_bench [--subscribers 2000] [--limited 600] [--profile FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import sys
import time
from typing import Any

from bench.telegram_run import FIRST_CHAT, broadcast, start_fake, stop_fake

TOKEN = "7000000002:BenchTokenBenchTokenBenchToken02"
TASKS = 32
POST = (
    "---\ntitle: Benchmark post\ndate: 2026-01-02\nthumbnail: https://img.example.com/b.png\n"
    "categories: [Bench]\n---\n\n" + "A paragraph of the benchmark post. " * 30 + "\n"
)


async def _serve_fake(subscribers: int, limited: bool) -> None:
    """Run the fake Bot API (Telegram's limits or none) until stdin closes; print what it saw."""
    from tests.fakes.telegram_api import FakeTelegram
    from tests.fakes.telegram_limits import FakeLimits

    async with FakeTelegram(token=TOKEN, limits=FakeLimits() if limited else FakeLimits.off()) as tg:
        for chat in range(subscribers):
            tg.add_chat(FIRST_CHAT + chat, type="private")
        print(tg.port, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        sends = sum(1 for m in tg.sent if m.method.startswith("send"))
        print(json.dumps({"sent": sends, "too_many": tg.too_many}), flush=True)


async def _herald(
    subscribers: int, port: int, profile: cProfile.Profile | None, *, limited: bool
) -> tuple[float, float, int]:
    """Broadcast the post to `subscribers` chats through Herald; return (seconds, CPU seconds, sent)."""
    run, done = await broadcast(
        port, subscribers=subscribers, token=TOKEN, post=POST, limits_off=not limited, profile=profile,
        poll=0.5 if limited else 0.05,
    )
    return run.seconds, run.cpu_seconds, done


async def _reference(subscribers: int, port: int, *, limited: bool) -> tuple[float, float, int]:
    """The same card to the same number of chats from a plain PTB 22 script with 32 tasks (each
    send starting 1/29.4 s after the last when `limited`)."""
    from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.request import HTTPXRequest

    caption = "<b>Benchmark post</b>\n\n" + "A paragraph of the benchmark post. " * 20
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Read", callback_data="read:1")]])
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=HTTPXRequest(connection_pool_size=TASKS))
    chats = iter(range(FIRST_CHAT, FIRST_CHAT + subscribers))
    sent = 0
    gap, start = 1 / 29.4, time.monotonic()
    slots = iter(range(subscribers))

    async def worker() -> None:
        nonlocal sent
        for chat in chats:
            if limited:
                await asyncio.sleep(max(0.0, start + next(slots) * gap - time.monotonic()))
            await bot.send_photo(chat, "https://img.example.com/b.png", caption=caption, parse_mode="HTML",
                                 reply_markup=markup)
            sent += 1

    async with bot:
        cpu0, t0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(TASKS)))
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return elapsed, cpu, sent


def _figures(name: str, seconds: float, cpu: float, sent: int) -> dict[str, Any]:
    return {"who": name, "sent": sent, "seconds": round(seconds, 2), "sends_per_s": round(sent / seconds, 1),
            "cpu_ms_per_message": round(1000 * cpu / max(1, sent), 3)}


async def _bench(subscribers: int, limited: bool, profile: cProfile.Profile | None) -> list[dict[str, Any]]:
    results = []
    for who in ("herald", f"plain PTB 22, {TASKS} tasks"):
        fake, port = await start_fake("bench.broadcast_bench", subscribers, ["--limited", "1" if limited else "0"])
        if who == "herald":
            figures = _figures(who, *await _herald(subscribers, port, profile, limited=limited))
        else:
            figures = _figures(who, *await _reference(subscribers, port, limited=limited))
        seen = await stop_fake(fake)
        figures["limits"] = "telegram" if limited else "off"
        figures["too_many"] = seen["too_many"]
        if limited:
            figures["ratio_to_ideal"] = round(subscribers / 30.0 / figures["seconds"], 3)
        results.append(figures)
    return results


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--limited", type=int, default=600, help="chats at 30 msg/s (0: skip that part)")
    parser.add_argument("--profile", help="write a cProfile of Herald's limit-free broadcast to this file")
    parser.add_argument("--serve-fake", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_fake:
        asyncio.run(_serve_fake(args.serve_fake, limited=bool(args.limited)))
        return
    profile = cProfile.Profile() if args.profile else None
    results = asyncio.run(_bench(args.subscribers, False, profile))
    if profile is not None:
        profile.dump_stats(args.profile)
    if args.limited:
        results += asyncio.run(_bench(args.limited, True, None))
    for r in results:
        ratio = f", ratio to ideal {r['ratio_to_ideal']} (target >= 0.95)" if "ratio_to_ideal" in r else ""
        print(f"{r['who']}: {r['sent']} chats, limits {r['limits']}: {r['sends_per_s']} sends/s, "
              f"{r['cpu_ms_per_message']} CPU ms per message, {r['too_many']} 429s{ratio}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
