"""Library index speed: first scan of COUNT posts, a second scan (nothing changed), and a scan after
every file was touched (same bytes: hashed, not parsed).

    python -m bench.index_bench [COUNT] [--url DATABASE_URL] [--folder PATH] [--threads] [--json]

Defaults: 10,000 posts into a temporary SQLite database. Pass `--url postgresql://…` to measure on
PostgreSQL: a throwaway database is created on that server and dropped afterwards. `--folder`
indexes posts generated beforehand (only the first and second scans then: the folder is not
touched), so this process's peak memory is the indexer's alone (`bench.scale_bench` runs it so);
`--threads` reads in one thread (no worker processes: the reference); `--json` prints the figures,
with the peak RSS of this process and of the largest worker process.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
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
from bot.index.readers import Readers
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


async def run(count: int, url: str | None, folder: Path | None = None, threads: bool = False) -> dict[str, float]:
    """Run the scans and return their timings (seconds) and counts."""
    if url is None or url.startswith("sqlite"):
        return await _run(count, url, folder, threads)
    async with _scratch_postgres(url) as scratch:
        return await _run(count, scratch, folder, threads)


async def _run(count: int, url: str | None, folder: Path | None, threads: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = folder or Path(tmp) / "content"
        paths = []
        if folder is None:
            root.mkdir()
            paths = generate(root, count)
        database = url or f"sqlite:///{Path(tmp) / 'herald.db'}"
        await upgrade(database)
        engine = create_engine(database)
        try:
            content = ContentConfig(root=root, site_url="https://example.org")
            summary = SummaryConfig(hidden_categories=("首页",))
            readers = Readers(content, summary, threshold=10**12) if threads else Readers(content, summary)
            index = LibraryIndex(session_factory(engine), content, summary, clock=SystemClock(), readers=readers)
            first, report = await _timed(index)
            processes = readers.used_processes
            rss_first = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            second, again = await _timed(index)
            touched = float("nan")
            if paths:
                for path in paths:
                    os.utime(path, ns=(1, path.stat().st_mtime_ns + 1_000_000))
                touched, _ = await _timed(index)
        finally:
            await engine.dispose()
    return {"count": len(paths) or report.unchanged + len(report.new) + len(report.problems),
            "indexed": len(report.new), "problems": len(report.problems),
            "first": first, "second": second, "touched": touched, "unchanged": again.unchanged,
            "processes": processes, "rss_first_mb": rss_first,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def main(argv: list[str]) -> int:
    args = list(argv)
    url = folder = None
    if "--url" in args:
        at = args.index("--url")
        url = args[at + 1]
        del args[at : at + 2]
    if "--folder" in args:
        at = args.index("--folder")
        folder = Path(args[at + 1])
        del args[at : at + 2]
    flags = {a for a in args if a.startswith("--")}
    args = [a for a in args if not a.startswith("--")]
    count = int(args[0]) if args else 10_000
    r = asyncio.run(run(count, url, folder, "--threads" in flags))
    if "--json" in flags:
        print(json.dumps(r))
        return 0
    print(f"index: {r['count']:,} posts ({r['indexed']:,} indexed, {r['problems']} problems)")
    print(f"  first scan   {r['first']:.2f} s  ({r['count'] / r['first']:,.0f} posts/s; "
          f"{'worker processes' if r['processes'] else 'one thread'})")
    print(f"  second scan  {r['second']:.2f} s  (unchanged {r['unchanged']:,}; nothing parsed)")
    if r["touched"] == r["touched"]:
        print(f"  after touch  {r['touched']:.2f} s  (every file hashed, none parsed)")
    print(f"  peak RSS     {r['rss_first_mb']:.0f} MB this process after the first scan, {r['rss_mb']:.0f} MB "
          f"after all; {r['worker_rss_mb']:.0f} MB the largest worker")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
