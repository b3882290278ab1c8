"""Replicas and role leases: several `herald run` on one PostgreSQL database.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

`replicas` lists the running processes (renewed by a heartbeat); `leases` says which of them
holds each role (a platform's receiver, the scheduler) until when, by the database's clock.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create `replicas` and `leases`."""
    op.create_table(
        "replicas",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_replicas"),
    )
    op.create_index("ix_replicas_heartbeat_at", "replicas", ["heartbeat_at"])
    op.create_table(
        "leases",
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("role", name="pk_leases"),
    )


def downgrade() -> None:
    """Drop `leases` and `replicas`."""
    op.drop_table("leases")
    op.drop_index("ix_replicas_heartbeat_at", table_name="replicas")
    op.drop_table("replicas")
