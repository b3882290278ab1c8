"""The read stamp: a number the database changes whenever what `/categories` counts may have
changed (an article added, removed or changing state; a category link added or removed), so the
counts can be cached and re-read only after a change, whoever wrote it (indexer, scheduler,
admin commands, another process).

Triggers keep it current. SQLite bumps it per changed row (writers are serialised there anyway).
PostgreSQL bumps it once per transaction, at commit (a deferred constraint trigger), so a
writer never waits for the stamp's row lock while it still holds article rows another writer
wants: no deadlock. The SQL is written out again in migration 0002 (migrations never import it).
"""

from __future__ import annotations

import secrets
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, MetaData, text
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS herald_stamp_{table}_{when.split()[0].lower()} AFTER {when} ON {table} "
    "BEGIN UPDATE read_stamp SET n = n + 1 WHERE id = 1; END"
    for table, whens in (("articles", ("INSERT", "DELETE", "UPDATE OF state")),
                         ("article_categories", ("INSERT", "DELETE", "UPDATE")))
    for when in whens
]

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION herald_bump_read_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE read_stamp SET n = n + 1, tx = txid_current()
    WHERE id = 1 AND tx IS DISTINCT FROM txid_current();
    RETURN NULL;
END $$
"""

POSTGRES_TRIGGERS = [
    f"CREATE CONSTRAINT TRIGGER herald_stamp_{table} AFTER {events} ON {table} "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION herald_bump_read_stamp()"
    for table, events in (("articles", "INSERT OR DELETE OR UPDATE OF state"),
                          ("article_categories", "INSERT OR DELETE OR UPDATE"))
]


def first_row() -> str:
    """The stamp's row, starting at a random number so a re-created database never repeats a
    stamp a long-running process cached counts under."""
    return (f"INSERT INTO read_stamp (id, n) SELECT 1, {secrets.randbelow(2**40)} "
            "WHERE NOT EXISTS (SELECT 1 FROM read_stamp WHERE id = 1)")


def statements(dialect: str) -> list[str]:
    """The statements that create the triggers and the stamp's row on this dialect."""
    if dialect == "postgresql":
        drops = [f"DROP TRIGGER IF EXISTS herald_stamp_{table} ON {table}" for table in ("articles", "article_categories")]
        return [POSTGRES_FUNCTION, *drops, *POSTGRES_TRIGGERS, first_row()]
    return [*SQLITE_TRIGGERS, first_row()]


def create_triggers(target: MetaData, connection: Connection, **_kw: Any) -> None:
    """`after_create` of the schema (`Base.metadata.create_all`, as the tests build it)."""
    for statement in statements(connection.dialect.name):
        connection.execute(text(statement))


@asynccontextmanager
async def one_bump(session: AsyncSession) -> AsyncIterator[None]:
    """Inside a writing transaction, move the stamp once for everything written in the block.

    SQLite's triggers move it per changed row: a batch of 500 posts with their categories is
    some 2,000 updates of the stamp's row, about half the cost of writing the batch. There the
    row is taken out for the block (the triggers then match nothing) and put back moved by one,
    in the same transaction: SQLite serialises writers, so no other writer can see it missing.
    PostgreSQL already moves it once per transaction (and runs writers concurrently), so there
    this does nothing.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    taken = await session.scalar(text("DELETE FROM read_stamp WHERE id = 1 RETURNING n"))
    yield
    if taken is not None:
        await session.execute(text("INSERT INTO read_stamp (id, n) VALUES (1, :n)"), {"n": int(taken) + 1})


_MAX_KEYS = 1_000
"""Values kept per database between changes (a count per category or tag asked for)."""


class StampCache:
    """Values read from the database, kept until the read stamp moves (per session factory, so
    per database). Reading the stamp is one primary-key lookup; a database without the stamp's
    row (the reference schema in `bench.scale_bench`) is never cached."""

    def __init__(self) -> None:
        self._by_db: weakref.WeakKeyDictionary[object, tuple[int, dict[Hashable, Any]]] = weakref.WeakKeyDictionary()

    async def get(self, sessions: object, session: AsyncSession, key: Hashable,
                  compute: Callable[[], Awaitable[T]]) -> T:
        """Return the value kept for `key` at the current stamp, else `await compute()` (read in
        the same session, after the stamp: a change committed in between only re-reads sooner)."""
        stamp = await session.scalar(text("SELECT n FROM read_stamp WHERE id = 1"))
        if stamp is None:
            return await compute()
        kept = self._by_db.get(sessions)
        if kept is None or kept[0] != stamp or len(kept[1]) >= _MAX_KEYS:
            kept = (int(stamp), {})
            self._by_db[sessions] = kept
        if key in kept[1]:
            return kept[1][key]
        value = await compute()
        kept[1][key] = value
        return value
