"""Articles from feeds and git repositories: `articles.source`, `articles.body` and the `sources` table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

Articles already indexed came from the content folder: their `source` stays NULL (and `body`: the
folder's files are read again for `/read`; a source's text is kept for it).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add `articles.source` (indexed) and create `sources`."""
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("source", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("body", sa.Text(), nullable=True))
        batch.create_index("ix_articles_source", ["source"])
    op.create_table(
        "sources",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("primed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_fetch_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_ok_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_fetch_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("entries", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sources")),
    )
    op.create_index(op.f("ix_sources_next_fetch_at"), "sources", ["next_fetch_at"])


def downgrade() -> None:
    """Drop `sources` and the articles that came from them, then `articles.source`."""
    op.drop_index(op.f("ix_sources_next_fetch_at"), table_name="sources")
    op.drop_table("sources")
    op.execute("DELETE FROM articles WHERE source IS NOT NULL")
    op.drop_index("ix_articles_source", table_name="articles")
    # Not a batch: on SQLite that copies `articles` into a new table and drops the old one, and the
    # drop cascades to every row that refers to an article (deliveries, categories, digests).
    op.execute("ALTER TABLE articles DROP COLUMN source")
    op.execute("ALTER TABLE articles DROP COLUMN body")
