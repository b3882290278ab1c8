"""Images in Discord embeds: a host that blocks hotlinking is found by probing it as Discord's
media proxy would, and its images are downloaded and attached; open hosts stay links; a dead
image never stops the card. The bot runs end to end against the fake Discord server, with a
small image server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from aiohttp import web

from adapters.discord.hotlink import DISCORDBOT_USER_AGENT, HotlinkVerdicts, probe_image
from tests import test_discord_app
from tests.test_discord_app import MOD, QUIET, World, eventually, png, post

world = test_discord_app.world  # the fake Discord server and a bot to start, as in the app tests
EMBED = 0


@dataclass
class ImageHost:
    """A site serving `/open.png` to anyone and `/guarded.png` only with a Referer."""

    base: str
    seen: list[tuple[str, str | None, str]] = field(default_factory=list)  # path, Referer, User-Agent

    def url(self, path: str) -> str:
        return self.base + path

    def probes(self, path: str) -> int:
        """Requests for `path` made as Discord's proxy makes them (its User-Agent, no Referer)."""
        return sum(1 for p, ref, agent in self.seen if p == path and ref is None and agent == DISCORDBOT_USER_AGENT)

    def downloads(self, path: str) -> list[str]:
        """The Referers of the requests for `path` that carried one."""
        return [ref for p, ref, _ in self.seen if p == path and ref is not None]


@pytest.fixture
async def image_site() -> AsyncIterator[ImageHost]:
    host = ImageHost("")

    async def serve(request: web.Request) -> web.Response:
        referer = request.headers.get("Referer")
        host.seen.append((request.path, referer, request.headers.get("User-Agent", "")))
        if request.path == "/guarded.png" and not referer:
            return web.Response(status=403, text="hotlinking is not allowed", content_type="text/html")
        return web.Response(body=png(), content_type="image/png")

    app = web.Application()
    app.router.add_get("/open.png", serve)
    app.router.add_get("/guarded.png", serve)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host.base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield host
    await runner.cleanup()


async def broadcast(world: World, image: str, **settings: object) -> list[dict[str, object]]:
    """Subscribe two channels, drop a post with `image`, return the two messages they got.
    The images are served on 127.0.0.1: private fetches are allowed, as only tests do."""
    bot = await world.start(settings=world.settings(allow_private_fetch=True, **settings))
    await world.command("subscribe", user=MOD)
    await world.command("subscribe", channel=QUIET, user=MOD)
    post(world.content, "pic.md", title="With a picture", thumbnail=image)
    await bot.herald.index.scan()
    await eventually(lambda: len(world.fake.messages) == 2)
    return world.fake.messages


async def test_an_image_on_a_host_that_blocks_hotlinking_is_attached(world: World, image_site: ImageHost) -> None:
    world.fake.block_image_host("127.0.0.1")  # what Discord's proxy would get: nothing to show
    messages = await broadcast(world, image_site.url("/guarded.png"), site_url=image_site.base)
    for message in messages:
        [(filename, data)] = message["attachments"].items()  # type: ignore[attr-defined]
        assert data == png() and filename.endswith(".png")
        embed = message["payload"]["embeds"][EMBED]  # type: ignore[index]
        assert embed["image"]["url"] == f"attachment://{filename}"
        assert message["broken_images"] == []
    assert image_site.probes("/guarded.png") == 1  # one probe for the host, not one per channel
    [referer] = image_site.downloads("/guarded.png")  # downloaded once, as the article's page would
    assert referer == messages[0]["payload"]["embeds"][EMBED]["url"]  # type: ignore[index]
    assert referer.startswith(image_site.base + "/") and referer != image_site.base + "/"


async def test_an_image_on_an_open_host_is_linked(world: World, image_site: ImageHost) -> None:
    url = image_site.url("/open.png")
    messages = await broadcast(world, url)
    for message in messages:
        assert message["attachments"] == {}
        assert message["payload"]["embeds"][EMBED]["image"]["url"] == url  # type: ignore[index]
    assert image_site.probes("/open.png") == 1 and image_site.downloads("/open.png") == []


async def test_a_dead_image_leaves_the_card_without_an_image(world: World, image_site: ImageHost) -> None:
    messages = await broadcast(world, image_site.url("/missing.png"))
    for message in messages:
        [embed] = message["payload"]["embeds"]  # type: ignore[index]
        assert embed["title"] == "With a picture" and "image" not in embed
        assert message["attachments"] == {}


async def test_configured_hosts_are_attached_without_probing(world: World, image_site: ImageHost) -> None:
    bot = await world.start(attach_hosts=("127.0.0.1",), settings=world.settings(allow_private_fetch=True))
    await world.command("subscribe", user=MOD)
    post(world.content, "pic.md", title="With a picture", thumbnail=image_site.url("/open.png"))
    await bot.herald.index.scan()
    await eventually(lambda: len(world.fake.messages) == 1)
    [message] = world.fake.messages
    assert len(message["attachments"]) == 1 and image_site.probes("/open.png") == 0


# ---- the probe, without any server ------------------------------------------------------------


def client_answering(status: int, body: bytes, content_type: str, calls: list[httpx.Request]) -> httpx.AsyncClient:
    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(status, content=body, headers={"Content-Type": content_type})

    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


@pytest.mark.parametrize(
    ("status", "body", "content_type", "shown"),
    [
        (200, png(), "image/png", True),
        (200, png(), "application/octet-stream", True),  # image bytes under a generic type
        (200, b"<html>no hotlinking</html>", "text/html", False),  # a page instead of the image
        (403, b"forbidden", "text/plain", False),
        (404, b"", "image/png", False),
    ],
)
async def test_the_probe_asks_as_discord_and_wants_an_image(status: int, body: bytes, content_type: str,
                                                           shown: bool) -> None:
    calls: list[httpx.Request] = []
    async with client_answering(status, body, content_type, calls) as client:
        assert await probe_image(client, "https://img.example/a.png") is shown
    [request] = calls
    assert request.headers["User-Agent"] == DISCORDBOT_USER_AGENT and "Referer" not in request.headers


async def test_verdicts_are_kept_per_host() -> None:
    asked: list[str] = []

    async def probe(url: str) -> bool:
        asked.append(url)
        return "blocked" not in url

    verdicts = HotlinkVerdicts(probe)
    assert not await verdicts.hotlinkable("https://blocked.example/1.png")
    assert not await verdicts.hotlinkable("https://blocked.example/2.png")
    assert await verdicts.hotlinkable("https://open.example/1.png")
    assert await verdicts.hotlinkable("https://open.example/2.png")
    assert asked == ["https://blocked.example/1.png", "https://open.example/1.png"]
