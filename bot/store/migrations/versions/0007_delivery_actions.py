"""Outbox rows can edit or delete a message already sent, not only send one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

`deliveries.action` says what a row does ('send', 'edit', 'media' = an edit whose image changed,
'delete'); `deliveries.revision` tells the edits of one message apart (it grows with every change
of the article). Rows already there are sends of revision 0, so the outbox stays unique per
(article, round, target) for sends, and an edit or deletion is planned once per revision.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = ("article_id", "round", "platform", "channel_id")
_NEW = (*_OLD, "action", "revision")


def upgrade() -> None:
    """Add `action` and `revision`, and widen the outbox's unique key with them."""
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("action", sa.String(length=8), server_default="send", nullable=False))
        batch.add_column(sa.Column("revision", sa.BigInteger(), server_default="0", nullable=False))
        batch.drop_constraint("uq_delivery_target", type_="unique")
        batch.create_unique_constraint("uq_delivery_target", list(_NEW))


def downgrade() -> None:
    """Drop the edit and delete rows, then `action` and `revision`."""
    op.execute("DELETE FROM deliveries WHERE action <> 'send'")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("uq_delivery_target", type_="unique")
        batch.create_unique_constraint("uq_delivery_target", list(_OLD))
        batch.drop_column("revision")
        batch.drop_column("action")
