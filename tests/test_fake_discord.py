"""The fake Discord server against real, unmodified discord.py: login, gateway, messages,
Discord's limits and errors, command sync, interactions, rate limits and RESUME."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable

import discord
import pytest
import yarl
from discord import app_commands

from tests.fakes.discord_api import FakeDiscord

GUILD, NEWS, QUIET, READER = 9001, 9101, 9102, 4242


async def eventually(check: Callable[[], object], timeout: float = 5.0) -> None:
    """Wait until check() is truthy (the bot answers from its own task)."""
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


def build_tree(client: discord.Client) -> app_commands.CommandTree:
    """Register the commands a Herald-like bot has."""
    tree = app_commands.CommandTree(client)

    @tree.command(name="latest", description="Show the latest posts")
    async def latest(interaction: discord.Interaction, n: int = 5) -> None:
        await interaction.response.send_message(f"latest {n}", embed=discord.Embed(title="Post"))

    @tree.command(name="read", description="Read one post")
    async def read(interaction: discord.Interaction, post: int) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send(f"post {post}")
        await interaction.edit_original_response(content="done")

    @tree.command(name="category", description="Posts of one category")
    async def category(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(name)

    @category.autocomplete("name")
    async def category_names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = [f"{current}{i}" for i in range(40)]
        return [app_commands.Choice(name=n, value=n) for n in names][:25]

    return tree


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    server.add_guild(GUILD, name="Herald Test", channels={NEWS: "news", QUIET: "quiet"}, members=[READER])
    async with server:
        yield server
    assert server.errors == []  # no request the fake could not read


async def run_client(client: discord.Client, fake: FakeDiscord) -> asyncio.Task[None]:
    task = asyncio.create_task(client.start(fake.token))
    await asyncio.wait_for(client.wait_until_ready(), 10)
    return task


async def close_client(client: discord.Client, task: asyncio.Task[None]) -> None:
    await client.close()
    await asyncio.wait_for(task, 5)


class GatewayFromApi(discord.Client):
    """The recipe for a plain Client: take the gateway URL from GET /gateway/bot at setup."""

    async def setup_hook(self) -> None:
        _, url, _ = await self.http.get_bot_gateway()
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)


@pytest.fixture
async def bot(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[discord.Client]:
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    # Registered so that the value setup_hook installs is undone after the test.
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    client = GatewayFromApi(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    client.tree = build_tree(client)  # type: ignore[attr-defined]
    task = await run_client(client, fake)
    yield client
    await close_client(client, task)


def news(bot: discord.Client) -> discord.TextChannel:
    channel = bot.get_channel(NEWS)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_client_logs_in_connects_and_sees_the_guild(fake: FakeDiscord, bot: discord.Client) -> None:
    guild = bot.get_guild(GUILD)
    assert guild is not None and guild.name == "Herald Test"
    assert {c.name for c in guild.text_channels} == {"news", "quiet"}
    assert bot.user is not None and bot.user.id == fake.bot_user_id
    assert bot.application_id == fake.application_id
    paths = [r.path for r in fake.requests]
    assert paths[:3] == ["/users/@me", "/oauth2/applications/@me", "/gateway/bot"]
    identify = next(frame for frame in fake.gateway.received if frame["op"] == 2)
    assert identify["d"]["intents"] == discord.Intents.default().value
    assert fake.token not in repr(fake.gateway.received) + repr(fake.requests)


async def test_wrong_token_is_refused(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    client = discord.Client(intents=discord.Intents.default())
    with pytest.raises(discord.LoginFailure):
        await client.login("not-the-token")
    await client.close()
    assert fake.requests[-1].status == 401 and not fake.requests[-1].authorized


async def test_auto_sharded_client_takes_gateway_url_from_api(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    client = discord.AutoShardedClient(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    task = await run_client(client, fake)
    assert client.get_guild(GUILD) is not None and client.shard_count == 1
    await close_client(client, task)


async def test_embed_message_lands_in_messages(fake: FakeDiscord, bot: discord.Client) -> None:
    embed = discord.Embed(title="A post", description="Summary", url="https://example.org/p/1")
    sent = await news(bot).send(embed=embed)
    [record] = fake.messages
    assert record["id"] == sent.id and record["channel_id"] == NEWS
    assert record["payload"]["embeds"][0]["title"] == "A post"
    assert sent.embeds[0].url == "https://example.org/p/1"


async def test_attached_image_is_referenced_and_blocked_hosts_are_flagged(fake: FakeDiscord, bot: discord.Client) -> None:
    fake.block_image_host("img.blocked.example")
    attached = discord.Embed(title="With file").set_image(url="attachment://cover.png")
    sent = await news(bot).send(embed=attached, file=discord.File(io.BytesIO(b"\x89PNG data"), "cover.png"))
    hotlinked = discord.Embed(title="Hotlinked").set_image(url="https://img.blocked.example/a.jpg")
    await news(bot).send(embed=hotlinked)
    assert fake.messages[0]["attachments"] == {"cover.png": b"\x89PNG data"}
    assert sent.embeds[0].image.url == sent.attachments[0].url
    assert await sent.attachments[0].read() == b"\x89PNG data"
    assert fake.messages[0]["broken_images"] == []
    assert fake.messages[1]["broken_images"] == ["https://img.blocked.example/a.jpg"]


async def test_dangling_attachment_reference_is_rejected(fake: FakeDiscord, bot: discord.Client) -> None:
    embed = discord.Embed(title="x").set_image(url="attachment://missing.png")
    with pytest.raises(discord.HTTPException) as error:
        await news(bot).send(embed=embed)
    assert error.value.code == 50035


@pytest.mark.parametrize("embeds", [
    [discord.Embed(title="t" * 257)],
    [discord.Embed(description="d" * 4097)],
    [discord.Embed(description="d" * 4000), discord.Embed(description="d" * 2001)],
    [discord.Embed(title="x").set_footer(text="f" * 2049)],
], ids=["title", "description", "total-6000", "footer"])
async def test_over_limit_embed_is_invalid_form_body(fake: FakeDiscord, bot: discord.Client, embeds: list[discord.Embed]) -> None:
    with pytest.raises(discord.HTTPException) as error:
        await news(bot).send(embeds=embeds)
    assert (error.value.status, error.value.code) == (400, 50035)
    assert fake.messages == []


async def test_too_long_content_is_invalid_form_body(fake: FakeDiscord, bot: discord.Client) -> None:
    with pytest.raises(discord.HTTPException) as error:
        await news(bot).send("x" * 2001)
    assert error.value.code == 50035 and "content" in error.value.text


async def test_missing_permissions_are_forbidden(fake: FakeDiscord, bot: discord.Client) -> None:
    fake.set_permissions(NEWS, embed=False)
    await news(bot).send("plain text still works")
    with pytest.raises(discord.Forbidden) as no_embed:
        await news(bot).send(embed=discord.Embed(title="x"))
    fake.set_permissions(NEWS, send=False)
    with pytest.raises(discord.Forbidden) as no_send:
        await news(bot).send("x")
    fake.set_permissions(NEWS, view=False)
    with pytest.raises(discord.Forbidden) as no_view:
        await news(bot).send("x")
    assert (no_embed.value.code, no_send.value.code, no_view.value.code) == (50013, 50013, 50001)
    assert len(fake.messages) == 1


async def test_deleted_channel_is_not_found(fake: FakeDiscord, bot: discord.Client) -> None:
    fake.delete_channel(QUIET)
    with pytest.raises(discord.NotFound) as error:
        await bot.get_partial_messageable(QUIET).send("x")
    assert error.value.code == 10003


async def test_nonce_retry_does_not_duplicate(fake: FakeDiscord, bot: discord.Client) -> None:
    first = await news(bot).send("once", nonce="herald-42")
    again = await news(bot).send("once", nonce="herald-42")
    assert first.id == again.id
    assert len(fake.messages) == 1


async def test_tree_sync_stores_commands(fake: FakeDiscord, bot: discord.Client) -> None:
    tree: app_commands.CommandTree = bot.tree  # type: ignore[attr-defined]
    synced = await tree.sync()
    assert {c.name for c in synced} == {"latest", "read", "category"}
    assert {c["name"] for c in fake.commands[None]} == {"latest", "read", "category"}
    tree.copy_global_to(guild=discord.Object(GUILD))
    await tree.sync(guild=discord.Object(GUILD))
    assert len(fake.commands[str(GUILD)]) == 3 and fake.sync_calls == 2
    again = await tree.sync()
    assert [c.id for c in again] == [c.id for c in synced]


async def test_invalid_command_definition_is_rejected(fake: FakeDiscord, bot: discord.Client) -> None:
    bad = [{"name": "Latest Posts", "description": "x"}, {"name": "ok", "description": ""}]
    with pytest.raises(discord.HTTPException) as error:
        await bot.http.bulk_upsert_global_commands(fake.application_id, payload=bad)
    assert error.value.code == 50035
    assert "0.name" in error.value.text and "1.description" in error.value.text
    assert None not in fake.commands


async def test_slash_interaction_reaches_handler(fake: FakeDiscord, bot: discord.Client) -> None:
    await bot.tree.sync()  # type: ignore[attr-defined]
    await fake.dispatch_interaction(fake.slash("latest", {"n": 3}, guild_id=GUILD, channel_id=NEWS, user_id=READER))
    await eventually(lambda: fake.interaction_responses)
    [response] = fake.interaction_responses
    assert response["type"] == 4 and response["data"]["content"] == "latest 3"
    assert response["data"]["embeds"][0]["title"] == "Post"


async def test_deferred_interaction_followup_and_edit(fake: FakeDiscord, bot: discord.Client) -> None:
    await fake.dispatch_interaction(fake.slash("read", {"post": 7}, guild_id=GUILD, channel_id=NEWS, user_id=READER))
    await eventually(lambda: len(fake.interaction_responses) == 3)
    kinds = [(r["kind"], r["type"]) for r in fake.interaction_responses]
    assert kinds == [("callback", 5), ("followup", None), ("edit", None)]
    assert fake.interaction_responses[1]["data"]["content"] == "post 7"
    assert fake.interaction_responses[2]["data"]["content"] == "done"


async def test_autocomplete_answers_at_most_25_choices(fake: FakeDiscord, bot: discord.Client) -> None:
    await fake.dispatch_interaction(fake.autocomplete("category", "name", "news", guild_id=GUILD,
                                                      channel_id=NEWS, user_id=READER))
    await eventually(lambda: fake.interaction_responses)
    [response] = fake.interaction_responses
    assert response["type"] == 8 and len(response["data"]["choices"]) == 25
    assert response["data"]["choices"][0]["value"] == "news0"


@pytest.mark.parametrize("global_", [False, True])
async def test_forced_429_is_retried_transparently(fake: FakeDiscord, bot: discord.Client, global_: bool) -> None:
    fake.force_429(2, retry_after=0.01, global_=global_)
    sent = await news(bot).send("after the rate limit")
    assert [m["id"] for m in fake.messages] == [sent.id]
    statuses = [r.status for r in fake.requests if r.route == "/channels/{channel_id}/messages"]
    assert statuses == [429, 429, 200]


async def test_client_resumes_after_a_dropped_gateway(fake: FakeDiscord, bot: discord.Client) -> None:
    resumed = asyncio.create_task(bot.wait_for("resumed", timeout=5))
    await fake.drop_gateway()
    await resumed
    assert fake.gateway.resume_count == 1 and fake.gateway.identify_count == 1
    await fake.dispatch_interaction(fake.slash("latest", guild_id=GUILD, channel_id=NEWS, user_id=READER))
    await eventually(lambda: fake.interaction_responses)
    assert fake.interaction_responses[0]["data"]["content"] == "latest 5"


async def test_button_press_reaches_the_view(fake: FakeDiscord, bot: discord.Client) -> None:
    view = discord.ui.View(timeout=None)
    button = discord.ui.Button(label="More", custom_id="more:1")

    async def pressed(interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content="page 2")

    button.callback = pressed  # type: ignore[method-assign]
    view.add_item(button)
    sent = await news(bot).send("page 1", view=view)
    assert fake.messages[0]["payload"]["components"][0]["components"][0]["custom_id"] == "more:1"
    await fake.dispatch_interaction(fake.component("more:1", message_id=sent.id, guild_id=GUILD,
                                                   channel_id=NEWS, user_id=READER))
    await eventually(lambda: fake.interaction_responses)
    [response] = fake.interaction_responses
    assert (response["type"], response["data"]["content"]) == (7, "page 2")
