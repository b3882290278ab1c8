"""Git repositories as a source: fetch one branch over smart HTTP(S) with dulwich into a bare
object store kept under `data_dir/sources/<name>`, and read the post files under the source's
folder straight from the fetched commit's tree (no working copy, no `git` binary).

Each poll asks the server for its refs first: the same commit as last time is `Unchanged` and
costs that one request. A new commit is fetched (the first time one commit deep, later with
`_HISTORY` commits of history, so a force-push can be told from a fast-forward), and every post
file becomes an `Entry` whose digest is its blob id: a blob the index already has is `same` and
not read. A deleted branch, an unreachable host, an answer that is not git, or a fetch over its
size or time is a `SourceFailure` — never an empty poll, so no article is lost to a bad fetch.

Only http(s), only public addresses (unless `allow_private`), checked where each socket is
opened (`bot.sources.git_http`); redirects are not followed at all. The token (HERALD_GIT_TOKENS)
is sent as HTTP basic auth (user `x-access-token`) to the source's own host only, and is never
written to the object store's config, a log line or a failure reason.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from dulwich.client import HTTPUnauthorized, Urllib3HttpGitClient
from dulwich.errors import GitProtocolError, HangupException, NotGitRepository
from dulwich.object_store import BaseObjectStore
from dulwich.objects import Commit, ObjectID
from dulwich.refs import Ref
from dulwich.repo import Repo

import bot.summary
from bot.content.article import Problem, ProblemKind
from bot.content.loader import MAX_POST_BYTES, load_text
from bot.sources.git_http import Budget, FetchStopped, HttpStatus, NotGit, Redirected, Refused, guarded_pool
from bot.sources.git_tree import TreeTooLarge, blob_size, descends, list_posts
from bot.sources.model import Entry, Poll, PollContext, SourceFailure, Unchanged
from bot.sources.spec import SourceSpec

__all__ = ["FETCH_FACTOR", "poll_git"]

log = logging.getLogger("herald.sources.git")

FETCH_FACTOR = 20
"""A fetch may download `FETCH_FACTOR × ctx.max_bytes` (refs and pack together)."""
_HISTORY = 100
"""Commits of history fetched after the first poll: enough to tell a force-push from new commits."""
_OWN_REF = Ref(b"refs/heads/herald")
"""Where the store keeps the commit last read (so the next fetch tells the server what it has)."""
_TOKEN_USER = "x-access-token"
_HEAD = Ref(b"HEAD")


@dataclass(frozen=True, slots=True)
class _Fetched:
    """What the thread found: the commit to read (None: unchanged), its branch name, the store."""

    sha: ObjectID | None
    branch: str
    problems: tuple[Problem, ...] = ()


async def poll_git(spec: SourceSpec, state: Mapping[str, str], ctx: PollContext, known: Mapping[str, str]) -> Poll | Unchanged:
    """Fetch the source's branch and read its posts; `Unchanged` when the branch has not moved."""
    parts = urlsplit(spec.location)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceFailure(f"{spec.name}: only http(s) git repositories are fetched")
    budget = Budget(FETCH_FACTOR * ctx.max_bytes, time.monotonic() + ctx.timeout)
    work = asyncio.to_thread(_poll, spec, dict(state), ctx, dict(known), budget)
    try:
        return await asyncio.wait_for(work, ctx.timeout + 1.0)
    except TimeoutError:
        budget.cancel()  # the thread stops at its next read or object
        raise SourceFailure(f"{spec.name}: the fetch took longer than {ctx.timeout:g} s") from None
    except asyncio.CancelledError:
        budget.cancel()
        raise


def _poll(spec: SourceSpec, state: dict[str, str], ctx: PollContext, known: dict[str, str], budget: Budget) -> Poll | Unchanged:
    repo = _store(ctx.data_dir / "sources" / spec.name)
    try:
        fetched = _fetch(spec, state.get("commit"), repo, ctx, budget)
        if fetched.sha is None:
            return Unchanged(state)
        try:
            return _read(spec, repo, fetched, state, ctx, known, budget)
        except (KeyError, IndexError, ValueError, zlib.error) as exc:  # objects the server sent do not add up
            log.warning("%s: cannot read the fetched commit", spec.name, exc_info=True)
            raise SourceFailure(f"{spec.name}: the fetched commit cannot be read ({type(exc).__name__})") from None
    finally:
        repo.close()


def _store(path: Path) -> Repo:
    """Open the source's bare object store, creating it (or starting it afresh when it is broken)."""
    if (path / "objects").is_dir() and (path / "HEAD").is_file():
        try:
            return Repo(str(path), bare=True)
        except (NotGitRepository, OSError, ValueError, KeyError):
            log.warning("the object store at %s is broken; starting it afresh", path)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    return Repo.init_bare(str(path))


def _fetch(spec: SourceSpec, last: str | None, repo: Repo, ctx: PollContext, budget: Budget) -> _Fetched:
    """Ask for the branch's commit and fetch it unless the store has it; `sha=None` when it is `last`."""
    pool = guarded_pool(allow_private=ctx.allow_private, budget=budget, timeout=ctx.timeout)
    client = Urllib3HttpGitClient(
        spec.location,
        pool_manager=pool,
        username=_TOKEN_USER if ctx.token else None,
        password=ctx.token,
        include_tags=False,
    )
    wanted = Ref(f"refs/heads/{spec.branch}".encode()) if spec.branch else _HEAD
    found: dict[str, ObjectID | None] = {}
    store = repo.object_store
    last_sha = ObjectID(last.encode("ascii")) if last else None

    def determine_wants(refs: Mapping[Ref, ObjectID], depth: int | None = None) -> list[ObjectID]:
        sha = refs.get(wanted)
        found["sha"] = sha
        if sha is None or sha == last_sha or sha in store:
            return []
        return [sha]

    have_last = last_sha is not None and last_sha in store
    try:
        result = client.fetch(
            "",
            repo,
            determine_wants=determine_wants,
            depth=_HISTORY if have_last else 1,
            ref_prefix=[wanted] if spec.branch else None,
        )
    except Refused as exc:
        raise SourceFailure(f"{spec.name}: refused: {exc}") from None
    except Redirected as exc:
        where = f" to {exc.host}" if exc.host else ""
        reason = f"the server redirects (HTTP {exc.status}){where}; configure the address it names"
        raise SourceFailure(f"{spec.name}: {reason}") from None
    except HttpStatus as exc:
        raise SourceFailure(f"{spec.name}: {_status_reason(exc.status, bool(ctx.token))}", retry_after=exc.retry_after) from None
    except HTTPUnauthorized:
        raise SourceFailure(f"{spec.name}: {_status_reason(401, bool(ctx.token))}") from None
    except NotGit as exc:
        raise SourceFailure(f"{spec.name}: not a git repository (the server answered {exc.content_type})") from None
    except NotGitRepository:
        raise SourceFailure(f"{spec.name}: not a git repository (HTTP 404)") from None
    except FetchStopped as exc:
        raise _stopped(spec, exc, ctx) from None
    except (GitProtocolError, HangupException, OSError, ValueError, AssertionError) as exc:
        log.debug("fetch failed", exc_info=True)
        raise SourceFailure(f"{spec.name}: {_network_reason(exc, spec)}") from None
    branch = _branch_name(spec, result.symrefs)
    sha = found.get("sha")
    if sha is None:
        if spec.branch is None:
            raise SourceFailure(f"{spec.name}: the repository has no default branch (is it empty?)")
        if last:
            raise SourceFailure(f"{spec.name}: branch {spec.branch} is gone from the repository")
        raise SourceFailure(f"{spec.name}: the repository has no branch {spec.branch}")
    if sha == last_sha and sha in store:
        return _Fetched(None, branch)
    if sha not in store:
        raise SourceFailure(f"{spec.name}: the server did not send commit {sha[:12].decode()}")
    repo.refs[_OWN_REF] = sha
    return _Fetched(sha, branch)


def _branch_name(spec: SourceSpec, symrefs: Mapping[Ref, Ref] | None) -> str:
    if spec.branch:
        return spec.branch
    target = bytes((symrefs or {}).get(_HEAD, b""))
    return target.removeprefix(b"refs/heads/").decode("utf-8", errors="replace") or "HEAD"


def _status_reason(status: int, with_token: bool) -> str:
    if status in (401, 403):
        told = "the token was refused" if with_token else "the repository needs a token (HERALD_GIT_TOKENS)"
        return f"access denied (HTTP {status}): {told}"
    if status == 404:
        return "no repository at this address (HTTP 404)"
    return f"the server answered HTTP {status}"


def _network_reason(exc: BaseException, spec: SourceSpec) -> str:
    text = str(exc)
    host = urlsplit(spec.location).hostname or "the host"
    for marker, reason in (
        ("NameResolution", f"cannot resolve {host}"),
        ("Name or service not known", f"cannot resolve {host}"),
        ("Connection refused", f"{host} refused the connection"),
        ("timed out", f"{host} did not answer in time"),
        ("NewConnectionError", f"cannot connect to {host}"),
        ("CERTIFICATE", f"{host}'s TLS certificate is not valid"),
        ("SSL", f"TLS with {host} failed"),
    ):
        if marker in text or marker in type(exc).__name__:
            return reason
    return f"the fetch from {host} failed ({type(exc).__name__})"


def _stopped(spec: SourceSpec, exc: FetchStopped, ctx: PollContext) -> SourceFailure:
    if str(exc) == "size":
        return SourceFailure(f"{spec.name}: the fetch is larger than {FETCH_FACTOR * ctx.max_bytes // 2**20} MiB; stopped")
    return SourceFailure(f"{spec.name}: the fetch took longer than {ctx.timeout:g} s")


def _read(
    spec: SourceSpec,
    repo: Repo,
    fetched: _Fetched,
    state: dict[str, str],
    ctx: PollContext,
    known: dict[str, str],
    budget: Budget,
) -> Poll:
    """Make the poll from the fetched commit's tree."""
    assert fetched.sha is not None
    store = repo.object_store
    commit = store[fetched.sha]
    if not isinstance(commit, Commit):
        raise SourceFailure(f"{spec.name}: {fetched.branch} does not name a commit")
    problems: list[Problem] = []
    last = state.get("commit")
    last_sha = ObjectID(last.encode("ascii")) if last else None
    if last and last_sha and last_sha in store and descends(store, repo.get_shallow(), fetched.sha, last_sha) is False:
        new = fetched.sha.decode("ascii")
        reason = f"branch {fetched.branch} was force-pushed from {last[:12]} to {new[:12]}"
        problems.append(Problem("", ProblemKind.WARNING, reason, fatal=False))
        log.warning("%s: %s", spec.name, reason)
    try:
        listing = list_posts(store, commit, spec.subdir)
    except TreeTooLarge:
        raise SourceFailure(f"{spec.name}: a folder listing in the repository is too large to read") from None
    if not listing.found_folder:
        raise SourceFailure(f"{spec.name}: the folder {spec.subdir!r} is not in branch {fetched.branch}")
    problems.extend(listing.problems)
    mtime_ns = commit.commit_time * 1_000_000_000
    entries: list[Entry] = []
    for post in listing.posts:
        if known.get(post.rel) == post.sha:
            entries.append(Entry(post.rel, post.sha, None, None, same=True))
            continue
        try:
            budget.check()
        except FetchStopped as exc:
            raise _stopped(spec, exc, ctx) from None
        entries.append(_entry(store, post.rel, post.sha, ctx, mtime_ns))
    # A listing cut short by a cap is not the whole tree: posts past the cap were not deleted.
    commit_state = {**state, "commit": fetched.sha.decode("ascii")}
    return Poll(tuple(entries), complete=not listing.cut_short, state=commit_state, problems=tuple(problems))


def _entry(store: BaseObjectStore, rel: str, sha: str, ctx: PollContext, mtime_ns: int) -> Entry:
    """Parse one post blob like the folder parses a file (`bot.index.read`)."""
    size = blob_size(store, ObjectID(sha.encode("ascii")))
    if size > MAX_POST_BYTES:
        problem = Problem(rel, ProblemKind.NOT_A_POST, f"file is {size} bytes, larger than a post can be")
        return Entry(rel, sha, None, None, (problem,))
    raw = store[ObjectID(sha.encode("ascii"))].as_raw_string()
    result = load_text(raw, rel, ctx.content, mtime_ns=mtime_ns)
    problems = tuple(result.problems)
    if result.article is None or any(p.fatal for p in problems):
        return Entry(rel, sha, None, None, problems)
    article = replace(result.article, path=rel)
    try:
        card = bot.summary.summarize(article, ctx.summary)
    except Exception as exc:  # a bad post must never stop the poll
        log.exception("cannot summarise %s", rel)
        reason = f"cannot summarise: {type(exc).__name__}"
        return Entry(rel, sha, None, None, (*problems, Problem(rel, ProblemKind.WARNING, reason)))
    return Entry(rel, sha, article, card, problems)
