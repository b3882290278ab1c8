"""Subscriptions that fit each chat: keyword filters, digests and how cards arrive.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

def _subscription_columns() -> tuple[sa.Column, ...]:
    """The new subscription columns (fresh objects: a Column belongs to one table)."""
    return (
        sa.Column("lang_chosen", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("silent", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("link_preview", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("thumbnail", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("length", sa.String(length=8), server_default="normal", nullable=False),
        sa.Column("filter_kinds", sa.Integer(), server_default="0", nullable=False),
        sa.Column("digest", sa.String(length=8), nullable=True),
        sa.Column("digest_time", sa.String(length=5), nullable=True),
        sa.Column("digest_day", sa.Integer(), nullable=True),
        sa.Column("digest_zone", sa.String(length=64), nullable=True),
        sa.Column("digest_next_at", sa.DateTime(timezone=True), nullable=True),
    )


def upgrade() -> None:
    """Add the subscription options, `articles.match_text`, filters, digests and their entries.

    `match_text` starts empty for articles indexed before; the index fills it when a file changes
    and fan-out computes it for an article that has none.
    """
    with op.batch_alter_table("subscriptions") as batch:
        for column in _subscription_columns():
            batch.add_column(column)
    op.create_index("ix_subscriptions_digest_next_at", "subscriptions", ["digest_next_at"])
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("match_text", sa.Text(), nullable=True))
    op.create_table(
        "subscription_filters",
        sa.Column("id", _BIG, autoincrement=True, nullable=False),
        sa.Column("subscription_id", _BIG, nullable=False),
        sa.Column("exclude", sa.Boolean(), nullable=False),
        sa.Column("regex", sa.Boolean(), nullable=False),
        sa.Column("pattern", sa.String(length=512), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["subscriptions.id"], ondelete="CASCADE",
            name="fk_subscription_filters_subscription_id_subscriptions",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_subscription_filters"),
        sa.UniqueConstraint("subscription_id", "exclude", "regex", "pattern", name="uq_subscription_filter"),
    )
    op.create_index("ix_subscription_filters_subscription_id", "subscription_filters", ["subscription_id"])
    op.create_table(
        "digests",
        sa.Column("id", _BIG, autoincrement=True, nullable=False),
        sa.Column("subscription_id", _BIG, nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["subscriptions.id"], ondelete="CASCADE",
            name="fk_digests_subscription_id_subscriptions",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_digests"),
        sa.UniqueConstraint("subscription_id", "period", name="uq_digest_period"),
    )
    op.create_index("ix_digests_subscription_id", "digests", ["subscription_id"])
    op.create_table(
        "digest_entries",
        sa.Column("subscription_id", _BIG, nullable=False),
        sa.Column("article_id", _BIG, nullable=False),
        sa.Column("digest_id", _BIG, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["subscriptions.id"], ondelete="CASCADE",
            name="fk_digest_entries_subscription_id_subscriptions",
        ),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], ondelete="CASCADE", name="fk_digest_entries_article_id_articles"
        ),
        sa.ForeignKeyConstraint(
            ["digest_id"], ["digests.id"], ondelete="SET NULL", name="fk_digest_entries_digest_id_digests"
        ),
        sa.PrimaryKeyConstraint("subscription_id", "article_id", name="pk_digest_entries"),
    )
    op.create_index("ix_digest_entries_open", "digest_entries", ["subscription_id", "digest_id"])


def downgrade() -> None:
    """Drop what `upgrade` added."""
    op.drop_index("ix_digest_entries_open", table_name="digest_entries")
    op.drop_table("digest_entries")
    op.drop_index("ix_digests_subscription_id", table_name="digests")
    op.drop_table("digests")
    op.drop_index("ix_subscription_filters_subscription_id", table_name="subscription_filters")
    op.drop_table("subscription_filters")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("match_text")
    op.drop_index("ix_subscriptions_digest_next_at", table_name="subscriptions")
    with op.batch_alter_table("subscriptions") as batch:
        for column in reversed(_subscription_columns()):
            batch.drop_column(column.name)
