"""Reading commands at scale: `/latest`, `/category <name>` and `/categories` over 100,000 posts
and 100,000 subscriptions, through `bot.commands.dispatch` (the real handlers).

Each database is built twice in the same run: Herald's schema (every migration) and the
reference, the schema of migration 0001 alone (without the read indexes, and with an empty
`read_stamp` table, so `/categories` counts are never cached: the queries as they were). Rows go in with bulk
inserts straight into the store (not the indexer), then `ANALYZE`, then each command is answered
`--runs` times and p50/p95 printed. SQLite always; PostgreSQL when `HERALD_TEST_POSTGRES_URL` is
set (in a schema of its own, dropped afterwards). Target: p50 ≤ 20 ms. The last row,
`/categories after a write`, is the first answer after something it counts changed (Herald
reads its counts again then). `--plans` prints the query plans on both schemas.

    .venv/bin/python -m bench.scale_bench [--posts 100000] [--subs 100000] [--runs 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import insert, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

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


async def _measure(url: str, schema: str | None, runs: int) -> dict[str, tuple[float, float]]:
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
    finally:
        await engine.dispose()
    return figures


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
    figures = asyncio.run(_measure(url, schema, args.runs))
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


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark once."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--subs", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--plans", action="store_true", help="print the query plans on Herald's schema")
    args = parser.parse_args(argv)
    print(f"{args.posts} posts, {args.subs} subscriptions, {args.runs} runs per command")
    _sqlite(args)
    url = os.environ.get("HERALD_TEST_POSTGRES_URL")
    if url:
        _postgres(url, args)
    else:
        print("PostgreSQL: skipped (set HERALD_TEST_POSTGRES_URL)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
