"""Suggestions while a user types an option (Discord autocomplete): category names and
articles, matched the same way commands match them."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.names import match_key
from bot.store.articles import category_counts, latest_articles

MAX_CHOICES = 25
"""Discord accepts at most 25 autocomplete choices."""
_LABEL_MAX = 100
"""Discord choice names are 1–100 characters."""
_ARTICLES_SCANNED = 200


async def complete(ctx: CommandContext, kind: str, typed: str) -> list[tuple[str, str]]:
    """Return up to 25 (label, value) choices for an option of `kind` ("category" or "article")."""
    key = match_key(typed)
    if kind == "category":
        counts = await category_counts(ctx.sessions, hidden_norms=ctx.hidden_categories)
        names = [name for name, _count in counts if key in match_key(name)]
        names.sort(key=lambda name: not match_key(name).startswith(key))
        return [(name[:_LABEL_MAX], name) for name in names[:MAX_CHOICES]]
    if kind == "article":
        wanted = key.removeprefix("#")
        by_id_only = key.startswith("#")
        rows = await latest_articles(ctx.sessions, limit=_ARTICLES_SCANNED)
        found = [row for row in rows if str(row.id).startswith(wanted)]
        if not by_id_only:
            found += [row for row in rows if row not in found and wanted in match_key(row.title)]
        return [(f"#{row.id} {row.title}"[:_LABEL_MAX], str(row.id)) for row in found[:MAX_CHOICES]]
    return []
