"""Compiled card templates per platform and channel, what they see (`card_context`), and the
seam outlets offer the delivery engine (`Templated`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from jinja2 import Template, TemplateSyntaxError

from bot.request import Request
from bot.summary.model import Summary
from bot.templating.sandbox import environment, render_bounded
from bot.templating.sources import (
    TemplateConfigError,
    TemplateRenderError,
    TemplateSource,
    for_platform,
    parse_specs,
    read_source,
)

if TYPE_CHECKING:  # bot.commands imports the delivery engine, which imports this module
    from bot.commands.i18n import Lang

log = logging.getLogger("herald.templates")


def load_sources(items: Sequence[str]) -> tuple[TemplateSource, ...]:
    """Read, compile and try every template of `HERALD_TEMPLATES` on a sample card; raise
    TemplateConfigError naming the file and line of the first problem."""
    sources = tuple(read_source(spec) for spec in parse_specs(items))
    for source in sources:
        templates = CardTemplates((source,), autoescape=source.spec.platform == "telegram")
        template = templates.choose(source.spec.channel or "")
        assert template is not None
        try:
            templates.render(template, card_context(_SAMPLE, "en"))
        except TemplateRenderError as exc:
            sep = ", " if str(exc).startswith("line ") else ": "
            raise TemplateConfigError(f"template {source.name}{sep}{exc}") from None
    return sources


_SAMPLE = Summary(
    article_id=1, key="sample", title="Sample title", excerpt="A sample excerpt.",
    date=datetime(2024, 1, 2, 3, 4, tzinfo=UTC), image="https://example.org/a.png",
    url="https://example.org/sample/", author="Author", hashtags=("tag",), categories=("News",),
)  # fmt: skip


def card_context(summary: Summary, lang: Lang) -> dict[str, Any]:
    """Return what a card template sees: title, excerpt, url, image, author, date (a datetime)
    and date_text (YYYY-MM-DD), categories, hashtags (without "#"), site (the link's host),
    read_more (the label in the reader's language) and lang."""
    from bot.commands.i18n import message

    url = summary.url or ""
    return {
        "title": " ".join(summary.title.split()) or message("card.untitled", lang),
        "excerpt": summary.excerpt.strip(),
        "url": url,
        "image": summary.image or "",
        "author": " ".join((summary.author or "").split()),
        "date": summary.date,
        "date_text": summary.date.date().isoformat(),
        "categories": list(summary.categories),
        "hashtags": list(summary.hashtags),
        "site": _host(url),
        "read_more": message("button.read_more", lang),
        "lang": lang,
    }


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


class CardTemplates:
    """One platform's compiled templates: the platform's own and each channel's."""

    def __init__(
        self, sources: Sequence[TemplateSource], *, autoescape: bool = False,
        finalize: Callable[[Any], Any] | None = None,
    ) -> None:  # fmt: skip
        env = environment(autoescape, finalize)
        self._default: tuple[str, Template] | None = None
        self._channels: dict[str, tuple[str, Template]] = {}
        for source in sources:
            try:
                template = env.from_string(source.text)
            except TemplateSyntaxError as exc:
                raise TemplateConfigError(
                    f"template {source.name}, line {exc.lineno}: {exc.message or 'syntax error'}"
                ) from None
            template.name = template.filename = source.name  # for tracebacks: the line in the file
            entry = (source.name, template)
            if source.spec.channel is None:
                self._default = entry
            else:
                self._channels[source.spec.channel] = entry

    def __bool__(self) -> bool:
        return self._default is not None or bool(self._channels)

    def layout(self, channel_id: str | None) -> str:
        """Return the file of the template `channel_id` gets ("" for the default card)."""
        entry = self._entry(channel_id)
        return entry[0] if entry else ""

    def choose(self, channel_id: str | None) -> Template | None:
        """Return the template for `channel_id` (its own, else the platform's), or None."""
        entry = self._entry(channel_id)
        return entry[1] if entry else None

    def layout_for(self, channel_id: str | None) -> Layout | None:
        """Return the layout `channel_id`'s cards use (its own, else the platform's), or None."""
        entry = self._entry(channel_id)
        return Layout(entry[0], self, entry[1]) if entry else None

    def _entry(self, channel_id: str | None) -> tuple[str, Template] | None:
        """The channel's own template; a forum topic (`chat:topic`) falls back to its chat's."""
        while channel_id:
            if channel_id in self._channels:
                return self._channels[channel_id]
            channel_id = channel_id.rpartition(":")[0]
        return self._default

    def render(self, template: Template, context: Mapping[str, Any]) -> str:
        """Render `template` with `context` within the sandbox's bounds (`render_bounded`)."""
        return render_bounded(template, context)


@dataclass(frozen=True, slots=True)
class Layout:
    """One compiled template, ready to render cards: `name` is its file."""

    name: str
    templates: CardTemplates
    template: Template

    def render(self, summary: Summary, lang: Lang) -> str:
        """Render the card for `summary` in `lang`; raise TemplateRenderError when it fails."""
        return self.templates.render(self.template, card_context(summary, lang))

    def try_render(self, summary: Summary, lang: Lang, platform: str) -> str | None:
        """Render the card, or log one WARNING and return None (the caller sends the default)."""
        try:
            return self.render(summary, lang)
        except TemplateRenderError as exc:
            log.warning("%s template %s failed, the card is sent in the default layout: %s", platform, self.name, exc)
            return None


@runtime_checkable
class Templated(Protocol):
    """An outlet that can render cards with operator templates (`HERALD_TEMPLATES`)."""

    def use_templates(self, sources: Sequence[TemplateSource]) -> None:
        """Compile and keep this platform's templates (the ones whose platform is its name)."""
        ...

    def layout(self, channel_id: str) -> str:
        """Return the template `channel_id`'s cards use ("" = the default layout): renderings
        for different layouts must not share a cache entry."""
        ...

    def render_in(
        self, channel_id: str, summary: Summary, *, plain: bool, lang: Lang, style: Any
    ) -> list[Request]:
        """Render a card for one channel (its own template, else the platform's)."""
        ...


_DIALECTS: dict[str, Callable[[Sequence[TemplateSource]], CardTemplates]] = {}


def register_dialect(platform: str, compile_sources: Callable[[Sequence[TemplateSource]], CardTemplates]) -> None:
    """Let an adapter say how its templates compile (what escapes printed values); the core
    (`herald preview`) compiles a platform's templates with `compile_for`."""
    _DIALECTS[platform] = compile_sources


def compile_for(platform: str, sources: Sequence[TemplateSource]) -> CardTemplates:
    """Compile `platform`'s templates among `sources` the way its adapter registered (plain
    text, nothing escaped, for a platform that registered nothing)."""
    compile_sources = _DIALECTS.get(platform)
    if compile_sources is not None:
        return compile_sources(sources)
    return CardTemplates(for_platform(sources, platform))
