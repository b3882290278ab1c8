"""Image downloads cannot be aimed inward: URLs from posts reach public addresses only (checked
after DNS, on every redirect, and connected to the address checked), http(s) only, within a size
cap and a total time, and only images come back. Servers run on 127.0.0.1; hosts that stand for
public or forbidden addresses are a patched resolver in front of a mock transport, so no test
leaves the machine."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from adapters.fetch import ImageDownloader
from bot.guard import Resolver, refusal
from tests import test_discord_app
from tests.test_discord_app import png

PUBLIC = "93.184.215.14"  # an address that is public, reached only through the mock transport


@dataclass
class Mock:
    """A mock transport standing for the internet: what it was asked, and what it answers."""

    routes: dict[str, httpx.Response] = field(default_factory=dict)  # by Host header + path
    asked: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(request)
        answer = self.routes.get(request.headers["Host"] + request.url.path)
        return answer if answer is not None else httpx.Response(404, text="not here")

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


def resolver(table: dict[str, str]) -> Resolver:
    """A resolver answering from `table` (host → address), as a DNS server would."""

    async def resolve(host: str, port: int) -> list[str]:
        if host in table:
            return [table[host]]
        try:
            refusal(host)  # an IP literal resolves to itself
        except ValueError:
            raise OSError(f"unknown host {host}") from None
        return [host]

    return resolve


def image(body: bytes | None = None, content_type: str = "image/png") -> httpx.Response:
    return httpx.Response(200, content=png() if body is None else body, headers={"Content-Type": content_type})


@pytest.fixture
def mock() -> Mock:
    return Mock()


def downloader(mock: Mock, hosts: dict[str, str], **options: object) -> ImageDownloader:
    return ImageDownloader(resolve=resolver(hosts), transport=mock.transport(), **options)  # type: ignore[arg-type]


FORBIDDEN = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.5.4", "private"),
    ("192.168.1.1", "private"),
    ("fd12:3456::1", "private"),
    ("100.64.0.7", "not a public address"),  # carrier-grade NAT
    ("169.254.1.1", "link-local"),
    ("fe80::1", "link-local"),
    ("224.0.0.251", "multicast"),
    ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("169.254.169.254", "a cloud metadata address"),
    ("fd00:ec2::254", "a cloud metadata address"),
    ("100.100.100.200", "a cloud metadata address"),
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6
    ("::ffff:169.254.169.254", "a cloud metadata address"),
    ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
    ("2002:c0a8:101::1", "private"),  # 6to4 of 192.168.1.1
]


@pytest.mark.parametrize(("address", "kind"), FORBIDDEN)
async def test_a_host_resolving_to_a_forbidden_address_is_never_asked(mock: Mock, address: str, kind: str,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    mock.routes["photos.example.com/a.png"] = image()
    fetcher = downloader(mock, {"photos.example.com": address})
    with caplog.at_level(logging.INFO, "herald.fetch"):
        assert await fetcher.fetch("https://photos.example.com/a.png?sig=SECRET") is None
        assert await fetcher.fetch("https://photos.example.com/b.png?sig=SECRET") is None
    await fetcher.close()
    assert mock.asked == []  # refused before any connection
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 1 and refused[0].levelno == logging.WARNING  # once per host
    assert kind in refused[0].getMessage() and "SECRET" not in caplog.text


@pytest.mark.parametrize("address", ["169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254", "0.0.0.0", "224.0.0.1"])
async def test_metadata_multicast_and_unspecified_stay_refused_with_private_fetch_on(mock: Mock, address: str) -> None:
    mock.routes["meta.example.com/latest"] = image()
    fetcher = downloader(mock, {"meta.example.com": address}, allow_private=True)
    assert await fetcher.fetch("http://meta.example.com/latest") is None
    await fetcher.close()
    assert mock.asked == []


async def test_a_public_host_is_fetched_from_the_address_that_was_checked(mock: Mock) -> None:
    mock.routes["photos.example.com/a.png"] = image()
    answers = iter([PUBLIC, "127.0.0.1"])  # DNS rebinding: a second lookup would say loopback

    async def rebinding(host: str, port: int) -> list[str]:
        return [next(answers)]

    fetcher = ImageDownloader(resolve=rebinding, transport=mock.transport())
    assert await fetcher.fetch("https://photos.example.com/a.png") == png()
    await fetcher.close()
    [request] = mock.asked
    assert request.url.host == PUBLIC and request.url.scheme == "https"  # connected where it checked
    assert request.headers["Host"] == "photos.example.com"  # the site still sees its own name
    assert request.extensions["sni_hostname"] == "photos.example.com"  # and TLS verifies it


async def test_a_host_with_one_private_address_among_public_ones_is_refused(mock: Mock) -> None:
    mock.routes["photos.example.com/a.png"] = image()

    async def mixed(host: str, port: int) -> list[str]:
        return [PUBLIC, "10.0.0.8"]  # a connection could land on either

    fetcher = ImageDownloader(resolve=mixed, transport=mock.transport())
    assert await fetcher.fetch("https://photos.example.com/a.png") is None
    await fetcher.close()
    assert mock.asked == []


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://internal.example.com/admin.png",  # resolves to 10.0.0.5
        "http://[::ffff:7f00:1]:8080/x.png",
        "file:///etc/passwd",
        "gopher://photos.example.com/",
    ],
)
async def test_a_redirect_to_a_private_address_or_other_scheme_is_refused(mock: Mock, location: str) -> None:
    mock.routes["photos.example.com/a.png"] = httpx.Response(302, headers={"Location": location})
    fetcher = downloader(mock, {"photos.example.com": PUBLIC, "internal.example.com": "10.0.0.5"})
    assert await fetcher.fetch("https://photos.example.com/a.png") is None
    await fetcher.close()
    assert [r.url.host for r in mock.asked] == [PUBLIC]  # the redirect target was never asked


async def test_redirects_are_followed_a_bounded_number_of_times(mock: Mock) -> None:
    for hop in range(10):
        mock.routes[f"photos.example.com/{hop}.png"] = httpx.Response(302, headers={"Location": f"/{hop + 1}.png"})
    mock.routes["photos.example.com/3.png"] = image()
    fetcher = downloader(mock, {"photos.example.com": PUBLIC}, max_redirects=3)
    assert await fetcher.fetch("https://photos.example.com/0.png") == png()  # three hops: fine
    mock.routes.pop("photos.example.com/3.png")
    mock.routes["photos.example.com/3.png"] = httpx.Response(302, headers={"Location": "/4.png"})
    mock.asked.clear()
    assert await fetcher.fetch("https://photos.example.com/0.png") is None
    await fetcher.close()
    assert len(mock.asked) == 4  # the first request and three redirects, then it stopped


@pytest.mark.parametrize("url", ["ftp://photos.example.com/a.png", "file:///etc/hostname", "data:image/png;base64,AAAA"])
async def test_only_http_and_https_are_fetched(mock: Mock, url: str) -> None:
    fetcher = downloader(mock, {"photos.example.com": PUBLIC})
    assert await fetcher.fetch(url) is None
    await fetcher.close()
    assert mock.asked == []


async def test_an_oversize_body_is_refused_and_not_read_to_the_end(mock: Mock) -> None:
    sent: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        yield png()
        while True:
            sent.append(1)
            yield b"\0" * 1024

    mock.routes["photos.example.com/big.png"] = httpx.Response(200, headers={"Content-Type": "image/png"}, content=endless())
    mock.routes["photos.example.com/declared.png"] = image(png() + b"\0" * 5000)
    fetcher = downloader(mock, {"photos.example.com": PUBLIC}, max_bytes=4096)
    assert await fetcher.fetch("https://photos.example.com/big.png") is None
    assert 3 <= len(sent) <= 6  # stopped just past the cap
    assert await fetcher.fetch("https://photos.example.com/declared.png") is None
    mock.routes["photos.example.com/small.png"] = image(png() + b"\0" * 1000)
    assert await fetcher.fetch("https://photos.example.com/small.png") is not None
    await fetcher.close()


async def test_a_slow_body_gives_up_after_the_total_time(mock: Mock) -> None:
    async def trickle() -> AsyncIterator[bytes]:
        yield png()
        while True:
            await asyncio.sleep(0.05)
            yield b"\0"

    mock.routes["photos.example.com/slow.png"] = httpx.Response(200, headers={"Content-Type": "image/png"}, content=trickle())
    fetcher = downloader(mock, {"photos.example.com": PUBLIC}, timeout=0.5)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await fetcher.fetch("https://photos.example.com/slow.png") is None
    assert loop.time() - started < 2
    await fetcher.close()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (png(), "text/html"),  # image bytes, but announced as a page
        (b'{"AccessKeyId": "AKIA..."}', "application/json"),
        (b"<html>not an image</html>", "image/png"),  # announced as an image, but it is not
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
    ],
)
async def test_only_images_are_accepted(mock: Mock, body: bytes, content_type: str) -> None:
    mock.routes["photos.example.com/a.png"] = image(body, content_type)
    fetcher = downloader(mock, {"photos.example.com": PUBLIC})
    assert await fetcher.fetch("https://photos.example.com/a.png") is None
    await fetcher.close()


async def test_image_bytes_under_a_generic_binary_type_are_accepted(mock: Mock) -> None:
    mock.routes["photos.example.com/a"] = image(png(), "application/octet-stream")
    fetcher = downloader(mock, {"photos.example.com": PUBLIC})
    assert await fetcher.fetch("https://photos.example.com/a") == png()
    await fetcher.close()


# ---- a real server on 127.0.0.1 --------------------------------------------------------------


@dataclass
class Site:
    port: int
    hosts: list[str] = field(default_factory=list)  # Host headers of the requests it got


@pytest.fixture
async def local_site() -> AsyncIterator[Site]:
    site = Site(0)

    async def serve(request: web.Request) -> web.Response:
        site.hosts.append(request.headers.get("Host", ""))
        return web.Response(body=png(), content_type="image/png")

    app = web.Application()
    app.router.add_get("/a.png", serve)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    site.port = runner.addresses[0][1]
    yield site
    await runner.cleanup()


async def test_a_public_looking_name_resolving_to_loopback_is_refused(local_site: Site) -> None:
    url = f"http://images.example.com:{local_site.port}/a.png"
    fetcher = ImageDownloader(resolve=resolver({"images.example.com": "127.0.0.1"}))
    assert await fetcher.fetch(url) is None
    assert await fetcher.fetch(f"http://127.0.0.1:{local_site.port}/a.png") is None
    await fetcher.close()
    assert local_site.hosts == []  # the server on loopback was never reached


async def test_with_private_fetch_allowed_the_same_url_is_fetched(local_site: Site) -> None:
    url = f"http://images.example.com:{local_site.port}/a.png"
    fetcher = ImageDownloader(resolve=resolver({"images.example.com": "127.0.0.1"}), allow_private=True)
    assert await fetcher.fetch(url) == png()
    await fetcher.close()
    assert local_site.hosts == [f"images.example.com:{local_site.port}"]


# ---- end to end: a card still goes out --------------------------------------------------------


@pytest.fixture
def no_internet(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make sure nothing here asks real DNS (a refused fetch must not need it)."""
    from bot import guard

    async def refuse(host: str, port: int) -> list[str]:
        return await resolver({})(host, port)

    monkeypatch.setattr(guard, "system_resolve", refuse)
    yield


async def test_telegram_sends_the_card_as_text_when_the_image_is_on_a_private_address(
    tmp_path: Path, local_site: Site, no_internet: None
) -> None:
    from tests.test_telegram_app import running, until

    async with running(tmp_path) as b:  # HERALD_ALLOW_PRIVATE_FETCH left off
        b.tg.unreachable_image("http://127.0.0.1:*")
        await b.say(21, 21, "/subscribe")
        await b.publish("inward", "Inward image", image=f"http://127.0.0.1:{local_site.port}/a.png")
        await until(lambda: b.tg.sent_to(21) and "Inward image" in (b.tg.sent_to(21)[-1].plain_text or ""))
        assert b.tg.sent_to(21)[-1].method == "sendMessage"
        assert not [r for r in b.tg.requests if r.method == "sendPhoto" and r.files]  # nothing uploaded
    assert local_site.hosts == []


world = test_discord_app.world  # the fake Discord server and a bot to start


async def test_discord_sends_the_card_without_downloading_an_image_on_a_private_address(
    world: test_discord_app.World, local_site: Site, no_internet: None
) -> None:
    bot = await world.start(attach_hosts=("127.0.0.1",))  # HERALD_ALLOW_PRIVATE_FETCH left off
    await world.command("subscribe", user=test_discord_app.MOD)
    url = f"http://127.0.0.1:{local_site.port}/a.png"
    test_discord_app.post(world.content, "inward.md", title="Inward image", thumbnail=url)
    await bot.herald.index.scan()
    await test_discord_app.eventually(lambda: len(world.fake.messages) == 1)
    [message] = world.fake.messages
    assert message["attachments"] == {}  # not downloaded: left as a link for Discord's own proxy
    assert message["payload"]["embeds"][0]["title"] == "Inward image"
    assert local_site.hosts == []
