"""Library index speed: first scan of COUNT posts, a second scan (nothing changed), and a scan after
every file was touched (same bytes: hashed, not parsed).

    python -m bench.index_bench [COUNT] [--url DATABASE_URL]

Defaults: 10,000 posts into a temporary SQLite database. Pass `--url postgresql://…` to measure on
PostgreSQL: a throwaway database is created on that server and dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.corpus import generate
from bot.clock import SystemClock
from bot.content import ContentConfig
from bot.index import IndexReport, LibraryIndex
from bot.store.engine import create_engine, session_factory
from bot.store.migrate import upgrade
from bot.summary import SummaryConfig


async def _timed(index: LibraryIndex) -> tuple[float, IndexReport]:
    started = time.perf_counter()
    report = await index.scan()
    return time.perf_counter() - started, report


@asynccontextmanager
async def _scratch_postgres(url: str) -> AsyncIterator[str]:
    """Create a throwaway database on the server of `url`, yield its URL, then drop it."""
    import asyncpg

    base = make_url(url)
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"herald_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def run(count: int, url: str | None) -> dict[str, float]:
    """Run the three scans and return their timings (seconds) and counts."""
    if url is None:
        return await _run(count, None)
    async with _scratch_postgres(url) as scratch:
        return await _run(count, scratch)


async def _run(count: int, url: str | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        root.mkdir()
        paths = generate(root, count)
        database = url or f"sqlite:///{Path(tmp) / 'herald.db'}"
        await upgrade(database)
        engine = create_engine(database)
        try:
            index = LibraryIndex(
                session_factory(engine), ContentConfig(root=root, site_url="https://example.org"),
                SummaryConfig(hidden_categories=("首页",)), clock=SystemClock(),
            )
            first, report = await _timed(index)
            second, again = await _timed(index)
            for path in paths:
                os.utime(path, ns=(1, path.stat().st_mtime_ns + 1_000_000))
            touched, _ = await _timed(index)
        finally:
            await engine.dispose()
    return {"count": count, "indexed": len(report.new), "problems": len(report.problems),
            "first": first, "second": second, "touched": touched, "unchanged": again.unchanged}


def main(argv: list[str]) -> int:
    args = list(argv)
    url = None
    if "--url" in args:
        at = args.index("--url")
        url = args[at + 1]
        del args[at : at + 2]
    count = int(args[0]) if args else 10_000
    r = asyncio.run(run(count, url))
    print(f"index: {r['count']:,} posts ({r['indexed']:,} indexed, {r['problems']} problems)")
    print(f"  first scan   {r['first']:.2f} s  ({r['count'] / r['first']:,.0f} posts/s)")
    print(f"  second scan  {r['second']:.2f} s  (unchanged {r['unchanged']:,}; nothing parsed)")
    print(f"  after touch  {r['touched']:.2f} s  (every file hashed, none parsed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
