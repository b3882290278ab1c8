"""Initial schema: articles and their categories, subscriptions, deliveries, queue, media cache, meta.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

Written against plain SQLAlchemy types (not the models) so it stays valid when the models change.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite only auto-increments INTEGER PRIMARY KEY; BigInteger elsewhere.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "articles",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        _when("date"),
        _when("updated", nullable=True),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("thumbnail", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        _when("published_at", nullable=True),
        sa.Column("announce_pending", sa.Boolean(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        _when("indexed_at"),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
        sa.UniqueConstraint("key", name="uq_articles_key"),
    )
    op.create_index("ix_articles_date", "articles", ["date"])
    op.create_index("ix_articles_path", "articles", ["path"])
    op.create_index("ix_articles_state", "articles", ["state"])

    op.create_table(
        "article_categories",
        sa.Column("article_id", BIG_ID, nullable=False),
        sa.Column("norm", sa.String(256), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("is_tag", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"],
            name="fk_article_categories_article_id_articles", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "norm", name="pk_article_categories"),
    )
    op.create_index("ix_article_categories_norm", "article_categories", ["norm"])

    op.create_table(
        "subscriptions",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("lang", sa.String(16), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_subscriptions"),
        sa.UniqueConstraint("platform", "channel_id", name="uq_subscription_target"),
    )
    op.create_index("ix_subscriptions_active", "subscriptions", ["active"])

    op.create_table(
        "subscription_categories",
        sa.Column("subscription_id", BIG_ID, nullable=False),
        sa.Column("norm", sa.String(256), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["subscriptions.id"],
            name="fk_subscription_categories_subscription_id_subscriptions", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscription_id", "norm", name="pk_subscription_categories"),
    )

    op.create_table(
        "deliveries",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("article_id", BIG_ID, nullable=False),
        sa.Column("round", sa.BigInteger(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(128), nullable=False),
        sa.Column("subscription_id", BIG_ID, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("due_at"),
        _when("lease_until", nullable=True),
        sa.Column("worker", sa.String(64), nullable=True),
        sa.Column("plain", sa.Boolean(), nullable=False),
        sa.Column("message_id", sa.String(128), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _when("created_at"),
        _when("sent_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_deliveries_article_id_articles", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["subscriptions.id"],
            name="fk_deliveries_subscription_id_subscriptions", ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint("article_id", "round", "platform", "channel_id", name="uq_delivery_target"),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "due_at"])

    op.create_table(
        "queue",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("article_id", BIG_ID, nullable=False),
        _when("due_at"),
        sa.Column("target", sa.String(160), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(160), nullable=True),
        _when("created_at"),
        _when("done_at", nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_queue_article_id_articles", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_queue"),
    )
    op.create_index("ix_queue_due_at", "queue", ["due_at"])
    op.create_index("ix_queue_status", "queue", ["status"])

    op.create_table(
        "media_cache",
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("file_id", sa.Text(), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("platform", "url", name="pk_media_cache"),
    )

    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_meta"),
    )


def downgrade() -> None:
    """Drop every table."""
    for table in (
        "meta", "media_cache", "queue", "deliveries", "subscription_categories",
        "subscriptions", "article_categories", "articles",
    ):
        op.drop_table(table)
