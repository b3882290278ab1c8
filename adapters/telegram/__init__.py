"""Telegram adapter: the `platform` entry point (runtime modules live beside the renderer).

python-telegram-bot is imported only when a runtime is built, so `herald preview` stays fast.
"""

from adapters.telegram.render import render_article, render_summary, render_text
from bot.platform import PlatformSpec


def _create_runtime(settings, core):  # noqa: ANN001, ANN202 - imported lazily: preview needs no PTB
    from adapters.telegram.runtime import create_runtime

    return create_runtime(settings, core)


platform = PlatformSpec(
    name="telegram",
    render_summary=render_summary,
    render_article=render_article,
    enabled=lambda settings: settings.telegram_token is not None,
    create_runtime=_create_runtime,
    extra={"render_text": render_text},
)
