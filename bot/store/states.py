"""Article states, as an enum: the values stored in `articles.state` and the catalogue keys'
suffixes (`state.published` …). A leaf module: it imports nothing of Herald or SQLAlchemy."""

from __future__ import annotations

from enum import StrEnum


class ArticleState(StrEnum):
    """Where an article stands. A `StrEnum`: each member equals its stored string."""

    DRAFT = "draft"
    """`draft: true` (or `published: false`) in its front matter: never sent."""
    SCHEDULED = "scheduled"
    """Dated in the future: published when the date comes."""
    HELD = "held"
    """Awaiting an admin's approval (auto-publish is off)."""
    PUBLISHED = "published"
    """Announced (or recorded on the first index) and listed by /latest."""
    REMOVED = "removed"
    """Its file is gone; the row keeps its id for a file that comes back."""


STATES: tuple[ArticleState, ...] = tuple(ArticleState)
"""Every article state, in life order."""
