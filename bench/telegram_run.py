"""One broadcast through the real app and Telegram adapter to a fake Bot API in a subprocess:
the part `bench.telegram_bench` and `bench.fault_bench` share.

The fake runs as `python -m <module> --serve-fake N [args…]`: it prints its port, serves until its
stdin closes, then prints one JSON line of what it saw. Herald runs here on a temporary SQLite
database with N private subscribers (chat ids 10001…), a post is dropped into its content folder,
and the run ends once every outbox row is finished.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

FIRST_CHAT = 10_001


@dataclass(frozen=True, slots=True)
class Run:
    """What one broadcast took, and what the fake server saw."""

    seconds: float
    cpu_seconds: float
    global_throttles: int
    """Platform-wide throttles the delivery engine detected."""
    fake: dict[str, Any]


async def start_fake(module: str, subscribers: int, fake_args: list[str]) -> tuple[asyncio.subprocess.Process, int]:
    """Start `python -m <module> --serve-fake N [args…]`; return it and the port it printed."""
    fake = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, "--serve-fake", str(subscribers), *fake_args,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert fake.stdout is not None
    return fake, int((await fake.stdout.readline()).decode())


async def stop_fake(fake: asyncio.subprocess.Process) -> dict[str, Any]:
    """Close the fake's stdin and return the JSON line of what it saw."""
    assert fake.stdin is not None and fake.stdout is not None
    fake.stdin.close()
    seen: dict[str, Any] = json.loads((await fake.stdout.readline()).decode())
    await fake.wait()
    return seen


async def broadcast(
    port: int,
    *,
    subscribers: int,
    token: str,
    post: str,
    finished: tuple[str, ...] = ("sent",),
    settle: float = 0.0,
    limits_off: bool = False,
    profile: cProfile.Profile | None = None,
    poll: float = 0.1,
) -> tuple[Run, int]:
    """Broadcast `post` through Herald to `subscribers` chats on the fake Bot API at `port`; time
    it until every row's status is in `finished` (looking every `poll` seconds), then wait
    `settle` seconds before stopping. `limits_off` lifts Herald's own limits; `profile` runs
    around the broadcast. Return the run (without the fake's view) and the rows finished."""
    from bot.app import build
    from bot.serve import serve
    from bot.settings import Settings
    from bot.store.models import Delivery, Subscription

    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        content.mkdir()
        settings = Settings(
            _env_file=None, content_dir=content, database_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
            telegram_token=token, telegram_api_url=f"http://127.0.0.1:{port}/bot", http_port=0,
            scan_interval=3600, log_level="WARNING",
        )  # fmt: skip
        herald = await build(settings)
        runtime = herald.runtimes[0]
        if limits_off:
            herald.delivery.add_outlet(runtime.outlet, runtime.limits.scaled(1000.0))
        now = datetime.now(UTC)
        async with herald.sessions.begin() as session:
            await session.execute(insert(Subscription), [
                {"platform": "telegram", "channel_id": str(FIRST_CHAT + i), "kind": "private", "origin": "chat",
                 "active": True, "created_at": now, "updated_at": now}
                for i in range(subscribers)
            ])  # fmt: skip
        stop = asyncio.Event()
        task = asyncio.create_task(serve(herald, stop))
        while not runtime.connected:
            await asyncio.sleep(0.05)
        (content / "bench.md").write_text(post, encoding="utf-8")
        if profile is not None:
            profile.enable()
        cpu0, t0 = time.process_time(), time.perf_counter()
        await herald.index.scan()
        while True:
            async with herald.sessions() as session:
                done = await session.scalar(
                    select(func.count()).select_from(Delivery).where(Delivery.status.in_(finished))
                )
            if done is not None and done >= subscribers:
                break
            await asyncio.sleep(poll)  # looking costs CPU too: not too often
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        if profile is not None:
            profile.disable()
        throttles = herald.delivery.limiter("telegram").global_throttles
        await asyncio.sleep(settle)
        stop.set()
        await task
        await herald.close()
    return Run(elapsed, cpu, throttles, {}), done


async def broadcast_to_fake(
    module: str,
    fake_args: list[str],
    *,
    subscribers: int,
    token: str,
    post: str,
    finished: tuple[str, ...] = ("sent",),
    settle: float = 0.0,
) -> Run:
    """Broadcast `post` (a whole post file) to `subscribers` chats on the fake started from
    `module` (see `broadcast`), and add what the fake saw."""
    fake, port = await start_fake(module, subscribers, fake_args)
    try:
        run, _ = await broadcast(port, subscribers=subscribers, token=token, post=post, finished=finished, settle=settle)
    finally:
        seen = await stop_fake(fake)
    return replace(run, fake=seen)
