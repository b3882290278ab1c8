"""Reading commands at scale: `/latest`, `/category <name>` and `/categories` over 100,000 posts
and 100,000 subscriptions, through `bot.commands.dispatch` (the real handlers).

Each database is built twice in the same run: Herald's schema (every migration) and the
reference, the schema of migration 0001 alone (without the read indexes, and with an empty
`read_stamp` table, so `/categories` counts are never cached: the queries as they were). Rows go in with bulk
inserts straight into the store (not the indexer), then `ANALYZE`, then each command is answered
`--runs` times and p50/p95 printed. SQLite always; PostgreSQL when `HERALD_TEST_POSTGRES_URL` is
set (in a schema of its own, dropped afterwards). Target: p50 ≤ 20 ms. The last row,
`/categories after a write`, is the first answer after something it counts changed (Herald
reads its counts again then). `--plans` prints the query plans on both schemas. Then the outbox
write of one article to every subscriber (`fan_out`) beside a bare INSERT … SELECT of the rows.

Then the first index: `--posts` posts generated once into a temporary folder (`bench.corpus`),
indexed by a process of its own (`bench.index_bench --folder`: the indexer's peak RSS alone,
and its largest worker's) on SQLite, on SQLite reading in one thread (the reference), and on
PostgreSQL when set (the ratio printed; target ≤ 1.5×, and ≤ 30 s on SQLite, RSS ≤ 250 MB). Last,
a warm start of the real app (`build` + `serve`) over that SQLite library, timed to its first
answered `/latest` (target ≤ 1 s), beside the same `/latest` on a bare engine.

    .venv/bin/python -m bench.scale_bench [--posts 100000] [--subs 100000] [--runs 30] [--only reads|index]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import insert, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bench.corpus import generate
from bot.clock import SystemClock
from bot.commands import CommandContext, Invocation, dispatch
from bot.store.engine import async_url, create_engine, session_factory
from bot.store.migrate import alembic_config
from bot.store.models import ArticleCategory, ArticleRow, Subscription, table_of

CATEGORIES = [f"Category {i}" for i in range(40)]
TAGS = [f"tag{i}" for i in range(400)]
START = datetime(2020, 1, 1, tzinfo=UTC)
BATCH = 5_000
QUERIES = ("/latest", "/category Category 7", "/categories")
AFTER_CHANGE = "/categories after a write"
OUTBOX = "outbox, 1 article → all subs"
"""Herald's fan-out of one article (ms) beside a bare INSERT … SELECT of the same rows."""
"""`/categories` just after something it counts changed (the stamp moved: counts read again)."""


def _migrate(url: str, revision: str, schema: str | None) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        if revision == "0001":  # the reference: an empty stamp table, so counts are never cached
            connection.execute(text("CREATE TABLE read_stamp (id INTEGER PRIMARY KEY, n BIGINT, tx BIGINT)"))

    async def go() -> None:
        engine = _engine(url, schema)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(run)
        finally:
            await engine.dispose()

    asyncio.run(go())


def _engine(url: str, schema: str | None) -> AsyncEngine:
    if schema is None:
        return create_engine(url)
    return create_async_engine(async_url(url), connect_args={"server_settings": {"search_path": schema}})


def _article_rows(posts: int, rng: random.Random) -> tuple[list[dict], list[dict]]:
    now = datetime.now(UTC)
    articles, links = [], []
    for i in range(1, posts + 1):
        cats = rng.sample(CATEGORIES, rng.choice((1, 1, 2)))
        tags = rng.sample(TAGS, 2)
        state = "published" if i % 20 else rng.choice(("draft", "removed", "held", "scheduled"))
        articles.append({
            "id": i, "key": f"posts/{i}.md", "path": f"posts/{i}.md", "title": f"Post number {i}",
            "date": START + timedelta(minutes=7 * i + rng.randrange(5_000)), "updated": None,
            "author": "Bench", "categories": cats, "tags": tags, "thumbnail": None, "url": None,
            "summary": {"v": 1, "title": f"Post number {i}", "excerpt": "x" * 200}, "state": state,
            "published_at": now if state == "published" else None, "announce_pending": False,
            "size": 1_000, "mtime_ns": 0, "digest": f"{i:064x}", "indexed_at": now,
        })
        for name in cats:
            links.append({"article_id": i, "norm": name.lower(), "name": name, "is_tag": False})
        for name in tags:
            links.append({"article_id": i, "norm": name, "name": name, "is_tag": True})
    return articles, links


async def _fill(url: str, schema: str | None, posts: int, subs: int) -> None:
    rng = random.Random(12)
    articles, links = _article_rows(posts, rng)
    now = datetime.now(UTC)
    subscriptions = [
        {"platform": "telegram", "channel_id": str(10_000 + i), "kind": "private", "origin": "chat",
         "lang": None, "active": True, "reason": None, "created_at": now, "updated_at": now}
        for i in range(subs)
    ]
    engine = _engine(url, schema)
    try:
        for table, rows in ((ArticleRow, articles), (ArticleCategory, links), (Subscription, subscriptions)):
            for at in range(0, len(rows), BATCH):
                async with engine.begin() as conn:
                    await conn.execute(insert(table_of(table)), rows[at:at + BATCH])
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def _measure(url: str, schema: str | None, runs: int, outbox: bool) -> dict[str, tuple[float, float]]:
    engine = _engine(url, schema)
    sessions = session_factory(engine)
    ctx = CommandContext(sessions=sessions, clock=SystemClock(), read_article=_no_article)
    figures: dict[str, tuple[float, float]] = {}
    try:
        for query in (*QUERIES, AFTER_CHANGE):
            changed = query == AFTER_CHANGE
            words = (QUERIES[2] if changed else query).split()
            inv = Invocation(platform="telegram", channel_id="1", channel_kind="private", user_id="1",
                             command=words[0], args=tuple(words[1:]), text=query, lang="en")
            reply = await dispatch(ctx, inv)
            assert not reply.error, reply.text
            times = []
            for _ in range(runs):
                if changed:
                    async with engine.begin() as conn:
                        await conn.execute(text("UPDATE read_stamp SET n = n + 1"))
                started = time.perf_counter()
                await dispatch(ctx, inv)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            figures[query] = (statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))])
        if outbox:
            figures[OUTBOX] = await _outbox(engine, sessions)
    finally:
        await engine.dispose()
    return figures


async def _outbox(engine: AsyncEngine, sessions) -> tuple[float, float]:
    """Write the outbox of one article to every subscriber: Herald's `fan_out` (ms, committed), and
    beside it the floor, a bare INSERT … SELECT of the same rows without the category filters
    (ms, rolled back)."""
    from sqlalchemy import false, literal, select

    from bot.delivery import fan_out
    from bot.store.models import Delivery, UtcDateTime

    now = datetime.now(UTC)
    started = time.perf_counter()
    rows = await fan_out(sessions, 2, now=now)
    herald = (time.perf_counter() - started) * 1000
    sub = Subscription
    source = select(
        literal(3), literal(0), sub.platform, sub.channel_id, sub.id, literal("pending"), literal(0), literal(0),
        literal(now, UtcDateTime()), false(), literal(now, UtcDateTime()), sub.id % 1024,
    ).where(sub.active.is_(True))
    columns = ["article_id", "round", "platform", "channel_id", "subscription_id", "status", "priority",
               "attempts", "due_at", "plain", "created_at", "shard"]
    async with engine.connect() as conn:
        transaction = await conn.begin()
        started = time.perf_counter()
        await conn.execute(insert(table_of(Delivery)).from_select(columns, source))
        floor = (time.perf_counter() - started) * 1000
        await transaction.rollback()
    assert rows > 0
    return herald, floor


async def _no_article(_article_id: int) -> None:
    return None


def _statements() -> dict[str, object]:
    """The statements behind the commands, as the store builds them."""
    from sqlalchemy import func, select

    from bot.store.listing import has_category, ids_in, newest_first
    from bot.store.states import ArticleState

    published = ArticleRow.state == ArticleState.PUBLISHED
    listed = select(ArticleRow.id, ArticleRow.title, ArticleRow.date).where(published)
    in_category = ArticleRow.id.in_(ids_in("category 7"))
    return {
        "/latest page": newest_first(listed, limit=5, offset=0),
        "published count": select(func.count()).select_from(ArticleRow).where(published),
        "/category page (> 300 articles)": newest_first(listed.where(has_category("category 7")), limit=5, offset=0),
        "/category page (small)": newest_first(listed.where(in_category), limit=5, offset=0),
        "/category count": select(func.count()).select_from(ArticleRow).where(published, in_category),
        "/categories (after a change)": select(ArticleCategory.norm, func.min(ArticleCategory.name),
                                                func.count(ArticleCategory.article_id))
        .join(ArticleRow, ArticleRow.id == ArticleCategory.article_id)
        .where(published, ArticleCategory.is_tag.is_(False)).group_by(ArticleCategory.norm),
    }


def _plans(url: str, schema: str | None) -> None:
    """Print the plans of those statements (after ANALYZE)."""

    async def go() -> None:
        engine = _engine(url, schema)
        explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        try:
            async with engine.connect() as conn:
                for name, statement in _statements().items():
                    sql = str(statement.compile(engine.sync_engine, compile_kwargs={"literal_binds": True}))  # type: ignore[attr-defined]
                    rows = (await conn.execute(text(explain + sql))).all()
                    print(f"    {name}:")
                    for row in rows:
                        print("      " + " ".join(str(v) for v in (row[-1:] if explain.startswith("EXPLAIN Q") else row)))
        finally:
            await engine.dispose()

    asyncio.run(go())


def _run(name: str, url: str, schema: str | None, args: argparse.Namespace, revision: str) -> dict:
    started = time.perf_counter()
    _migrate(url, revision, schema)
    asyncio.run(_fill(url, schema, args.posts, args.subs))
    built = time.perf_counter() - started
    figures = asyncio.run(_measure(url, schema, args.runs, revision == "head"))
    print(f"  {name}: built in {built:.1f} s")
    if args.plans:
        print(f"  plans ({name}):")
        _plans(url, schema)
    return figures


def _print(backend: str, herald: dict, reference: dict) -> None:
    print(f"{backend}: p50 / p95 ms (Herald | reference: schema of 0001, no read indexes)")
    for query in (*QUERIES, AFTER_CHANGE):
        h, r = herald[query], reference[query]
        print(f"  {query:<28} {h[0]:7.1f} / {h[1]:7.1f}   |   {r[0]:7.1f} / {r[1]:7.1f}")
    fan, floor = herald[OUTBOX]
    print(f"  {OUTBOX:<28} {fan:7.0f} ms (fan_out)   |   {floor:7.0f} ms (bare INSERT … SELECT, same run)")


def _sqlite(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        reference = _run("reference", f"sqlite:///{Path(folder) / 'ref.db'}", None, args, "0001")
        herald = _run("Herald", f"sqlite:///{Path(folder) / 'herald.db'}", None, args, "head")
    _print("SQLite", herald, reference)


def _postgres(url: str, args: argparse.Namespace) -> None:
    results = {}
    for name, revision in (("reference", "0001"), ("Herald", "head")):
        schema = f"scale_bench_{revision}_{os.getpid()}"
        asyncio.run(_schema(url, f'CREATE SCHEMA "{schema}"'))
        try:
            results[name] = _run(name, url, schema, args, revision)
        finally:
            asyncio.run(_schema(url, f'DROP SCHEMA "{schema}" CASCADE'))
    _print(f"PostgreSQL ({make_url(url).host})", results["Herald"], results["reference"])


async def _schema(url: str, statement: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


def _index_child(folder: Path, url: str, *, threads: bool = False) -> dict:
    """Index `folder` in a process of its own (`bench.index_bench --folder`): its figures, with its
    peak RSS (the indexer alone: the posts were generated by this process) and its largest worker's."""
    command_line = [sys.executable, "-m", "bench.index_bench", "--folder", str(folder), "--url", url, "--json"]
    done = subprocess.run([*command_line, *(["--threads"] if threads else [])], check=True, capture_output=True,
                          text=True, cwd=Path(__file__).resolve().parent.parent)
    return json.loads(done.stdout.strip().splitlines()[-1])


async def _warm_start(folder: Path, url: str) -> tuple[float, float]:
    """Start the real app (`build` + `serve`) on an indexed library and time start → first /latest
    answered (s); beside it, the same /latest on a bare engine (s), the reference."""
    from bench.arrival_bench import BenchRuntime
    from bot.app import build
    from bot.platform import PlatformSpec
    from bot.serve import serve
    from bot.settings import Settings

    inv = Invocation(platform="bench", channel_id="1", channel_kind="private", user_id="1", command="/latest",
                     text="/latest", lang="en")
    started = time.perf_counter()
    runtime = BenchRuntime()
    spec = PlatformSpec("bench", lambda s: [], lambda s, b: [], enabled=lambda s: True,
                        create_runtime=lambda settings, core: runtime)
    settings = Settings(_env_file=None, content_dir=folder, database_url=url, http_port=0,
                        channels=("bench:room",), scan_interval=3600, log_level="WARNING")
    herald = await build(settings, platforms={"bench": spec})
    stop = asyncio.Event()
    task = asyncio.create_task(serve(herald, stop))
    await asyncio.sleep(0)  # serve starts first (its first pass runs in the background), as a runtime would
    reply = await herald.services.handle(inv)
    answered = time.perf_counter() - started
    assert not reply.error, reply.text
    stop.set()
    await task
    await herald.close()
    started = time.perf_counter()
    engine = create_engine(url)
    try:
        ctx = CommandContext(sessions=session_factory(engine), clock=SystemClock(), read_article=_no_article)
        await dispatch(ctx, inv)
    finally:
        await engine.dispose()
    return answered, time.perf_counter() - started


def _index(args: argparse.Namespace) -> None:
    """First index of `--posts` generated posts, SQLite and PostgreSQL side by side; then a warm
    start of the real app over the SQLite library, to its first answered command."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "content"
        folder.mkdir()
        started = time.perf_counter()
        generate(folder, args.posts)
        print(f"first index: {args.posts:,} posts generated in {time.perf_counter() - started:.1f} s")
        sqlite = f"sqlite:///{Path(tmp) / 'index.db'}"
        runs = {"SQLite": _index_child(folder, sqlite)}
        runs["SQLite, one reader thread (reference)"] = _index_child(
            folder, f"sqlite:///{Path(tmp) / 'reference.db'}", threads=True)
        url = os.environ.get("HERALD_TEST_POSTGRES_URL")
        if url:
            runs["PostgreSQL"] = _index_child(folder, url)
        print("  first index (s, posts/s) | second scan (s) | peak RSS (MB): indexer after the first index, "
              "after both / largest worker")
        for name, r in runs.items():
            print(f"  {name:<40} {r['first']:6.1f} s {r['count'] / r['first']:7,.0f}/s | {r['second']:5.1f} s | "
                  f"{r['rss_first_mb']:4.0f}, {r['rss_mb']:4.0f} / {r['worker_rss_mb']:4.0f}"
                  + ("" if r["processes"] else " (no workers)"))
        if "PostgreSQL" in runs:
            print(f"  PostgreSQL / SQLite: {runs['PostgreSQL']['first'] / runs['SQLite']['first']:.2f}× (target ≤ 1.5×)")
        try:
            answered, bare = asyncio.run(_warm_start(folder, sqlite))
        except Exception as exc:  # the app's start path failing is a finding, not the end of the run
            print(f"  warm start → first /latest answered: failed ({type(exc).__name__}: {exc})")
            return
        print(f"  warm start → first /latest answered: {answered:.2f} s  |  bare engine + /latest: {bare:.2f} s "
              "(target ≤ 1 s)")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark once."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--subs", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--plans", action="store_true", help="print the query plans on Herald's schema")
    parser.add_argument("--only", choices=("reads", "index"), help="only the reading commands (and outbox), or only the index")
    args = parser.parse_args(argv)
    print(f"{args.posts} posts, {args.subs} subscriptions, {args.runs} runs per command")
    if args.only != "index":
        _sqlite(args)
        url = os.environ.get("HERALD_TEST_POSTGRES_URL")
        if url:
            _postgres(url, args)
        else:
            print("PostgreSQL: skipped (set HERALD_TEST_POSTGRES_URL)")
    if args.only != "reads":
        _index(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
