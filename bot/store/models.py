"""The database schema: the article index, subscriptions, the delivery outbox, the admin queue,
the media cache, a small key/value table and the admin panel's sign-in links and sessions. One schema for SQLite and PostgreSQL.

Alembic migrations (bot/store/migrations) create exactly these tables; change both together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
    true,
)
from sqlalchemy.engine import CursorResult, Dialect, Result
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from bot.store.read_stamp import create_triggers
from bot.store.shard_key import shard_of
from bot.store.states import ArticleState

# SQLite only auto-increments INTEGER PRIMARY KEY; BigInteger elsewhere.
BigId = BigInteger().with_variant(Integer(), "sqlite")
MAX_ID = 2**63 - 1
"""The largest id either database stores; a typed number beyond it names nothing."""


def valid_id(value: int) -> bool:
    """Tell whether `value` can be a row id (users type any number: `/read 99999999999999999999`)."""
    return 0 < value <= MAX_ID


class UtcDateTime(TypeDecorator[datetime]):
    """`DateTime(timezone=True)` that always stores UTC and always returns aware datetimes.

    SQLite keeps datetimes as text without an offset, so values are normalised to UTC before
    they are written (ordering and comparisons stay right) and marked UTC when read back.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class TolerantJSON(TypeDecorator[Any]):
    """`JSON` that reads stored text which is not JSON (a hand-edited SQLite file) as None, instead
    of failing the whole query; the reader decides what None means (`bot.store.summaries`)."""

    impl = JSON
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        decode = super().result_processor(dialect, coltype)
        if decode is None:
            return None

        def process(value: Any) -> Any:
            try:
                return decode(value)
            except ValueError:  # json.JSONDecodeError
                return None

        return process


class StateColumn(TypeDecorator[ArticleState]):
    """An article's state: stored as its string, read back as an `ArticleState`; writing a value
    that is no state fails (so a typo cannot reach the database)."""

    impl = String(16)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else ArticleState(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> ArticleState | None:
        return None if value is None else ArticleState(value)


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names, so migrations (and SQLite batch alters) can refer to every constraint."""


class Base(DeclarativeBase):
    """Declarative base; `Base.metadata` is what migrations are checked against."""

    metadata = MetaData(naming_convention=NAMING)


class ArticleRow(Base):
    """One indexed post. `id` is the short number users type (`/read 42`)."""

    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_state_date_id", "state", "date", "id"),)
    """`/latest` reads it newest first and stops after a page; counting published reads it only."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(512), unique=True)
    path: Mapped[str] = mapped_column(String(1024), index=True)
    title: Mapped[str] = mapped_column(Text)
    date: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    updated: Mapped[datetime | None] = mapped_column(UtcDateTime())
    author: Mapped[str | None] = mapped_column(Text)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    thumbnail: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict] = mapped_column(TolerantJSON(), default=dict)
    """The `Summary` as JSON, so delivery renders without re-reading the file."""
    match_text: Mapped[str | None] = mapped_column(Text)
    """Folded title, categories, tags and excerpt that keyword filters search (`bot.filters`)."""
    state: Mapped[ArticleState] = mapped_column(StateColumn())
    """draft | scheduled (future date) | held (awaiting approval) | published | removed."""
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    announce_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    """Published, but its deliveries are not in the outbox yet: set in the transaction that
    publishes, cleared in the one that fans out, so a crash in between is retried, not lost."""
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    mtime_ns: Mapped[int] = mapped_column(BigInteger, default=0)
    digest: Mapped[str] = mapped_column(String(64), default="")
    indexed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    body: Mapped[str | None] = mapped_column(Text, deferred=True)
    """A feed's or repository's article text (at most `MAX_STORED_BODY` characters), for `/read`:
    Herald has no file of it to read again. None for the content folder's articles. Deferred: rows
    are loaded without it (`bot.store.articles.kept_body` reads it)."""
    source: Mapped[str | None] = mapped_column(String(64), index=True)
    """The feed or git source it came from (`bot.sources`); None for the content folder, whose
    `path` is the file's path under it. A source's articles have the entry's identity as `path`."""


MAX_STORED_BODY = 512 * 1024
"""Characters of a source's article text kept for `/read` (which shows far less: the rest is a link)."""


class ArticleCategory(Base):
    """Normalised categories and tags of an article, for filters (`/category`, subscriptions)."""

    __tablename__ = "article_categories"
    __table_args__ = (Index("ix_article_categories_norm_article_id", "norm", "article_id"),)
    """A category's article ids from the index alone (`/category`'s count and page)."""

    article_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    norm: Mapped[str] = mapped_column(String(256), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    is_tag: Mapped[bool] = mapped_column(Boolean, default=False)
    """True for a tag; False for a category (a name that is both counts as a category)."""


class Subscription(Base):
    """A channel (chat, group, Discord channel) that gets new articles. No categories = all."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("platform", "channel_id", name="uq_subscription_target"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16), default="private")  # private | group | channel
    origin: Mapped[str] = mapped_column(String(16), default="chat")  # chat | config
    lang: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # How its cards arrive (/settings); see bot.cardstyle.CardStyle.
    lang_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """`lang` was chosen with /settings: a reader's client language no longer replaces it."""
    silent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    link_preview: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    thumbnail: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    length: Mapped[str] = mapped_column(String(8), default="normal", server_default="normal")
    # Keyword filters (bot.filters): which kinds its `subscription_filters` rows hold, so fan-out
    # skips the lookups for the many subscriptions that have none. Bits: FILTER_* below.
    filter_kinds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    shard: Mapped[int] = mapped_column(Integer, default=lambda ctx: _target_shard(ctx), server_default="0")
    """Which replica paces its chat (`bot.store.shard_key`): written with the row from its target."""
    # Digest (/digest): None = every article as it comes; else "daily" or "weekly".
    digest: Mapped[str | None] = mapped_column(String(8))
    digest_time: Mapped[str | None] = mapped_column(String(5))
    """HH:MM in `digest_zone` (None = HERALD_TIMEZONE)."""
    digest_day: Mapped[int | None] = mapped_column(Integer)
    """Weekly digests: 0 = Monday … 6 = Sunday."""
    digest_zone: Mapped[str | None] = mapped_column(String(64))
    digest_next_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    """When the next digest is due (UTC); None when digests are off."""


FILTER_INCLUDE = 1
"""`Subscription.filter_kinds` bit: it has include keywords."""
FILTER_EXCLUDE = 2
"""`Subscription.filter_kinds` bit: it has exclude keywords."""
FILTER_REGEX = 4
"""`Subscription.filter_kinds` bit: it has a regular expression (matched outside SQL)."""


def _target_shard(context: Any) -> int:
    """The default of `Subscription.shard`: the shard of the row's own platform and channel."""
    values = context.get_current_parameters()
    return shard_of(values["platform"], values["channel_id"])


class SourceRow(Base):
    """A feed or git repository articles come from (`bot.sources`), and how its polling goes."""

    __tablename__ = "sources"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    spec: Mapped[str] = mapped_column(Text)
    """The entry as written in HERALD_SOURCES (`bot.sources.spec.SourceSpec.text`)."""
    origin: Mapped[str] = mapped_column(String(16), default="config")
    """config (HERALD_SOURCES: kept in step at start) | cli (`herald source add`)."""
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
    primed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """When its first poll succeeded: what it held then was recorded, not sent."""
    last_fetch_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_ok_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    next_fetch_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Polls failed in a row (backoff grows with it; 0 after a success)."""
    state: Mapped[dict] = mapped_column(TolerantJSON(), default=dict)
    """What the fetcher keeps between polls: ETag, Last-Modified, a permanent redirect, a commit."""
    entries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Entries its last successful poll found."""


class SubscriptionFilter(Base):
    """One keyword or regular-expression filter of a subscription.

    A keyword's `pattern` is stored folded (`bot.filters.fold`), matched as a substring of the
    article's `match_text`; a regular expression's `pattern` is stored as typed.
    """

    __tablename__ = "subscription_filters"
    __table_args__ = (
        UniqueConstraint("subscription_id", "exclude", "regex", "pattern", name="uq_subscription_filter"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    exclude: Mapped[bool] = mapped_column(Boolean, default=False)
    regex: Mapped[bool] = mapped_column(Boolean, default=False)
    pattern: Mapped[str] = mapped_column(String(512))


class DigestEntry(Base):
    """An article waiting for (or listed in) a subscription's digest."""

    __tablename__ = "digest_entries"
    __table_args__ = (Index("ix_digest_entries_open", "subscription_id", "digest_id"),)

    subscription_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[int] = mapped_column(BigId, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    digest_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("digests.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DigestRow(Base):
    """One digest period of a subscription: made once (unique period), sent through the outbox
    as the delivery row with `round = -id` (its `article_id` is the newest article listed)."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("subscription_id", "period", name="uq_digest_period"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(16))
    """The local date the digest was due on (YYYY-MM-DD)."""
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    articles: Mapped[int] = mapped_column(Integer, default=0)
    """How many new articles it covers (0: nothing was sent)."""


class SubscriptionCategory(Base):
    """One category filter of a subscription (normalised)."""

    __tablename__ = "subscription_categories"

    subscription_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    norm: Mapped[str] = mapped_column(String(256), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))


DELIVERY_KEY = ["article_id", "round", "platform", "channel_id", "action", "revision"]
"""The outbox's unique key (`uq_delivery_target`): what every ON CONFLICT DO NOTHING names."""


class Delivery(Base):
    """The outbox: one row per (article, round, target, action, revision); unique so nothing is
    sent twice, and each edit or deletion of a message is planned once per revision.

    Round 0 is the article's publication; an admin broadcast is round = its queue item's id, so
    a re-broadcast of a published article is new rows, while re-running one round adds nothing.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint(*DELIVERY_KEY, name="uq_delivery_target"),
        Index("ix_deliveries_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(BigId, ForeignKey("articles.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(BigInteger, default=0)
    """0 = the article's publication; else the id of the queue item that broadcast it again."""
    platform: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(128))
    subscription_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("subscriptions.id", ondelete="SET NULL")
    )
    # pending | sending | sent | failed | dropped (an edit or deletion the platform refused for good)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    worker: Mapped[str | None] = mapped_column(String(64))
    plain: Mapped[bool] = mapped_column(Boolean, default=False)
    """Send as plain text (the platform rejected the formatted version once)."""
    message_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    shard: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Which replica sends it: the one whose partition holds this shard (`bot.delivery.shards`)."""
    action: Mapped[str] = mapped_column(String(8), default="send", server_default="send")
    """'send' a new message; 'edit' (or 'media': an edit whose image changed) or 'delete' the
    message `message_id` a send of the same (article, round, target) made (`bot.delivery.edits`)."""
    revision: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """0 for sends; for edits and deletions, grows with every change of the article."""


class QueueItem(Base):
    """An admin-scheduled broadcast of one article (target None = every subscriber + channels)."""

    __tablename__ = "queue"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(BigId, ForeignKey("articles.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    target: Mapped[str | None] = mapped_column(String(160))
    # queued | sending | done | cancelled | skipped | failed
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    created_by: Mapped[str | None] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    note: Mapped[str | None] = mapped_column(Text)


class MediaCache(Base):
    """Platform file ids for image URLs, so a broadcast uploads each image once."""

    __tablename__ = "media_cache"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    file_id: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ReadStamp(Base):
    """One row whose `n` changes whenever published articles or their categories may have
    changed; triggers keep it (`bot.store.read_stamp`), `/categories` caches counts by it."""

    __tablename__ = "read_stamp"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger)
    tx: Mapped[int | None] = mapped_column(BigInteger)
    """PostgreSQL: the transaction that last bumped `n` (bumped once per transaction)."""


event.listen(Base.metadata, "after_create", create_triggers)


class Meta(Base):
    """Small key/value facts about this database (e.g. whether the first index ran)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ReplicaRow(Base):
    """A running `herald run` on PostgreSQL; `heartbeat_at` (the database's clock) is renewed
    every few seconds while it lives (`bot.replicas`)."""

    __tablename__ = "replicas"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class LeaseRow(Base):
    """Which replica holds a role (`receiver:telegram`, `scheduler`, …) until when (the
    database's clock); a lease whose `expires_at` passed may be taken by another replica."""

    __tablename__ = "leases"

    role: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    acquired_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PanelToken(Base):
    """A sign-in link or a session of the admin panel (`bot.panel.auth`), by the SHA-256 of its
    token: the token itself is never stored. A link is used once (`used_at`); both expire."""

    __tablename__ = "panel_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    """`link` (a one-time sign-in link) or `session` (a signed-in browser)."""
    admin: Mapped[str] = mapped_column(String(160))
    """The admin it is for, as HERALD_ADMINS writes them (`telegram:42`)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


def table_of(model: type[Base]) -> Table:
    """Return the Core `Table` behind a mapped class, typed for `insert()`/`update()`."""
    return cast(Table, model.__table__)


def affected_rows(result: Result[Any]) -> int:
    """Return how many rows an UPDATE/DELETE/INSERT changed (its result is a cursor result)."""
    return cast(CursorResult[Any], result).rowcount
