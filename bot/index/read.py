"""Reading changed files (in a worker thread or process, `bot.index.readers`): a file whose bytes
match what is indexed is only re-stamped; any other is parsed and summarised, or reported with its
problems. A post that breaks the summariser is reported, never allowed to stop the index."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import bot.content
import bot.summary
from bot.content.article import Article, Problem, ProblemKind
from bot.content.config import ContentConfig
from bot.content.loader import file_digest, read_post
from bot.index.walk import FoundFile
from bot.summary.model import Summary

if TYPE_CHECKING:  # not imported at run time: worker processes load no database code
    from bot.store.index_rows import IndexedRow
    from bot.summary import SummaryConfig

log = logging.getLogger("herald.index")


@dataclass(frozen=True, slots=True)
class ReadFile:
    """One changed file after reading: same digest as indexed, or parsed (article may be None)."""

    file: FoundFile
    digest: str
    same: bool = False
    article: Article | None = None
    summary: Summary | None = None
    problems: tuple[Problem, ...] = ()


def read_batch(
    files: list[FoundFile], by_path: Mapping[str, IndexedRow], content: ContentConfig, summary: SummaryConfig
) -> list[ReadFile]:
    """Read each file, comparing it with the row indexed at its path (if any)."""
    return [read_file(file, by_path.get(file.rel), content, summary) for file in files]


def read_file(file: FoundFile, indexed: IndexedRow | None, content: ContentConfig, summary: SummaryConfig) -> ReadFile:
    """Read one file: unchanged bytes, or the parsed article and its summary, or its problems."""
    read = read_post(content.root / file.rel, content.root, file.rel)  # never leaves the content folder
    if isinstance(read, Problem):
        return ReadFile(file, "", problems=(read,))
    raw, mtime_ns = read
    file = replace(file, size=len(raw), mtime_ns=mtime_ns)  # what was read, and its real mtime
    digest = file_digest(raw)
    if indexed is not None and indexed.digest == digest:
        return ReadFile(file, digest, same=True)
    result = bot.content.load_text(raw, file.rel, content, mtime_ns=file.mtime_ns)
    problems = tuple(result.problems)
    if result.article is None or any(p.fatal for p in problems):
        return ReadFile(file, digest, problems=problems)
    article = replace(result.article, path=file.rel, size=file.size, mtime_ns=file.mtime_ns, digest=digest)
    try:
        card = bot.summary.summarize(article, summary)
    except Exception as exc:  # a bad post must never stop the index
        log.exception("cannot summarise %s", file.rel)
        reason = f"cannot summarise: {type(exc).__name__}"
        return ReadFile(file, digest, problems=(*problems, Problem(file.rel, ProblemKind.WARNING, reason)))
    return ReadFile(file, digest, article=article, summary=card, problems=problems)
