"""Poll one source of any kind: the feed or git fetcher its spec names."""

from __future__ import annotations

from collections.abc import Mapping

from bot.sources.model import Poll, PollContext, SourceFailure, Unchanged
from bot.sources.spec import SourceKind, SourceSpec

__all__ = ["poll_source"]


async def poll_source(
    spec: SourceSpec, state: Mapping[str, str], ctx: PollContext, known: Mapping[str, str] | None = None
) -> Poll | Unchanged:
    """Fetch `spec` once, given what its last poll kept and the digests the index has for its
    entries (`known`, ident → digest: an entry with the same digest is yielded `same`, unparsed);
    raise `SourceFailure` when it cannot."""
    known = known or {}
    if spec.kind is SourceKind.FEED:
        from bot.sources.feed import poll_feed

        return await poll_feed(spec, state, ctx, known)
    if spec.kind is SourceKind.GIT:
        from bot.sources.git import poll_git

        return await poll_git(spec, state, ctx, known)
    raise SourceFailure(f"{spec.name}: a folder is indexed by the watcher, not polled")
