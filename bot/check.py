"""`herald check`: lint a content folder, one line per problem and a summary line."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from bot.content import ContentConfig, LoadResult, Problem, ProblemKind, load_article, relative_path
from bot.content.boundary import OUTSIDE_REASON
from bot.content.scanner import scan_content
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
    found = scan_content(config)
    results: list[LoadResult] = []
    with (show or no_progress)(len(found.posts), "checking") as tick:
        for path in found.posts:
            results.append(load_article(path, config))
            tick(1)
    for link in found.outside:  # named, never read
        where = relative_path(link, root)
        results.append(LoadResult(where, None, (Problem(where, ProblemKind.UNREADABLE, OUTSIDE_REASON),)))
    results.sort(key=lambda result: result.path)
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


NOTICE_LINES = 10
"""Files named one by one in the admins' notice; the rest are counted (`herald check` lists all)."""
_FIELD = 200


def unpublishable_notice(problems: Iterable[Problem], lang: str = "en") -> str | None:
    """The admins' notice about posts a fatal problem keeps from being published (None: there are none),
    in the reply language for the language tag `lang`.

    Plain text, as `Reply.text` is: each platform escapes it when it renders the message.
    """
    from bot.commands.i18n import language_of, message

    fatal = [problem for problem in problems if problem.fatal]
    if not fatal:
        return None
    language = language_of(lang)
    lines = [message("content.unpublishable.header", language, count=len(fatal))]
    for problem in fatal[:NOTICE_LINES]:
        lines.append(message("content.unpublishable.line", language,
                             path=_clip(problem.path), reason=_clip(problem.reason)))
    if len(fatal) > NOTICE_LINES:
        lines.append(message("content.unpublishable.more", language, count=len(fatal) - NOTICE_LINES))
    return "\n".join(lines)


def _clip(text: str) -> str:
    return text if len(text) <= _FIELD else text[: _FIELD - 1] + "…"
