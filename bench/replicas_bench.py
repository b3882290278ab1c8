"""Replicas side by side: one broadcast with paid-broadcast limits (1,000 messages/s over all
chats) to N chats on a limit-free fake Bot API, sent by 1 and then by 2 `herald run` replicas on
one PostgreSQL database, on this machine. Prints sends/s and CPU ms per message (all replicas
together, from /proc) for each.

The fake runs in a process of its own (its CPU is not counted), each run on a new database.
Needs PostgreSQL: HERALD_TEST_POSTGRES_URL (or --url).

    .venv/bin/python -m bench.replicas_bench [--chats 4000] [--url postgresql://…]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bench.broadcast_bench import POST, TOKEN
from bench.index_bench import _scratch_postgres
from bench.telegram_run import FIRST_CHAT, start_fake, stop_fake
from bot.store.shard_key import shard_of

_TICK = os.sysconf("SC_CLK_TCK")
_REPO = Path(__file__).resolve().parents[1]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _run(url: str, replicas: int, chats: int) -> dict[str, Any]:
    fake, port = await start_fake("bench.broadcast_bench", chats, ["--limited", "0"])
    processes: list[asyncio.subprocess.Process] = []
    try:
        async with _scratch_postgres(url) as database:
            with tempfile.TemporaryDirectory() as tmp:
                content = Path(tmp) / "content"
                content.mkdir()
                env = {
                    **{k: v for k, v in os.environ.items() if not k.startswith("HERALD_")},
                    "HERALD_DATABASE_URL": database, "HERALD_CONTENT_DIR": str(content),
                    "HERALD_TELEGRAM_TOKEN": TOKEN, "HERALD_TELEGRAM_API_URL": f"http://127.0.0.1:{port}/bot",
                    "HERALD_TELEGRAM_PAID_BROADCAST": "true", "HERALD_HTTP_PORT": "0", "HERALD_LOG_LEVEL": "WARNING",
                    "PYTHONPATH": str(_REPO),
                }  # fmt: skip
                processes = list(await asyncio.gather(*(
                    asyncio.create_subprocess_exec(
                        sys.executable, "-m", "bot", "run", cwd=tmp, env=env, stdin=asyncio.subprocess.DEVNULL,
                        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
                    )
                    for _ in range(replicas)
                )))
                conn = await _connected(_dsn(database))
                try:
                    while await _live(conn) < replicas:
                        await asyncio.sleep(0.2)
                    await asyncio.sleep(3.0)  # every replica has seen the others (and its part)
                    now = datetime.now(UTC)
                    await conn.executemany(
                        "INSERT INTO subscriptions (platform, channel_id, kind, origin, active, created_at, updated_at, shard) "
                        "VALUES ('telegram', $1, 'private', 'chat', true, $2, $2, $3)",
                        [(str(FIRST_CHAT + n), now, shard_of("telegram", str(FIRST_CHAT + n))) for n in range(chats)],
                    )
                    cpu0 = sum(_cpu_seconds(p.pid) for p in processes)
                    started = time.perf_counter()
                    (content / "bench.md").write_text(POST, encoding="utf-8")
                    while (await conn.fetchval("SELECT count(*) FROM deliveries WHERE status = 'sent'")) < chats:
                        await asyncio.sleep(0.1)
                    seconds = time.perf_counter() - started
                    cpu = sum(_cpu_seconds(p.pid) for p in processes) - cpu0
                finally:
                    await conn.close()
                for process in processes:
                    process.terminate()
                await asyncio.gather(*(p.wait() for p in processes))
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
        seen = await stop_fake(fake)
    return {"replicas": replicas, "chats": chats, "seconds": round(seconds, 2),
            "sends_per_s": round(chats / seconds, 1), "cpu_ms_per_message": round(1000 * cpu / chats, 3),
            "fake_sends": seen["sent"], "too_many": seen["too_many"]}


async def _connected(dsn: str) -> Any:
    import asyncpg

    for _ in range(100):
        try:
            return await asyncpg.connect(dsn)
        except (OSError, asyncpg.PostgresError):
            await asyncio.sleep(0.1)
    return await asyncpg.connect(dsn)


async def _live(conn: Any) -> int:
    try:
        return int(await conn.fetchval("SELECT count(*) FROM replicas WHERE heartbeat_at > now() - interval '6 seconds'"))
    except Exception:  # not migrated yet
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=4000)
    parser.add_argument("--url", default=os.environ.get("HERALD_TEST_POSTGRES_URL"))
    args = parser.parse_args(argv)
    if not args.url:
        print("replicas_bench needs PostgreSQL: set HERALD_TEST_POSTGRES_URL or pass --url")
        return 2
    results = [asyncio.run(_run(args.url, n, args.chats)) for n in (1, 2)]
    for r in results:
        print(f"{r['replicas']} replica(s), {r['chats']} chats, paid-broadcast limits, limit-free fake: "
              f"{r['sends_per_s']} sends/s, {r['cpu_ms_per_message']} CPU ms per message "
              f"({r['fake_sends']} sends seen by the fake, {r['too_many']} 429s)")
    print(f"2 replicas / 1: {results[1]['sends_per_s'] / results[0]['sends_per_s']:.2f}x the sends/s")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
