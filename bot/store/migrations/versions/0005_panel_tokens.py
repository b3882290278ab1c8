"""The admin panel's sign-in links and sessions, stored by the hash of their tokens.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create `panel_tokens`."""
    op.create_table(
        "panel_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("admin", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_panel_tokens"),
    )
    op.create_index("ix_panel_tokens_expires_at", "panel_tokens", ["expires_at"])


def downgrade() -> None:
    """Drop `panel_tokens`."""
    op.drop_index("ix_panel_tokens_expires_at", table_name="panel_tokens")
    op.drop_table("panel_tokens")
