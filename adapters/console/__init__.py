"""Console adapter: the `platform` entry point, plain text on stdout for laptops and previews."""

from adapters.console.render import render_article, render_summary
from bot.platform import PlatformSpec, lazy_runtime

platform = PlatformSpec(
    name="console",
    render_summary=render_summary,
    render_article=render_article,
    create_runtime=lazy_runtime("adapters.console.runtime"),
)
