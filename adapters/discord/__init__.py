"""Discord adapter: the `platform` entry point (runtime modules live beside the renderer).

discord.py is imported only when a runtime is created, so `herald preview` stays fast.
"""

from adapters.discord.render import render_article, render_summary
from bot.platform import PlatformSpec, lazy_runtime

platform = PlatformSpec(
    name="discord",
    render_summary=render_summary,
    render_article=render_article,
    enabled=lambda settings: settings.discord_token is not None,
    create_runtime=lazy_runtime("adapters.discord.runtime"),
)
