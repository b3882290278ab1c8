"""The stored form of a `Summary` (`articles.summary`, JSON), versioned.

Version 2 is `{"v": 2, <every field of bot.summary.model.Summary but article_id>}`, written from
the dataclass's own fields by pydantic (datetimes as ISO 8601, tuples as lists), so a field added
to `Summary` is stored without touching this module. Rows written before versioning (no `"v"`,
version 1) hold a subset of the same fields and still read. Reading validates: a field that does
not validate is replaced by the row's column (or the field's default) and logged, and a summary
that is not an object, or of a version this Herald does not know, is rebuilt from the row's
columns alone — a delivery never fails over a stored summary.
"""

from __future__ import annotations

import logging
from dataclasses import MISSING, fields
from typing import Any

from pydantic import TypeAdapter, ValidationError

from bot.store.models import ArticleRow
from bot.summary.model import Summary

__all__ = ["VERSION", "summary_json", "summary_of"]

log = logging.getLogger("herald.store")

VERSION = 2
"""The version `summary_json` writes."""
KNOWN = (1, 2)
"""The versions `summary_of` reads (1 = rows written before the version field existed)."""

_ADAPTER: TypeAdapter[Summary] = TypeAdapter(Summary)
_NAMES = frozenset(f.name for f in fields(Summary)) - {"article_id"}
_REQUIRED = frozenset(f.name for f in fields(Summary) if f.default is MISSING and f.default_factory is MISSING)


def summary_json(summary: Summary) -> dict[str, Any]:
    """Turn a `Summary` into the versioned JSON stored with the article (its id is the row's)."""
    data = _ADAPTER.dump_python(summary, mode="json", exclude={"article_id"})
    return {"v": VERSION, **data}


def summary_of(row: ArticleRow) -> Summary:
    """Rebuild the article's `Summary` from the stored JSON (its `article_id` is the row id).

    Never raises over what is stored: see the module docstring for what is used instead.
    """
    base = _from_columns(row)
    data = row.summary
    if not isinstance(data, dict):
        return _fallback(row, base, f"is not a JSON object ({type(data).__name__})")
    version = data.get("v", 1)
    if isinstance(version, bool) or version not in KNOWN:
        return _fallback(row, base, f"has unknown version {version!r} (this Herald reads {KNOWN})")
    values = {**base, **{name: value for name, value in data.items() if name in _NAMES}}
    try:
        return _ADAPTER.validate_python(values)
    except ValidationError as exc:
        bad = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
        log.warning("article %s: stored summary fields %s are invalid; using the row's values", row.id, sorted(bad))
        kept = {name: value for name, value in values.items() if name not in bad}
        kept.update({name: base[name] for name in bad if name in base})
    try:
        return _ADAPTER.validate_python(kept)
    except ValidationError:
        return _fallback(row, base, "cannot be repaired")


def _from_columns(row: ArticleRow) -> dict[str, Any]:
    """What the row's own columns say about the summary (no excerpt, image or hashtags)."""
    base: dict[str, Any] = {
        "article_id": row.id, "key": row.key, "title": row.title, "excerpt": "", "date": row.date,
        "url": row.url, "author": row.author,
    }
    return {name: value for name, value in base.items() if name == "article_id" or name in _NAMES}


def _fallback(row: ArticleRow, base: dict[str, Any], why: str) -> Summary:
    log.warning("article %s: stored summary %s; rebuilt from the article's columns", row.id, why)
    missing = _REQUIRED - base.keys()
    if missing:  # a field added to Summary without a default: nothing sensible to put there
        raise ValueError(f"article {row.id}: stored summary {why}, and {sorted(missing)} have no default")
    return _ADAPTER.validate_python(base)
