"""`herald preview`: show exactly what each platform would be sent for some posts."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from bot.content import ContentConfig, LoadResult, load_article
from bot.content.article import Article
from bot.content.scanner import walk_posts
from bot.platform import PlatformSpec
from bot.request import Request
from bot.summary import SummaryConfig, summarize
from bot.summary.model import Summary
from bot.templating import TemplateSource, compile_for


@dataclass(frozen=True, slots=True)
class Preview:
    """One article and the requests a platform would get for it."""

    article: Article
    requests: list[Request]

    def as_json(self) -> dict[str, Any]:
        """Return the `herald preview --json` line for this article."""
        a = self.article
        return {
            "article": {
                "id": a.id,
                "key": a.key,
                "title": a.title,
                "date": a.date.isoformat(),
                "author": a.author,
                "categories": list(a.categories),
                "tags": list(a.tags),
                "thumbnail": a.thumbnail,
                "url": a.url,
            },
            "requests": [r.as_json() for r in self.requests],
        }


def expand_paths(paths: Iterable[Path], config: ContentConfig) -> Iterator[Path]:
    """Yield the given files, and every post inside the given folders (sorted).

    Links in a folder that lead out of it are yielded too, so that loading reports them (they
    are never read: `load_article` keeps to the content folder, or to the file's own folder).
    """
    for path in paths:
        if path.is_dir():
            found = walk_posts(path, path)
            yield from sorted([*found.posts, *found.outside], key=lambda p: p.as_posix())
        else:
            yield path


def build_previews(
    paths: Iterable[Path], platform: PlatformSpec, content: ContentConfig, summary: SummaryConfig,
    *, templates: Sequence[TemplateSource] = (), channel: str = "",
) -> Iterator[Preview | LoadResult]:
    """Yield a `Preview` per loadable post, or the `LoadResult` of a post that cannot be shown;
    cards in the operator's template for the platform (`HERALD_TEMPLATES`; `channel`'s own when
    it has one), fitted like every card that is sent.

    Without a database the short ids are provisional: 1, 2, 3… in the order shown.
    """
    render = _renderer(platform, templates, channel)
    number = 0
    for path in expand_paths(paths, content):
        result = load_article(path, content)
        if result.article is None:
            yield result
            continue
        number += 1
        article = _with_id(result.article, number)
        yield Preview(article, render(summarize(article, summary)))


def _renderer(
    platform: PlatformSpec, templates: Sequence[TemplateSource], channel: str
) -> Callable[[Summary], list[Request]]:
    """Return the platform's card renderer, with the template `channel` gets when there is one."""
    layout = compile_for(platform.name, templates).layout_for(channel) if templates else None
    if layout is None:
        return platform.render_summary
    # Every adapter's render_summary takes the optional `template` (a Layout).
    render = cast(Callable[..., list[Request]], platform.render_summary)
    return lambda card: render(card, template=layout)


def _with_id(article: Article, number: int) -> Article:
    from dataclasses import replace

    return replace(article, id=number) if article.id == 0 else article


def format_preview(preview: Preview, *, as_json: bool) -> str:
    """Return the printed form: one JSON line, or readable text."""
    if as_json:
        return json.dumps(preview.as_json(), ensure_ascii=False)
    parts = []
    for request in preview.requests:
        if request.method == "print":
            parts.append(str(request.params.get("text", "")))
        else:
            parts.append(f"{request.method} {json.dumps(request.params, ensure_ascii=False, indent=2)}")
    return "\n".join(parts)
