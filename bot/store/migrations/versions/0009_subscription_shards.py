"""Subscriptions keep their chat's shard, so one replica paces a group and all its forum topics.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

`subscriptions.shard` is a hash of the platform and the chat (the part of the channel id before a
`:`, which names a topic); existing rows are filled here. Rows already in the outbox keep theirs.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SHARDS = 1024  # bot.store.shard_key when this revision was written


def _shard(platform: str, channel_id: str) -> int:
    """`bot.store.shard_key.shard_of` as it was when this revision was written."""
    return zlib.crc32(f"{platform}:{channel_id.partition(':')[0]}".encode()) % _SHARDS


def upgrade() -> None:
    """Add `subscriptions.shard` and fill it from each row's target."""
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("shard", sa.Integer(), nullable=False, server_default="0"))
    bind = op.get_bind()
    table = sa.table("subscriptions", sa.column("id"), sa.column("platform"), sa.column("channel_id"),
                     sa.column("shard"))
    rows = bind.execute(sa.select(table.c.id, table.c.platform, table.c.channel_id)).all()
    if rows:
        bind.execute(
            table.update().where(table.c.id == sa.bindparam("row_id")).values(shard=sa.bindparam("new_shard")),
            [{"row_id": id_, "new_shard": _shard(platform, channel_id)} for id_, platform, channel_id in rows],
        )


def downgrade() -> None:
    """Drop `subscriptions.shard` (not as a batch: on SQLite its table copy would cascade deletes)."""
    op.execute("ALTER TABLE subscriptions DROP COLUMN shard")
