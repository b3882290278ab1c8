"""The sources from the shell: what `herald source list|add|remove|check` do.

`list`, `add` and `remove` work on the database (migrating it first), as the queue commands do; a
running `herald run` polls a new source at its poller's next look, recording what the source holds
without sending it. `check` polls a source once and writes nothing: a stored source is polled with
the state its last poll kept (so a feed that answers 304 shows as unchanged). Refusals are
`SourceShellError`s whose text the CLI prints (exit status 2). Tokens (HERALD_GIT_TOKENS) are
handed to the source's own fetcher and never printed; addresses are shown without credentials.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import SystemClock
from bot.content.config import ContentConfig
from bot.schedule.when import format_when
from bot.settings import Settings
from bot.sources.config import Configured, configured, source_tokens
from bot.sources.listing import ListedSource, listed_sources, one_line, safe_location
from bot.sources.model import Poll, PollContext, SourceFailure, Unchanged
from bot.sources.poll import poll_source
from bot.sources.spec import SourceKind, SourceSpec, SpecError, parse_spec
from bot.store.engine import create_engine, session_factory
from bot.store.migrate import with_store
from bot.store.sources import ConfiguredSource, SourceExists, add_source, get_source, remove_source
from bot.summary import SummaryConfig

__all__ = [
    "CheckResult", "SourceShellError", "git_token", "source_add", "source_check", "source_list",
    "source_remove",
]

NEWEST_SHOWN = 5
"""Titles `check` shows (the newest by date)."""
PROBLEMS_SHOWN = 20
"""Problems `check` lists; the count covers all of them."""
GRACE = 5.0
"""Seconds `check` waits beyond the poll's own time cap before it gives up."""


class SourceShellError(Exception):
    """Input the source commands cannot use; the message says why."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What `herald source check` prints: lines on stdout, and whether the poll failed."""

    lines: list[str]
    failed: bool = False
    errors: list[str] = field(default_factory=list)
    """Lines for stderr (the failure reason)."""


def _configured(settings: Settings) -> Configured:
    try:
        return configured(settings)
    except SpecError as exc:
        raise SourceShellError(f"HERALD_SOURCES: {exc}") from None


def _when(moment, settings: Settings) -> str:  # moment: an aware datetime or None
    return "never" if moment is None else format_when(moment, settings.zone)


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {words or word + 's'}"


def _line(source: ListedSource, settings: Settings) -> str:
    if not source.polled and source.kind == SourceKind.FOLDER.value:
        return f"  {source.name}\tfolder\t{_plural(source.articles, 'article')}\twatched, not polled\t{source.location}"
    if source.last_error:
        health = f"{_plural(source.failures, 'failure')}: {source.last_error}"
    else:
        health = "ok" if source.last_fetch_at is not None else "not polled yet"
    entries = "" if source.last_fetch_at is None else f" of {_plural(source.entries or 0, 'entry', 'entries')}"
    return (
        f"  {source.name}\t{source.kind}\t{_plural(source.articles, 'article')}{entries}\t{source.origin}"
        f"\tlast fetch {_when(source.last_fetch_at, settings)}\tnext fetch {_when(source.next_fetch_at, settings)}"
        f"\t{health}\t{source.location}"
    )


async def source_list(settings: Settings) -> list[str]:
    """Return the sources, one line each: the folder first, then the feeds and git ones by name."""
    found = _configured(settings)

    async def work(sessions: async_sessionmaker[AsyncSession]) -> list[ListedSource]:
        return await listed_sources(sessions, found.folder)

    shown = await with_store(settings.database_url, work)
    header = f"sources: {len(shown)} (times in {settings.zone.key})"
    return [header] + [_line(source, settings) for source in shown]


async def source_add(settings: Settings, entry: str) -> str:
    """Add a feed or git source (`NAME=URL`, `NAME@15m=URL`); return what was done."""
    try:
        spec = parse_spec(entry)
    except SpecError as exc:
        raise SourceShellError(str(exc)) from None
    if spec.kind is SourceKind.FOLDER:
        raise SourceShellError(
            f"{spec.name}: {spec.location[:80]!r} is a folder; `herald source add` takes feeds (https://…) and "
            "git repositories (git+https://…); the folder is HERALD_CONTENT_DIR or the folder of HERALD_SOURCES"
        )
    found = _configured(settings)
    if found.folder is not None and found.folder.name == spec.name:
        raise SourceShellError(f"{spec.name} is the name of the content folder; choose another name")
    if any(other.name == spec.name for other in found.polled):
        raise SourceShellError(f"{spec.name} is in HERALD_SOURCES already; change it there")

    async def work(sessions: async_sessionmaker[AsyncSession]) -> None:
        try:
            await add_source(sessions, spec, SystemClock().now())
        except SourceExists:
            raise SourceShellError(f"there is a source named {spec.name} already (see `herald source list`)") from None
        except SpecError as exc:
            raise SourceShellError(str(exc)) from None

    await with_store(settings.database_url, work)
    return (
        f"added source {spec.name} ({spec.kind.value}, {safe_location(spec)}): a running `herald run` polls it within "
        "30 seconds; what it holds now is recorded, not sent, and entries that appear after that are sent"
    )


async def source_remove(settings: Settings, name: str) -> str:
    """Remove a source added with `herald source add`; return how many articles were marked removed."""
    wanted = name.strip().lower()
    found = _configured(settings)
    if found.folder is not None and found.folder.name == wanted:
        raise SourceShellError(f"{wanted} is the content folder: it is HERALD_CONTENT_DIR or in HERALD_SOURCES")

    configured_here = SourceShellError(
        f"{wanted} comes from HERALD_SOURCES: remove it from HERALD_SOURCES (a running herald drops it when it restarts)"
    )
    if any(spec.name == wanted for spec in found.polled):
        raise configured_here

    async def work(sessions: async_sessionmaker[AsyncSession]) -> int:
        try:
            return await remove_source(sessions, wanted)
        except ConfiguredSource:
            raise configured_here from None
        except LookupError:
            raise SourceShellError(f"there is no source named {name[:40]!r} (see `herald source list`)") from None

    removed = await with_store(settings.database_url, work)
    return (
        f"removed source {wanted}: {_plural(removed, 'article')} marked removed (they leave /latest; "
        "messages already sent stay)"
    )


def git_token(settings: Settings, name: str) -> str | None:
    """Return the token HERALD_GIT_TOKENS gives source `name`, or None."""
    return source_tokens(settings).get(name)


def _no_database(settings: Settings) -> bool:
    """Whether the database surely holds no source: an unreadable URL, or a SQLite file not made yet."""
    try:
        url = make_url(settings.database_url)
    except ArgumentError:
        return True
    database = url.database or ""
    return url.get_backend_name() == "sqlite" and (not database or not Path(database).expanduser().is_file())


async def _stored_state(settings: Settings, name: str) -> tuple[SourceSpec | None, Mapping[str, str]] | None:
    """The stored spec and poll state of `name`, read without migrating or creating the database;
    None when there is no such row (or no usable database)."""
    if _no_database(settings):
        return None
    engine = create_engine(settings.database_url)
    try:
        status = await get_source(session_factory(engine), name)
    except (SQLAlchemyError, OSError):
        return None
    finally:
        await engine.dispose()
    return None if status is None else (status.spec, status.state)


async def _resolve(settings: Settings, ref: str) -> tuple[SourceSpec, Mapping[str, str]]:
    """The source `ref` names (a stored or configured name, or an entry) and the state its last poll kept."""
    text = ref.strip()
    if "=" in text:
        try:
            return parse_spec(text), {}
        except SpecError as exc:
            raise SourceShellError(str(exc)) from None
    name = text.lower()
    found = _configured(settings)
    if found.folder is not None and found.folder.name == name:
        raise SourceShellError(f"{name} is the content folder, indexed by the watcher: use `herald check` for it")
    stored = await _stored_state(settings, name)
    if stored is not None:
        spec, state = stored
        if spec is None:
            raise SourceShellError(f"the stored entry of {name} no longer parses; remove it and add it again")
        return spec, state
    for spec in found.polled:
        if spec.name == name:
            return spec, {}
    raise SourceShellError(f"there is no source named {text[:40]!r}; give one from `herald source list`, or an entry "
                           "like blog=https://example.org/atom.xml")


def poll_context(settings: Settings, name: str) -> PollContext:
    """Build what a fetcher needs to poll source `name` from the settings."""
    return PollContext(
        content=ContentConfig.from_settings(settings), summary=SummaryConfig.from_settings(settings),
        clock=SystemClock(), data_dir=Path(settings.data_dir), allow_private=settings.allow_private_fetch,
        token=git_token(settings, name),
    )


async def source_check(settings: Settings, ref: str) -> CheckResult:
    """Poll a source once, writing nothing, and say what it found (or why it failed)."""
    spec, state = await _resolve(settings, ref)
    if spec.kind is SourceKind.FOLDER:
        raise SourceShellError(f"{spec.name}: a folder is not polled; use `herald check {spec.location}`")
    ctx = poll_context(settings, spec.name)
    secrets = sorted(source_tokens(settings).values(), key=len, reverse=True)  # none is ever printed
    head = f"{spec.name} ({spec.kind.value}, {safe_location(spec)})"
    try:
        found = await asyncio.wait_for(poll_source(spec, state, ctx, {}), ctx.timeout + GRACE)
    except SourceFailure as exc:
        return CheckResult([], failed=True, errors=[_redact(f"{head}: poll failed: {exc.reason}", secrets)])
    except TimeoutError:
        return CheckResult([], failed=True, errors=[f"{head}: poll failed: no answer within {ctx.timeout + GRACE:.0f} s"])
    if isinstance(found, Unchanged):
        return CheckResult([f"{head}: unchanged since last poll (nothing new to read)"])
    return CheckResult([_redact(line, secrets) for line in _found_lines(head, found, settings)])


def _found_lines(head: str, found: Poll, settings: Settings) -> list[str]:
    articles = [entry.article for entry in found.entries if entry.article is not None]
    bad = len(found.entries) - len(articles)
    lines = [f"{head}: {_plural(len(found.entries), 'entry', 'entries')}, {len(articles)} publishable"
             + (f", {bad} not" if bad else "")]
    newest = sorted(articles, key=lambda article: article.date, reverse=True)[:NEWEST_SHOWN]
    if newest:
        lines.append("newest:")
        for article in newest:
            lines.append(f"  {format_when(article.date, settings.zone)}\t{one_line(article.title, 120)}")
    problems = [str(problem) for problem in found.problems]
    problems += [str(problem) for entry in found.entries for problem in entry.problems]
    if problems:
        lines.append(f"problems: {len(problems)}")
        lines += [f"  {one_line(text)}" for text in problems[:PROBLEMS_SHOWN]]
        if len(problems) > PROBLEMS_SHOWN:
            lines.append(f"  … and {len(problems) - PROBLEMS_SHOWN} more")
    else:
        lines.append("problems: none")
    return lines


def _redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text
