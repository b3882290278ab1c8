"""What Herald promises under faults, seen from outside: `/healthz` of a running `herald`
(`bot.app.build` + `serve`, its own HealthServer on a real port) with the real PTB application
against the fake Bot API server.

- Telegram unreachable for longer than the runtime's `unreachable_after` → 503 naming it, 200 again
  once it is back, without a restart.
- A second process polling the same token → 503 with the reason, one ERROR log line per episode,
  cleared when the conflicts stop.
- A group upgraded to a supergroup: the service message moves the subscription at once.
- A configured channel the bot cannot post in: disabled at start with what is missing, the admin
  told once, shown in /stats and /metrics, kept disabled across restarts until it is fixed.
- The health server binds 127.0.0.1 unless HERALD_HTTP_HOST says otherwise; its reasons never
  name database hosts, users, names or passwords.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest

from adapters.telegram import platform as telegram_platform
from adapters.telegram.rates import TELEGRAM_RATES
from adapters.telegram.runtime import create_runtime
from bot.app import Herald, build
from bot.health import HealthServer, database_and_platforms_check
from bot.metrics import Metrics
from bot.platform import PlatformSpec
from bot.serve import serve
from bot.settings import Settings
from bot.store.engine import create_engine, session_factory
from bot.store.subscriptions import get_subscription, subscribe
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_limits import FakeLimits
from tests.test_telegram_app import ADMIN, LENIENT, SCALE, post, until

TOKEN_SECRET = "TEST-token"


def free_port(host: str = "127.0.0.1") -> int:
    """Return a port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class Running:
    """A running Herald with Telegram and its health server, plus the fake Bot API."""

    def __init__(self, herald: Herald, tg: FakeTelegram, port: int, task: asyncio.Task[None]) -> None:
        self.herald, self.tg, self.port, self.task = herald, tg, port, task

    @property
    def runtime(self) -> Any:
        return self.herald.runtimes[0]

    async def healthz(self) -> tuple[int, dict[str, Any]]:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{self.port}/healthz", timeout=10)
        return response.status_code, response.json()

    async def metrics(self) -> str:
        async with httpx.AsyncClient() as client:
            return (await client.get(f"http://127.0.0.1:{self.port}/metrics", timeout=10)).text

    async def until_health(self, status: int, timeout: float = 20.0) -> dict[str, Any]:
        """Poll /healthz until it answers `status`; return that body."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            code, body = await self.healthz()
            if code == status:
                return body
            if loop.time() > end:
                raise AssertionError(f"/healthz stayed {code} {body}, expected {status}")
            await asyncio.sleep(0.1)


@asynccontextmanager
async def herald_on(tg: FakeTelegram, tmp_path: Path, *, channels: tuple[str, ...] = (),
                    telegram_webhook_url: str | None = None, **runtime: Any) -> AsyncIterator[Running]:
    """Run Herald (Telegram only) against `tg` with its health server on a free port."""
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    port = free_port()
    config = Settings(
        _env_file=None,
        content_dir=content,
        database_url=f"sqlite:///{tmp_path / 'herald.db'}",
        telegram_token=tg.token,
        telegram_api_url=tg.base_url,
        http_port=port,
        admins=(f"telegram:{ADMIN}",),
        channels=channels,
        scan_interval=3600,
        telegram_webhook_url=telegram_webhook_url,
    )
    spec = PlatformSpec(
        name="telegram",
        render_summary=telegram_platform.render_summary,
        render_article=telegram_platform.render_article,
        enabled=telegram_platform.enabled,
        create_runtime=lambda s, core: create_runtime(
            s, core, limits=TELEGRAM_RATES.scaled(SCALE), flood=LENIENT, **runtime),
    )
    herald = await build(config, platforms={"telegram": spec})
    stop = asyncio.Event()
    task = asyncio.create_task(serve(herald, stop))
    try:
        await until(lambda: herald.runtimes[0].connected or task.done())
        if task.done():
            task.result()
        running = Running(herald, tg, port, task)
        await running.until_health(200, timeout=10)
        yield running
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
        await herald.close()


def _leaks(text: str, tg: FakeTelegram) -> list[str]:
    return [secret for secret in (tg.token, TOKEN_SECRET, "127.0.0.1", str(tg.port)) if secret in text]


# -- item 10: an unreachable Telegram is reported, and recovers without a restart --------------


async def test_telegram_unreachable_turns_healthz_503_after_the_grace_and_200_when_back(tmp_path: Path) -> None:
    async with FakeTelegram(limits=FakeLimits().scaled(SCALE)) as tg:
        tg.add_chat(ADMIN, type="private")
        async with herald_on(tg, tmp_path, unreachable_after=1.5) as h:
            status, body = await h.healthz()
            assert (status, body["checks"]["telegram"]) == (200, "connected")
            port = tg.port
            await tg.stop()  # the Bot API is gone: connections are refused
            status, body = await h.healthz()
            assert status == 200  # a blip shorter than the grace is not an outage
            body = await h.until_health(503, timeout=15)
            assert body["reason"].startswith("telegram: Bot API unreachable for ")
            assert body["checks"]["database"] == "ok"
            assert _leaks(str(body), tg) == []
            await tg.start(port=port)  # back on the same address
            body = await h.until_health(200, timeout=30)
            assert body["checks"]["telegram"] == "connected"
            assert h.runtime.connected


# -- item 12: a second process on the token is an error ------------------------------------


async def test_a_second_poller_on_the_token_is_503_and_one_error_then_clears(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with FakeTelegram(limits=FakeLimits().scaled(SCALE)) as tg:
        tg.add_chat(ADMIN, type="private")
        async with herald_on(tg, tmp_path, conflict_quiet=2.0) as h:
            url = f"{tg.base_url}{tg.token}/getUpdates"

            async def other_process(seconds: float) -> None:
                """Poll like a second `herald run` would, for a while."""
                loop = asyncio.get_running_loop()
                end = loop.time() + seconds
                async with httpx.AsyncClient(timeout=10) as client:
                    while loop.time() < end:
                        await client.post(url, json={"timeout": 1})

            intruder = asyncio.create_task(other_process(6.0))
            body = await h.until_health(503, timeout=10)
            assert body["reason"] == "telegram: another process is polling with this bot token"
            await until(lambda: h.runtime.watch.conflicts >= 2, timeout=15)
            await intruder
            body = await h.until_health(200, timeout=15)
            assert body["checks"]["telegram"] == "connected"
        conflicts = [r for r in tg.requests if r.method == "getUpdates" and r.status == 409]
        assert len(conflicts) >= 2
    errors = [r for r in caplog.records if "another process is polling" in r.getMessage()]
    assert [r.levelname for r in errors] == ["ERROR"]  # once per episode, not once per poll
    assert "Conflict: terminated" not in caplog.text  # no per-poll warning either


async def test_a_webhook_set_by_another_process_is_named_in_healthz(tmp_path: Path) -> None:
    async with FakeTelegram(limits=FakeLimits().scaled(SCALE)) as tg:
        tg.add_chat(ADMIN, type="private")
        async with herald_on(tg, tmp_path, conflict_quiet=1.0) as h:
            async with httpx.AsyncClient(timeout=10) as client:
                url = f"{tg.base_url}{tg.token}"
                await client.post(f"{url}/setWebhook", json={"url": "https://elsewhere.example.com/hook"})
                tg.command(ADMIN, ADMIN, "/start")  # ends the pending poll; the next one is refused
                body = await h.until_health(503, timeout=10)
                assert body["reason"].startswith("telegram: a webhook is set for this bot token")
                await client.post(f"{url}/deleteWebhook", json={})
            await h.until_health(200, timeout=30)


async def test_in_webhook_mode_a_poller_deleting_the_webhook_is_reported_until_it_is_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeTelegram(limits=FakeLimits().scaled(SCALE)) as tg:
        tg.add_chat(ADMIN, type="private")
        hook = "https://bot.example.com/tg-hook"
        async with herald_on(tg, tmp_path, telegram_webhook_url=hook, webhook_check=0.2,
                             webhook_listen=("127.0.0.1", 0)) as h:
            assert tg.webhook is not None and tg.webhook["url"] == hook
            async with httpx.AsyncClient(timeout=10) as client:
                url = f"{tg.base_url}{tg.token}"
                await client.post(f"{url}/deleteWebhook", json={})  # what a second `herald run` does first
                body = await h.until_health(503, timeout=10)
                assert body["reason"].startswith("telegram: the webhook no longer points here")
                await asyncio.sleep(0.5)  # several more checks: still one ERROR
                await client.post(f"{url}/setWebhook", json={"url": hook})
            await h.until_health(200, timeout=10)
    errors = [r for r in caplog.records if "webhook no longer points here" in r.getMessage()]
    assert [r.levelname for r in errors] == ["ERROR"]


async def test_the_fake_answers_409_to_the_older_of_two_overlapping_polls() -> None:
    async with FakeTelegram() as tg:
        url = f"{tg.base_url}{tg.token}/getUpdates"
        async with httpx.AsyncClient(timeout=10) as client:
            first = asyncio.create_task(client.post(url, json={"timeout": 5}))
            await until(lambda: tg.updates.current is not None)
            second = await asyncio.wait_for(client.post(url, json={"timeout": 0}), 5)
            older = await asyncio.wait_for(first, 5)
        assert second.status_code == 200
        assert older.status_code == 409
        assert older.json()["description"].startswith("Conflict: terminated by other getUpdates request")


# -- small items: a migrated group and refusal texts ---------------------------------------


async def test_a_group_upgrade_message_moves_the_subscription_before_any_send(tmp_path: Path) -> None:
    async with FakeTelegram(limits=FakeLimits().scaled(SCALE)) as tg:
        tg.add_chat(ADMIN, type="private")
        async with herald_on(tg, tmp_path) as h:
            sessions = h.herald.sessions
            tg.add_chat(-4004, type="group", title="Readers", admins={7})
            await subscribe(sessions, "telegram", "-4004", "group", ["World"], "en", h.herald.clock.now())
            tg.migrate(-4004, -1004004)
            tg.push_update({"message": {
                "message_id": 9, "date": 0, "chat": {"id": -4004, "type": "group", "title": "Readers"},
                "from": {"id": 7, "is_bot": False, "first_name": "Mod"}, "migrate_to_chat_id": -1004004}})

            async def moved() -> Any:
                return await get_subscription(sessions, "telegram", "-1004004")

            async with asyncio.timeout(10):
                while (state := await moved()) is None:
                    await asyncio.sleep(0.05)
            assert state.active and state.categories == ("World",)
            assert await get_subscription(sessions, "telegram", "-4004") is None
            assert not [r for r in tg.requests if r.params.get("chat_id") in (-4004, "-4004")]


async def test_a_blocked_chat_is_disabled_with_the_refusal_said_once(tmp_path: Path) -> None:
    async with FakeTelegram(limits=FakeLimits().scaled(SCALE)) as tg:
        tg.add_chat(ADMIN, type="private")
        tg.add_chat(4242, type="private")
        async with herald_on(tg, tmp_path) as h:
            sessions = h.herald.sessions
            await subscribe(sessions, "telegram", "4242", "private", [], "en", h.herald.clock.now())
            tg.block(4242)
            post(h.herald.content.root, "fresh", "Fresh news")
            await h.herald.index.scan()

            async with asyncio.timeout(15):
                while (state := await get_subscription(sessions, "telegram", "4242")).active:
                    await asyncio.sleep(0.05)
        assert state.reason == "Forbidden: bot was blocked by the user"


# -- item 16: configured channels the bot cannot post in -----------------------------------


async def _stats(h: Running) -> str:
    before = len(h.tg.sent_to(ADMIN))
    h.tg.command(ADMIN, ADMIN, "/stats")
    await until(lambda: len(h.tg.sent_to(ADMIN)) > before)
    return h.tg.sent_to(ADMIN)[-1].plain_text


async def test_a_configured_channel_without_post_rights_is_disabled_told_and_kept_disabled(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeTelegram(limits=FakeLimits().scaled(SCALE)) as tg:
        tg.add_chat(ADMIN, type="private")
        news = tg.add_chat("@herald_news", type="channel", title="News", bot_can_post=False)
        channels = ("telegram:@herald_news",)
        async with herald_on(tg, tmp_path, channels=channels) as h:
            told = await until(lambda: [m for m in tg.sent_to(ADMIN) if "@herald_news" in m.plain_text])
            assert "Post Messages" in told[0].plain_text
            state = await get_subscription(h.herald.sessions, "telegram", "@herald_news")
            assert state is not None and not state.active and "Post Messages" in (state.reason or "")
            stats = await _stats(h)
            assert "Disabled channels (1)" in stats and "telegram:@herald_news" in stats
            assert "Post Messages" in stats
            assert 'herald_targets_disabled{platform="telegram"} 1.0' in await h.metrics()
        warnings = [r for r in caplog.records if "@herald_news" in r.getMessage() and r.levelname == "WARNING"]
        assert warnings and "Post Messages" in warnings[0].getMessage()

        # Restarted, still without rights: still disabled, nothing sent there, the admin not told again.
        notices = len(tg.sent_to(ADMIN))
        async with herald_on(tg, tmp_path, channels=channels) as h:
            post(h.herald.content.root, "fresh", "Fresh news")
            await h.herald.index.scan()
            await asyncio.sleep(1.0)
            state = await get_subscription(h.herald.sessions, "telegram", "@herald_news")
            assert state is not None and not state.active
            assert len(tg.sent_to(ADMIN)) == notices
            assert tg.sent_to(news.id) == []
            assert not [r for r in tg.requests if r.method.startswith("send") and r.params.get("chat_id") == "@herald_news"]

        # Given the right to post, the next start enables it again.
        news.bot_can_post = True
        async with herald_on(tg, tmp_path, channels=channels) as h:
            async with asyncio.timeout(10):
                while not (await get_subscription(h.herald.sessions, "telegram", "@herald_news")).active:
                    await asyncio.sleep(0.05)
            assert "Disabled channels" not in await _stats(h)


# -- item 17: where the health server listens, and what its reasons never say ---------------


async def test_herald_listens_on_loopback_only_by_default(tmp_path: Path) -> None:
    async with FakeTelegram(limits=FakeLimits().scaled(SCALE)) as tg:
        tg.add_chat(ADMIN, type="private")
        async with herald_on(tg, tmp_path) as h:
            assert Settings(_env_file=None).http_host == "127.0.0.1"
            listening = _listeners(h.port)
            assert listening == {"127.0.0.1"}
            # 127.0.0.2 is another local address: a server bound to every interface answers there.
            with pytest.raises(httpx.ConnectError):
                async with httpx.AsyncClient() as client:
                    await client.get(f"http://127.0.0.2:{h.port}/healthz", timeout=5)


async def test_herald_http_host_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERALD_HTTP_HOST", "127.0.0.2")
    settings = Settings(_env_file=None)
    assert settings.http_host == "127.0.0.2"

    async def healthy() -> Any:
        from bot.health import HealthStatus

        return HealthStatus(ok=True, checks={"database": "ok"})

    port = free_port("127.0.0.2")
    server = HealthServer(port, host=settings.http_host, check=healthy, metrics=Metrics())
    await server.start()
    try:
        assert _listeners(port) == {"127.0.0.2"}
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"http://127.0.0.2:{port}/healthz", timeout=5)).status_code == 200
            with pytest.raises(httpx.ConnectError):
                await client.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    finally:
        await server.stop()


def _listeners(port: int) -> set[str]:
    """Return the local addresses with a TCP socket listening on `port` (from /proc/net/tcp)."""
    found: set[str] = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, _, hex_port = local.partition(":")
        if state == "0A" and int(hex_port, 16) == port:
            octets = [str(int(address[i : i + 2], 16)) for i in range(0, 8, 2)]
            found.add(".".join(reversed(octets)))
    return found


async def test_healthz_names_the_database_but_no_url_host_user_or_password() -> None:
    port = free_port()
    url = f"postgresql://herald_user:s3cretpw@127.0.0.1:{port}/herald_prod_db"
    engine = create_engine(url)
    server = HealthServer(0, check=database_and_platforms_check(session_factory(engine)), metrics=Metrics())
    await server.start()
    try:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{server.bound_port}/healthz") as response:
            status, text = response.status, await response.text()
            body = await response.json()
    finally:
        await server.stop()
        await engine.dispose()
    assert status == 503
    assert body["reason"] == "database: connection refused"
    for secret in ("s3cretpw", "herald_user", "herald_prod_db", "127.0.0.1", str(port), "postgresql"):
        assert secret not in text
