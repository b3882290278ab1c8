"""Every real post in the shared corpus renders to requests each platform accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.console import render as console
from adapters.discord import render as discord
from adapters.telegram import render as telegram
from bot.content import ContentConfig, load_article, scan_folder
from bot.summary import article_blocks, summarize
from tests.validators import assert_valid_discord_payload, assert_valid_telegram_request


@pytest.mark.parametrize("site_url", [None, "https://example.com/blog/"])
def test_every_corpus_post_renders_valid_requests_on_every_platform(corpus_dir: Path, site_url: str | None) -> None:
    config = ContentConfig(root=corpus_dir, site_url=site_url)
    rendered = 0
    for path in scan_folder(config):
        article = load_article(path, config).article
        if article is None:
            continue
        summary = summarize(article)
        blocks = article_blocks(article)
        for request in telegram.render_summary(summary) + telegram.render_article(summary, blocks):
            assert_valid_telegram_request(request)
        for request in discord.render_summary(summary) + discord.render_article(summary, blocks):
            assert_valid_discord_payload(request.params)
        [card] = console.render_summary(summary)
        assert card.params["text"].strip()
        assert console.render_article(summary, blocks)
        rendered += 1
    assert rendered >= 100
