"""Diffing one pass against the store: which indexed row each post continues (same key, same path,
or the same content moved or renamed), which files repeat another's id, which rows are left over
to mark removed, and which state a post gets."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from bot.content.article import Article, Problem, ProblemKind
from bot.index.read import ReadFile
from bot.store.index_rows import IndexedRow
from bot.store.states import ArticleState


class Plan:
    """The bookkeeping of one pass: indexed rows by path/key/digest, and which ones were claimed."""

    def __init__(self, known: list[IndexedRow], gone: set[str], present: Iterable[str], root: Path) -> None:
        live = [k for k in known if k.state != ArticleState.REMOVED]
        self.by_key = {k.key: k for k in known}
        self.by_path = {k.path: k for k in live}
        self.present = set(present)
        self.root = root
        self.gone_paths = gone
        self.gone = [k for k in live if k.path in gone]
        self.orphans: dict[str, list[IndexedRow]] = {}
        for k in [*self.gone, *(k for k in known if k.state == ArticleState.REMOVED)]:
            self.orphans.setdefault(k.digest, []).append(k)
        self.claimed: set[int] = set()
        self.keys: dict[str, str] = {}
        self.displaced: list[int] = []
        self.unchanged = 0

    def match(self, read: ReadFile) -> tuple[IndexedRow | None, Problem | None]:
        """Find the indexed row this post continues (same key, same path, or same content moved)."""
        article = read.article
        assert article is not None
        rel = read.file.rel
        if article.key in self.keys and self.keys[article.key] != rel:
            return None, duplicate(rel, article.key, self.keys[article.key])
        target = self.by_key.get(article.key)
        if (target is not None and target.path != rel and target.state != ArticleState.REMOVED
                and self._exists(target.path)):
            return None, duplicate(rel, article.key, target.path)
        here = self.by_path.get(rel)
        if target is None and here is not None and here.id not in self.claimed:
            target = here  # same file, new front matter id: keep its id
        if target is None:
            target = next((k for k in self.orphans.get(read.digest, []) if k.id not in self.claimed), None)
        self.keys[article.key] = rel
        if target is not None:
            self.claimed.add(target.id)
        return target, None

    def claim(self, rel: str, article_id: int) -> None:
        """Record that `rel` is article `article_id`; a different row indexed at `rel` is displaced."""
        self.claimed.add(article_id)
        here = self.by_path.get(rel)
        if here is not None and here.id != article_id:
            self.displaced.append(here.id)

    def leftovers(self) -> list[int]:
        """Ids to mark removed: rows whose file is gone or displaced, unless claimed by another file."""
        ids = [k.id for k in self.gone] + self.displaced
        return sorted({i for i in ids if i not in self.claimed})

    def _exists(self, rel: str) -> bool:
        return rel in self.present or (rel not in self.gone_paths and (self.root / rel).is_file())


def decide(
    target: IndexedRow | None, article: Article, now: datetime, *, first_run: bool, auto_publish: bool
) -> tuple[ArticleState, bool]:
    """Return (state, whether to announce it) for a parsed post and its indexed row, if any.

    Drafts stay drafts; a published or held article keeps its state on edits; a future date
    schedules; the first index and a restored article publish silently; otherwise a new post is
    announced, or held for approval when auto-publish is off.
    """
    if article.draft:
        return ArticleState.DRAFT, False
    previous = target.state if target is not None else None
    if previous in (ArticleState.PUBLISHED, ArticleState.HELD):
        return previous, False
    if article.date > now:
        return ArticleState.SCHEDULED, False
    if first_run or (target is not None and target.was_published):
        return ArticleState.PUBLISHED, False
    if not auto_publish:
        return ArticleState.HELD, False
    return ArticleState.PUBLISHED, True


def duplicate(rel: str, key: str, other: str) -> Problem:
    """The problem of a file that repeats the id of another file (it is skipped)."""
    reason = f"same id {key!r} as {other}; this file is skipped"
    return Problem(rel, ProblemKind.WARNING, reason, fatal=True)


_LAST = datetime.max.replace(tzinfo=UTC)


def by_date(read: ReadFile) -> tuple[datetime, str]:
    """Sort key: oldest post first (unparsed files last), then by path."""
    return (read.article.date if read.article is not None else _LAST, read.file.rel)
