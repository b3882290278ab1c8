"""`herald check`: lint a content folder, one line per problem and a summary line."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from bot.content import ContentConfig, LoadResult, Problem, ProblemKind, load_article, scan_folder
from bot.progress import ProgressFactory, no_progress


def check_folder(
    root: Path, config: ContentConfig, *, show: ProgressFactory | None = None
) -> tuple[list[LoadResult], int]:
    """Load every post under root; return the results and how many files cannot be published.

    With `show` (the CLI passes `bot.progress.progress`), a bar ticks once per file.
    """
    if config.root != root:
        config = dataclasses.replace(config, root=root)
    if not root.is_dir():
        where = root.as_posix()
        problem = Problem(where, ProblemKind.UNREADABLE, "not a folder (does it exist?)")
        return [LoadResult(where, None, (problem,))], 1
    paths = list(scan_folder(config))
    results: list[LoadResult] = []
    with (show or no_progress)(len(paths), "checking") as tick:
        for path in paths:
            results.append(load_article(path, config))
            tick(1)
    return results, sum(1 for result in results if not result.publishable)


def format_check_report(results: Iterable[LoadResult]) -> list[str]:
    """Describe the results: one `path: kind: reason` line per problem, then a summary line."""
    lines: list[str] = []
    ok = warned = failed = 0
    for result in results:
        lines.extend(str(problem) for problem in result.problems)
        if not result.publishable:
            failed += 1
        elif result.problems:
            warned += 1
        else:
            ok += 1
    total = ok + warned + failed
    lines.append(
        f"checked {total} {'file' if total == 1 else 'files'}: "
        f"{ok} ok, {warned} {'warning' if warned == 1 else 'warnings'}, "
        f"{failed} {'error' if failed == 1 else 'errors'}"
    )
    return lines
