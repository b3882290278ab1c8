"""Read indexes and the read stamp: `/latest`, `/category`, `/categories` at 100,000 posts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03

`(state, date, id)` on articles replaces `(state)`; `(norm, article_id)` on article_categories
replaces `(norm)`. The `read_stamp` row and its triggers let `/categories` cache its counts
until something they count changes. The trigger SQL is written out here (as in `bot.store.read_stamp`) so this
migration stays valid when that module changes.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WATCHED = (("articles", ("INSERT", "DELETE", "UPDATE OF state")), ("article_categories", ("INSERT", "DELETE", "UPDATE")))

_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION herald_bump_read_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE read_stamp SET n = n + 1, tx = txid_current()
    WHERE id = 1 AND tx IS DISTINCT FROM txid_current();
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    """Swap the single-column indexes for the read indexes; add the stamp and its triggers."""
    op.drop_index("ix_articles_state", table_name="articles")
    op.create_index("ix_articles_state_date_id", "articles", ["state", "date", "id"])
    op.drop_index("ix_article_categories_norm", table_name="article_categories")
    op.create_index("ix_article_categories_norm_article_id", "article_categories", ["norm", "article_id"])
    op.create_table(
        "read_stamp",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("tx", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_read_stamp"),
    )
    op.execute(f"INSERT INTO read_stamp (id, n) VALUES (1, {secrets.randbelow(2**40)})")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_FUNCTION)
        for table, whens in _WATCHED:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER herald_stamp_{table} AFTER {' OR '.join(whens)} ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION herald_bump_read_stamp()"
            )
        return
    for table, whens in _WATCHED:
        for when in whens:
            op.execute(
                f"CREATE TRIGGER herald_stamp_{table}_{when.split()[0].lower()} AFTER {when} ON {table} "
                "BEGIN UPDATE read_stamp SET n = n + 1 WHERE id = 1; END"
            )


def downgrade() -> None:
    """Back to 0001's indexes, without the stamp."""
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, whens in _WATCHED:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS herald_stamp_{table} ON {table}")
        for when in whens:
            if not postgres:
                op.execute(f"DROP TRIGGER IF EXISTS herald_stamp_{table}_{when.split()[0].lower()}")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS herald_bump_read_stamp()")
    op.drop_table("read_stamp")
    op.drop_index("ix_article_categories_norm_article_id", table_name="article_categories")
    op.create_index("ix_article_categories_norm", "article_categories", ["norm"])
    op.drop_index("ix_articles_state_date_id", table_name="articles")
    op.create_index("ix_articles_state", "articles", ["state"])
