"""The Discord adapter's pure parts: command definitions, argument mapping, reply rendering,
nonces, error mapping and image handling; with property tests that whatever a post or a reply
contains, Discord accepts what the adapter sends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.discord.commands import command_payloads, fingerprint, invocation_args, option_values
from adapters.discord.images import EmbedImages, host_matches, image_type
from adapters.discord.outlet import DiscordOutlet, delivery_error, nonce_of
from adapters.discord.replies import render_reply
from bot.commands import Button, ListItem, Reply, command_table, find_command
from bot.content import ContentConfig, load_article
from bot.delivery.errors import BadFormat, Gone, RateLimited, Transient
from bot.summary import summarize
from tests.fakes.discord_rules import ApiError, DiscordLimits, check_commands, check_new_message
from tests.test_render_properties import SUMMARY, TEXT
from tests.validators import assert_valid_discord_payload

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                           HealthCheck.function_scoped_fixture])


# ---- command definitions ---------------------------------------------------------------------


def test_every_command_definition_is_one_discord_accepts() -> None:
    payloads = command_payloads(command_table())
    check_commands(payloads, DiscordLimits())  # raises ApiError 50035 on anything Discord refuses
    assert [p["name"] for p in payloads] == [spec.name for spec in command_table()]
    for payload, spec in zip(payloads, command_table(), strict=True):
        # zh-CN readers see Simplified Chinese, zh-TW readers Traditional.
        assert payload["description_localizations"] == {
            "zh-CN": spec.description("zh"), "zh-TW": spec.description("zh-Hant"),
        }


def test_an_invalid_definition_would_be_caught() -> None:
    payloads = command_payloads(command_table())
    payloads[0] = {**payloads[0], "description": "x" * 101}
    with pytest.raises(ApiError):
        check_commands(payloads, DiscordLimits())


def test_fingerprint_changes_only_when_definitions_change() -> None:
    payloads = command_payloads(command_table())
    assert fingerprint(payloads) == fingerprint(command_payloads(command_table()))
    changed = [{**payloads[0], "description": "Something else"}, *payloads[1:]]
    assert fingerprint(changed) != fingerprint(payloads)


def test_options_become_arguments_in_table_order() -> None:
    category = find_command("category")
    assert category is not None
    assert invocation_args(category, {"count": 3, "name": "观察者网", "public": True}) == ("观察者网", "3")
    assert invocation_args(category, {"name": "News"}) == ("News",)
    values, focused = option_values({"options": [{"name": "name", "value": "ne", "focused": True}]})
    assert (values, focused) == ({"name": "ne"}, "name")


# ---- replies ---------------------------------------------------------------------------------


def test_a_list_reply_is_one_embed_under_its_header() -> None:
    date = datetime(2026, 1, 1, tzinfo=UTC)
    reply = Reply("Latest:\n#1 · 2026-01-01 · *Bold* title\nSend /read <id>", header="Latest:",
                  items=(ListItem(1, "*Bold* title", date),), buttons=(Button("More", action="latest:5:5"),))
    [request] = render_reply(reply)
    [embed] = request.params["embeds"]
    assert embed["title"] == "Latest:"
    assert "\\*Bold\\* title" in embed["description"] and "Latest:" not in embed["description"]


def test_a_plain_reply_is_escaped_text() -> None:
    [request] = render_reply(Reply("Use /subscribe *now*"))
    assert request.params["content"] == "Use /subscribe \\*now\\*"


ITEMS = st.lists(st.builds(ListItem, st.integers(1, 10**9), TEXT,
                           st.just(datetime(2026, 1, 1, tzinfo=UTC))), min_size=1, max_size=20)


@SETTINGS
@given(TEXT, TEXT, ITEMS)
def test_any_list_reply_is_accepted(header: str, text: str, items: list[ListItem]) -> None:
    for request in render_reply(Reply(header + "\n" + text, header=header, items=tuple(items))):
        assert_valid_discord_payload(request.params)
        check_new_message(request.params, {}, DiscordLimits())


# ---- delivery --------------------------------------------------------------------------------


def test_nonce_is_short_and_the_same_for_the_same_delivery() -> None:
    payload = {"embeds": [{"title": "x"}]}
    assert nonce_of("1", 0, payload) == nonce_of("1", 0, dict(payload))
    assert len(nonce_of("1", 0, payload)) <= 25
    assert len({nonce_of("1", 0, payload), nonce_of("2", 0, payload), nonce_of("1", 1, payload)}) == 3


def _http_error(cls: type[discord.HTTPException], status: int, code: int) -> discord.HTTPException:
    response = SimpleNamespace(status=status, reason="x")
    return cls(response, {"code": code, "message": "m"})  # type: ignore[arg-type]


@pytest.mark.parametrize(("error", "outcome"), [
    (_http_error(discord.Forbidden, 403, 50013), Gone),
    (_http_error(discord.Forbidden, 403, 50001), Gone),
    (_http_error(discord.NotFound, 404, 10003), Gone),
    (_http_error(discord.NotFound, 404, 10015), Gone),
    (_http_error(discord.HTTPException, 400, 50035), BadFormat),
    (_http_error(discord.DiscordServerError, 502, 0), Transient),
    (_http_error(discord.DiscordServerError, 500, 0), Transient),
    (TimeoutError(), Transient),
    (OSError("connection reset"), Transient),
], ids=["50013", "50001", "10003", "10015", "50035", "502", "500", "timeout", "oserror"])
def test_discord_errors_map_to_delivery_outcomes(error: Exception, outcome: type) -> None:
    assert isinstance(delivery_error(error), outcome)


def test_a_long_rate_limit_is_a_pause() -> None:
    mapped = delivery_error(discord.RateLimited(12.5))
    assert isinstance(mapped, RateLimited) and mapped.retry_after == 12.5


def test_image_types_are_sniffed_from_bytes_not_names() -> None:
    assert image_type(b"\x89PNG\r\n\x1a\n....") == "png"
    assert image_type(b"\xff\xd8\xff\xe0") == "jpg"
    assert image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert image_type(b"<html>blocked</html>") is None


def test_attach_hosts_match_subdomains_and_star() -> None:
    assert host_matches("https://i.guancha.cn/a.png", ["guancha.cn"])
    assert not host_matches("https://notguancha.cn/a.png", ["guancha.cn"])
    assert host_matches("https://anything.example/a.png", ["*"])
    assert not EmbedImages([]).wants("https://i.guancha.cn/a.png")


async def _never_connected() -> discord.Client:
    raise AssertionError("rendering needs no client")


@SETTINGS
@given(st.text(max_size=3000))
def test_any_article_file_becomes_a_card_discord_accepts(tmp_path_factory: pytest.TempPathFactory, body: str) -> None:
    root = tmp_path_factory.mktemp("content")
    path = root / "post.md"
    path.write_text(f"---\ntitle: {body[:300]!r}\ndate: 2026-01-01\n---\n\n{body}\n", encoding="utf-8")
    result = load_article(path, ContentConfig(root=Path(root)))
    if result.article is None:
        return
    outlet = DiscordOutlet(_never_connected, EmbedImages([]))
    for plain in (False, True):
        for request in outlet.render(summarize(result.article), plain=plain):
            assert_valid_discord_payload(request.params)
            check_new_message(request.params, {}, DiscordLimits())


@SETTINGS
@given(SUMMARY)
def test_the_attached_image_variant_is_accepted_too(summary: Any) -> None:
    outlet = DiscordOutlet(_never_connected, EmbedImages(["*"]))
    fetcher = outlet._images

    async def fake_fetch(url: str, page: str | None = None) -> Any:
        return SimpleNamespace(filename="image-0123456789abcdef.png", data=b"\x89PNG\r\n\x1a\n")

    fetcher.fetch = fake_fetch  # type: ignore[method-assign]
    [request] = outlet.render(summary, plain=False)
    payload, files, _ = asyncio.run(outlet._attach(request.params))
    names = {f.filename for f in files}
    assert_valid_discord_payload(payload, names)
    check_new_message(payload, {name: b"x" for name in names}, DiscordLimits())
