"""Card templates end to end: HERALD_TEMPLATES changes what subscribers receive through the real
client libraries (python-telegram-bot against the fake Bot API, discord.py against the fake
Discord), a target's own template reaches that target only, and `herald preview --json` shows
the templated request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.content import ContentConfig
from bot.platform import load_platform
from bot.preview import Preview, build_previews, format_preview
from bot.settings import Settings
from bot.store.subscriptions import subscribe
from bot.summary import SummaryConfig
from bot.templating import load_sources
from tests.test_discord_app import MOD, NEWS, QUIET, World, eventually, image_host, post, world
from tests.test_telegram_app import bad_sends, running, until
from tests.test_telegram_app import post as tg_post

__all__ = ["image_host", "world"]  # fixtures the Discord test takes

IMAGE = "https://img.example.com/cover.png"
CARD = "<b>{{ title }}</b> · {{ categories|join(', ') }} · {{ date_text }}\n<i>{{ site }}</i>\n"
TARGET = "🗞 <u>{{ title }}</u>\n<a href=\"{{ url }}\">{{ read_more }}</a>\n"


def _sends_to(tg: Any, chat: int) -> list[Any]:
    return [r for r in tg.requests if r.method.startswith("send") and str(r.params.get("chat_id")) == str(chat)]


async def test_telegram_template_shapes_every_card_and_a_targets_own_template_only_that_target(
    tmp_path: Path,
) -> None:
    everyone, special = 51, 52
    card = tmp_path / "card.j2"
    card.write_text(CARD, encoding="utf-8")
    target = tmp_path / "target.j2"
    target.write_text(TARGET, encoding="utf-8")
    templates = (f"telegram={card}", f"telegram:{special}={target}")
    async with running(tmp_path, site_url="https://example.com", templates=templates) as b:
        tg, now = b.tg, b.herald.clock.now()
        for chat in (everyone, special):
            tg.add_chat(chat, type="private")
            await subscribe(b.herald.sessions, "telegram", str(chat), "private", [], "en", now)
        await b.publish("tpl", "Fish & <Chips>", image=IMAGE)
        await until(lambda: tg.sent_to(everyone) and tg.sent_to(special))
        [photo] = _sends_to(tg, everyone)
        assert photo.method == "sendPhoto" and photo.status == 200
        assert photo.params["caption"] == (
            "<b>Fish &amp; &lt;Chips&gt;</b> · World · 2026-02-01\n<i>example.com</i>"
        )
        [received] = tg.sent_to(everyone)
        assert received.plain_text == "Fish & <Chips> · World · 2026-02-01\nexample.com"
        [button] = received.reply_markup["inline_keyboard"][0]
        assert button["text"] == "Read more"
        url = button["url"]
        [own] = _sends_to(tg, special)
        assert own.params["caption"] == f'🗞 <u>Fish &amp; &lt;Chips&gt;</u>\n<a href="{url}">Read more</a>'
        assert bad_sends(tg) == []


async def test_telegram_template_that_prints_a_huge_field_is_fitted_to_the_caption(tmp_path: Path) -> None:
    chat = 61
    huge = tmp_path / "huge.j2"
    huge.write_text("{% for i in range(100) %}<b>{{ title }}</b> {{ excerpt }}\n{% endfor %}", encoding="utf-8")
    async with running(tmp_path, site_url="https://example.com", templates=(f"telegram={huge}",)) as b:
        tg = b.tg
        tg.add_chat(chat, type="private")
        await subscribe(b.herald.sessions, "telegram", str(chat), "private", [], "en", b.herald.clock.now())
        await b.publish("huge", "Long " * 40, image=IMAGE)
        await until(lambda: tg.sent_to(chat))
        [photo] = _sends_to(tg, chat)
        assert photo.method == "sendPhoto" and photo.status == 200
        [received] = tg.sent_to(chat)
        assert received.plain_text and received.plain_text.startswith("Long Long")
        assert received.plain_text.endswith("…") and 900 < len(received.plain_text.encode("utf-16-le")) // 2 <= 1024
        assert bad_sends(tg) == []


async def test_discord_template_writes_the_embed_description(world: World, image_host: str) -> None:
    template = world.content.parent / "discord.j2"
    template.write_text("**{{ title }}** — {{ categories|join(', ') }}\n[{{ read_more }}]({{ url|safe }})")
    template.with_name("discord.j2x").write_text("Only here: {{ title }}")
    settings = world.settings(
        site_url="https://example.com", templates=(f"discord={template}", f"discord:{QUIET}={template}x")
    )
    bot = await world.start(settings=settings)
    await world.command("subscribe", user=MOD)
    await world.command("subscribe", channel=QUIET, user=MOD)
    post(world.content, "d.md", title="Stars *and* stripes")
    await bot.herald.index.scan()
    await eventually(lambda: len(world.fake.messages) == 2)
    by_channel = {m["channel_id"]: m for m in world.fake.messages}
    [news] = by_channel[NEWS]["payload"]["embeds"]
    assert news["title"] == "Stars *and* stripes"
    assert news["description"].startswith("**Stars \\*and\\* stripes** — ")
    assert news["description"].endswith(f"[Read more]({news['url']})")
    [quiet] = by_channel[QUIET]["payload"]["embeds"]
    assert quiet["description"] == "Only here: Stars \\*and\\* stripes"


def test_preview_json_shows_the_templated_request(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    tg_post(content, "p", "Preview & me", image=IMAGE)
    card = tmp_path / "card.j2"
    card.write_text(CARD, encoding="utf-8")
    settings = Settings(_env_file=None, content_dir=content, site_url="https://example.com",
                        templates=(f"telegram={card}",))
    [preview] = build_previews(
        [content], load_platform("telegram"), ContentConfig.from_settings(settings),
        SummaryConfig.from_settings(settings), templates=load_sources(settings.templates),
    )  # fmt: skip
    assert isinstance(preview, Preview)
    line = json.loads(format_preview(preview, as_json=True))
    [request] = line["requests"]
    assert request["method"] == "sendPhoto"
    assert request["params"]["caption"].startswith("<b>Preview &amp; me</b> · World · 2026-02-01\n<i>")
