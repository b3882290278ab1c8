"""Poll one RSS, Atom or JSON feed: fetch it (`feed_http`), read it (`feed_xml`, `feed_json`) and
make its entries (`feed_entries`).

A 304, or a 200 with the same bytes as last time, is `Unchanged` before anything is parsed;
reading and summarising run in a worker thread, so a big feed never stalls the event loop. The
whole poll (redirects, download, parsing) has `ctx.timeout` seconds. A feed that is not
well-formed but still has entries is read, with a warning in `Poll.problems`; one with no
entries at all is a `SourceFailure`. A feed is a window onto its site: `Poll.complete` is False,
so an entry that falls off the feed is never deleted. The WebSub hub and self URL a feed names go
into the state kept (`hub`, `self`: both or neither), for `bot.sources.websub`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import httpx

from bot.content.article import Problem, ProblemKind
from bot.sources.feed_entries import make_entry
from bot.sources.feed_http import Fetched, fetch_feed, readable_url, shared_client
from bot.sources.feed_json import looks_like_json, parse_json
from bot.sources.feed_raw import ParsedFeed
from bot.sources.feed_xml import parse_xml
from bot.sources.model import MAX_ENTRIES, Entry, Poll, PollContext, SourceFailure, Unchanged
from bot.sources.spec import SourceSpec

__all__ = ["poll_feed", "read_feed"]


async def poll_feed(
    spec: SourceSpec,
    state: Mapping[str, str],
    ctx: PollContext,
    known: Mapping[str, str],
    *,
    client: httpx.AsyncClient | None = None,
) -> Poll | Unchanged:
    """Fetch the feed `spec` names once; raise `SourceFailure` when it cannot be read.

    `state` is what the last poll kept (etag, last_modified, body, url); `known` the digests the
    index has (ident → digest). `client` is the HTTP client to use (it must come from
    `feed_http.new_client`, or be as guarded); by default one client per event loop is shared
    by every poll, since making one costs more CPU than an unchanged poll."""
    http = client if client is not None else shared_client(ctx.allow_private)
    kept = {str(k): str(v) for k, v in state.items()}
    try:
        async with asyncio.timeout(ctx.timeout):
            fetched = await fetch_feed(http, spec.location, kept, ctx)
            if isinstance(fetched, Unchanged):
                return fetched
            return await asyncio.to_thread(read_feed, fetched, ctx, known)
    except TimeoutError:
        moved = {"url": kept["url"]} if "url" in kept else {}
        where = readable_url(kept.get("url") or spec.location)
        raise SourceFailure(f"{where} took longer than {ctx.timeout:g} s", state=moved) from None


def read_feed(fetched: Fetched, ctx: PollContext, known: Mapping[str, str]) -> Poll:
    """Parse a fetched feed document and make its entries (CPU work: run it in a thread)."""
    where = readable_url(fetched.url)
    try:
        if looks_like_json(fetched.body, fetched.content_type):
            parsed = parse_json(fetched.body, fetched.url, ctx.content.zone, MAX_ENTRIES)
        else:
            parsed = parse_xml(fetched.body, fetched.location or fetched.url, fetched.content_type, MAX_ENTRIES)
    except SourceFailure as exc:
        raise SourceFailure(exc.reason, state=_permanent(fetched)) from None
    except (RecursionError, MemoryError) as exc:
        reason = f"{where}: the document is too deep or too big to read ({type(exc).__name__})"
        raise SourceFailure(reason, state=_permanent(fetched)) from None
    if not parsed.entries:
        if parsed.broken:
            raise SourceFailure(f"{where} is not a readable feed: {parsed.broken}", state=_permanent(fetched))
        if not parsed.format:
            raise SourceFailure(f"{where} is not an RSS, Atom or JSON feed", state=_permanent(fetched))
    entries: list[Entry] = [make_entry(raw, ctx, known, parsed.link) for raw in parsed.entries]
    return Poll(tuple(entries), complete=False, state=_with_links(fetched.state, parsed), problems=_problems(where, parsed))


def _with_links(state: Mapping[str, str], parsed: ParsedFeed) -> dict[str, str]:
    """The state to keep, with the feed's WebSub hub and self URL as it now names them (`bot.sources.websub`)."""
    kept = {key: value for key, value in state.items() if key not in ("hub", "self")}
    if parsed.hub and parsed.self_url:
        kept["hub"], kept["self"] = parsed.hub, parsed.self_url
    return kept


def _permanent(fetched: Fetched) -> dict[str, str]:
    return {"url": fetched.state["url"]} if "url" in fetched.state else {}


def _problems(where: str, parsed: ParsedFeed) -> tuple[Problem, ...]:
    problems: list[Problem] = []
    if parsed.broken:
        reason = f"the feed is not well-formed, read anyway: {parsed.broken}"
        problems.append(Problem(where, ProblemKind.WARNING, reason, fatal=False))
    if parsed.dropped:
        reason = f"the feed has more than {MAX_ENTRIES} entries; {parsed.dropped} not read"
        problems.append(Problem(where, ProblemKind.WARNING, reason, fatal=False))
    for reason in parsed.skipped[:10]:
        problems.append(Problem(where, ProblemKind.WARNING, f"an entry was skipped: {reason}", fatal=False))
    return tuple(problems)
