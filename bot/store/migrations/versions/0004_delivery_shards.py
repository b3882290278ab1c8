"""Outbox rows carry a shard, so replicas split the chats between them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

A subscriber's rows take `subscription id % 1024`; rows already there (and configured channels'
rows) take their own id's, which only matters while they are pending, for this one upgrade.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SHARDS = 1024  # bot.delivery.shards.SHARDS when this revision was written


def upgrade() -> None:
    """Add `deliveries.shard` and fill it."""
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("shard", sa.Integer(), nullable=False, server_default="0"))
    op.execute(f"UPDATE deliveries SET shard = COALESCE(subscription_id, id) % {_SHARDS}")


def downgrade() -> None:
    """Drop `deliveries.shard`."""
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("shard")
