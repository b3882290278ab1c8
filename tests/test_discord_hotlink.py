"""Images on Discord: a network error is not a verdict. A probe (or a download) that gets no
answer leaves the image linked and is tried again on a later card; only an HTTP answer that
refuses marks a host as blocking hotlinks, and verdicts expire. End to end against the fake
Discord server, with the image host on 127.0.0.1 (private fetches allowed, as only tests do)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
from aiohttp import web

from adapters.discord import hotlink
from adapters.discord.hotlink import RETRY_AFTER, VERDICT_LIFETIME, HotlinkVerdicts, probe_image
from tests import test_discord_app
from tests.test_discord_app import MOD, World, eventually, png, post

world = test_discord_app.world
EMBED = 0


@pytest.fixture
def closed_port() -> Iterator[socket.socket]:
    """A port on 127.0.0.1 that is bound but not listening: connecting to it is refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


async def serve_on(port: int, seen: list[str | None]) -> web.AppRunner:
    """Start, on `port`, a host that refuses hotlinks: 403 without a Referer, the PNG with one."""

    async def guarded(request: web.Request) -> web.Response:
        referer = request.headers.get("Referer")
        seen.append(referer)
        if not referer:
            return web.Response(status=403, text="hotlinking is not allowed", content_type="text/html")
        return web.Response(body=png(), content_type="image/png")

    app = web.Application()
    app.router.add_get("/guarded.png", guarded)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, reuse_address=True).start()
    return runner


async def card(world: World, bot: object, name: str, image: str, day: int) -> dict[str, object]:
    """Drop a post with `image`, return the message the subscribed channel got for it."""
    before = len(world.fake.messages)
    post(world.content, f"card-{name}.md", title=f"Card {name}", thumbnail=image, date=f"2026-02-{day:02d} 10:00:00")
    await bot.herald.index.scan()  # type: ignore[attr-defined]
    await eventually(lambda: len(world.fake.messages) == before + 1)
    return world.fake.messages[-1]


async def test_a_probe_that_cannot_connect_keeps_the_image_and_the_host_is_probed_again(
    world: World, closed_port: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hotlink, "RETRY_AFTER", 0.0)  # the back-off has passed by the next card
    port = closed_port.getsockname()[1]
    url = f"http://127.0.0.1:{port}/guarded.png"
    bot = await world.start(settings=world.settings(allow_private_fetch=True))
    await world.command("subscribe", user=MOD)

    first = await card(world, bot, "first", url, 1)  # the probe: ConnectError
    assert first["attachments"] == {}
    assert first["payload"]["embeds"][EMBED]["image"]["url"] == url  # type: ignore[index]

    closed_port.close()
    seen: list[str | None] = []
    runner = await serve_on(port, seen)  # the host is back, and it refuses hotlinks
    try:
        second = await card(world, bot, "second", url, 2)
    finally:
        await runner.cleanup()
    assert seen[0] is None  # probed again, as Discord would ask
    [(filename, data)] = second["attachments"].items()  # type: ignore[attr-defined]
    assert data == png()
    assert second["payload"]["embeds"][EMBED]["image"]["url"] == f"attachment://{filename}"  # type: ignore[index]


async def test_a_download_that_cannot_connect_is_tried_again_on_a_later_card(
    world: World, closed_port: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hotlink, "RETRY_AFTER", 0.0)
    port = closed_port.getsockname()[1]
    url = f"http://127.0.0.1:{port}/guarded.png"
    bot = await world.start(attach_hosts=("127.0.0.1",), settings=world.settings(allow_private_fetch=True))
    await world.command("subscribe", user=MOD)

    first = await card(world, bot, "first", url, 1)
    assert first["attachments"] == {}  # could not download it: linked instead, never dropped
    assert first["payload"]["embeds"][EMBED]["image"]["url"] == url  # type: ignore[index]

    closed_port.close()
    seen: list[str | None] = []
    runner = await serve_on(port, seen)
    try:
        second = await card(world, bot, "second", url, 2)  # the same image, a later card
    finally:
        await runner.cleanup()
    [(_, data)] = second["attachments"].items()  # type: ignore[attr-defined]
    assert data == png()


# ---- verdicts over time, without any server ---------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_verdict_older_than_its_lifetime_is_probed_again() -> None:
    answers = iter([False, True])
    asked: list[str] = []

    async def probe(url: str) -> bool | None:
        asked.append(url)
        return next(answers)

    clock = Clock()
    verdicts = HotlinkVerdicts(probe, clock=clock)
    assert not await verdicts.hotlinkable("https://i.guancha.cn/1.jpg")  # refused: attach
    clock.now += VERDICT_LIFETIME - 1
    assert not await verdicts.hotlinkable("https://i.guancha.cn/2.jpg")  # still known
    assert len(asked) == 1
    clock.now += 2
    assert await verdicts.hotlinkable("https://i.guancha.cn/3.jpg")  # expired: asked again
    assert asked == ["https://i.guancha.cn/1.jpg", "https://i.guancha.cn/3.jpg"]


async def test_no_answer_leaves_images_linked_and_is_asked_again_after_a_short_back_off() -> None:
    answers = iter([None, False])
    asked: list[str] = []

    async def probe(url: str) -> bool | None:
        asked.append(url)
        return next(answers)

    clock = Clock()
    verdicts = HotlinkVerdicts(probe, clock=clock)
    assert await verdicts.hotlinkable("https://i.guancha.cn/1.jpg")  # no answer: keep the link
    clock.now += RETRY_AFTER / 2
    assert await verdicts.hotlinkable("https://i.guancha.cn/2.jpg")  # backing off: not asked
    assert len(asked) == 1
    clock.now += RETRY_AFTER
    assert not await verdicts.hotlinkable("https://i.guancha.cn/3.jpg")  # asked again: a real refusal
    assert len(asked) == 2


@pytest.mark.parametrize(
    "answer",
    [
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("slow"),
        httpx.Response(503, text="busy", headers={"Content-Type": "text/html"}),
        httpx.Response(502, text="bad gateway", headers={"Content-Type": "text/html"}),
        httpx.Response(429, text="slow down", headers={"Content-Type": "text/plain"}),
    ],
    ids=["connect-error", "timeout", "503", "502", "429"],
)
async def test_network_errors_and_server_errors_are_not_a_refusal(answer: object) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[return-value]

    async with httpx.AsyncClient(transport=httpx.MockTransport(respond)) as client:
        assert await probe_image(client, "https://i.guancha.cn/a.jpg") is None
