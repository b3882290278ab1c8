"""Console adapter: the `platform` entry point, plain text on stdout for laptops and previews."""

from adapters.console.render import render_article, render_summary, render_text
from bot.platform import PlatformSpec


def _create_runtime(settings, core):  # noqa: ANN001, ANN202 - imported lazily: preview needs no runtime
    from adapters.console.runtime import create_runtime

    return create_runtime(settings, core)


platform = PlatformSpec(
    name="console",
    render_summary=render_summary,
    render_article=render_article,
    create_runtime=_create_runtime,
    extra={"render_text": render_text},
)
