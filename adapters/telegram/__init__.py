"""Telegram adapter: the `platform` entry point (runtime modules live beside the renderer).

python-telegram-bot is imported only when a runtime is built, so `herald preview` stays fast.
"""

from adapters.telegram.render import render_article, render_summary
from bot.platform import PlatformSpec, lazy_runtime

platform = PlatformSpec(
    name="telegram",
    render_summary=render_summary,
    render_article=render_article,
    enabled=lambda settings: settings.telegram_token is not None,
    create_runtime=lazy_runtime("adapters.telegram.runtime"),
)
