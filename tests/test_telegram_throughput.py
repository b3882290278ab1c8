"""Configurable Telegram throughput: HERALD_TELEGRAM_RATE sets the overall rate, and
HERALD_TELEGRAM_PAID_BROADCAST sends broadcasts with `allow_paid_broadcast` at up to 1,000
messages a second (command replies stay free). Against the fake Bot API over real HTTP; the fake
answers like Telegram: 429 past 30 sends a second without the flag, past 1,000 with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot
from telegram.error import RetryAfter

from adapters.telegram import platform as telegram_platform
from adapters.telegram.rates import HEADROOM, PAID_RATE
from bot.app import Herald, build
from bot.cli import main
from bot.reference import config_table
from bot.serve import serve
from bot.settings import Settings
from bot.store.subscriptions import subscribe
from tests.fakes import FakeLimits, FakeTelegram
from tests.test_telegram_app import ADMIN, post, running, until

pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*")

IMAGE = "https://img.example.com/wide.png"


class Clock:
    """A monotonic clock the test moves by hand: no time passes unless the test says so."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def carries_flag(params: dict[str, Any]) -> bool:
    """Tell whether a request's parameters carry `allow_paid_broadcast: true` (JSON or form)."""
    return str(params.get("allow_paid_broadcast", "")).lower() == "true"


def sends(tg: FakeTelegram, chat: int | str) -> list[Any]:
    """Return every send request (accepted or not) made to one chat (by id or @name)."""
    return [r for r in tg.requests if r.method in ("sendMessage", "sendPhoto") and r.params.get("chat_id") == str(chat)]


# -- the fake answers like Telegram ----------------------------------------------------------


async def _send_to_many(bot: Bot, chats: range, **kw: Any) -> None:
    await asyncio.gather(*(bot.send_message(chat, "news", **kw) for chat in chats))


async def test_the_fake_allows_30_a_second_without_the_flag_and_1000_with_it() -> None:
    clock = Clock()
    fake = FakeTelegram(clock=clock)
    for chat in range(1, 1202):
        fake.add_chat(chat, type="private")
    async with fake, Bot(fake.token, base_url=fake.base_url) as bot:
        await _send_to_many(bot, range(1, 31))
        with pytest.raises(RetryAfter):  # the 31st in the same second, each to a different chat
            await bot.send_message(31, "one too many")
        clock.t += 1.0
        await _send_to_many(bot, range(100, 130))  # a second later the free 30 are back
        clock.t += 1.0
        for start in range(200, 1200, 100):  # paid: 1,000 in the same second
            await _send_to_many(bot, range(start, start + 100), allow_paid_broadcast=True)
        with pytest.raises(RetryAfter):
            await bot.send_message(1200, "over a thousand", allow_paid_broadcast=True)
        with pytest.raises(RetryAfter):  # the 1,000 a second hold for unpaid sends too
            await bot.send_message(1201, "free")
        clock.t += 1.0
        assert await bot.send_message(1201, "free again")
        assert await bot.send_message(1200, "paid again", allow_paid_broadcast=True)
    assert fake.flood.paid == 1001
    assert fake.errors == []


async def test_the_flag_lifts_only_the_overall_limit_not_the_per_chat_one() -> None:
    clock = Clock()
    fake = FakeTelegram(clock=clock)
    fake.add_chat(7, type="private")
    async with fake, Bot(fake.token, base_url=fake.base_url) as bot:
        for _ in range(3):  # the burst one chat tolerates
            await bot.send_message(7, "hi", allow_paid_broadcast=True)
        with pytest.raises(RetryAfter):
            await bot.send_message(7, "too fast for one chat", allow_paid_broadcast=True)


# -- Herald: broadcasts carry the flag, replies do not ---------------------------------------


@pytest.mark.parametrize("paid", [True, False])
async def test_paid_broadcasts_carry_the_flag_and_replies_never_do(tmp_path: Path, paid: bool) -> None:
    channels = ("telegram:@news",)
    async with running(tmp_path, posts=2, channels=channels, telegram_paid_broadcast=paid) as b:
        tg = b.tg
        news = tg.add_chat("@news", type="channel").id
        group = -4005
        tg.add_chat(group, type="group", admins={7})
        readers = list(range(300, 320))
        for reader in readers:
            tg.add_chat(reader, type="private")
            await subscribe(b.herald.sessions, "telegram", str(reader), "private", [], "en", b.herald.clock.now())
        await b.say(group, 7, "/subscribe", chat_type="group")  # a reply, then a subscriber
        (listing,) = await b.say(ADMIN, ADMIN, "/latest")
        await b.publish("fresh", "Fresh news", image=IMAGE, day=20)  # a photo: by URL once, then by file id
        await b.publish("plain", "Plain words", image=None, day=21)  # a text message
        targets: list[int | str] = [*readers, group, "@news"]
        await until(lambda: all(len(tg.sent_to(t)) >= (3 if t == group else 2) for t in [*readers, group, news]))
        (read,) = await b.say(ADMIN, ADMIN, "/start")
        broadcasts = [r for t in targets for r in sends(tg, t) if r.status == 200]
        broadcasts = [r for r in broadcasts if "Subscribed" not in str(r.params.get("text", ""))]
        assert len(broadcasts) == 2 * len(targets)
        assert all(carries_flag(r.params) == paid for r in broadcasts)
        assert {r.method for r in broadcasts} == {"sendPhoto", "sendMessage"}
        replies = sends(tg, ADMIN) + [r for r in sends(tg, group) if r not in broadcasts]
        assert len(replies) >= 3 and not any(carries_flag(r.params) for r in replies)
        assert listing.plain_text and read.plain_text
        assert tg.flood.paid == (len(broadcasts) if paid else 0)


@asynccontextmanager
async def herald_with_own_limits(tmp_path: Path, tg: FakeTelegram, **settings: Any) -> AsyncIterator[Herald]:
    """Run Herald with Telegram at the limits it chooses from its settings (not scaled ones)."""
    content = tmp_path / "content"
    content.mkdir()
    config = Settings(
        _env_file=None, content_dir=content, database_url=f"sqlite:///{tmp_path / 'herald.db'}",
        telegram_token=tg.token, telegram_api_url=tg.base_url, http_port=0, scan_interval=3600,
        **settings,
    )  # fmt: skip
    herald = await build(config, platforms={"telegram": telegram_platform})
    stop = asyncio.Event()
    task = asyncio.create_task(serve(herald, stop))
    try:
        await until(lambda: herald.runtimes[0].connected or task.done())
        yield herald
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
        await herald.close()


async def test_paid_broadcasts_are_not_held_to_the_free_overall_limit(tmp_path: Path) -> None:
    """Herald at the limits it picks for paid broadcasts (980 a second) against a fake whose free
    limit is 5 a second: 120 readers get the card with no 429, since every send carries the flag.
    (Without the flag the fake answers 429 past the free limit: see the first test above.)"""
    readers = range(500, 620)
    async with FakeTelegram(limits=FakeLimits(global_per_second=5.0)) as tg:
        for reader in readers:
            tg.add_chat(reader, type="private")
        async with herald_with_own_limits(tmp_path, tg, telegram_paid_broadcast=True) as herald:
            for reader in readers:
                await subscribe(herald.sessions, "telegram", str(reader), "private", [], "en", herald.clock.now())
            post(herald.settings.content_dir, "wide", "Wide news", image=None)
            await herald.index.scan()
            await until(lambda: all(tg.sent_to(r) for r in readers), timeout=60)
        assert all(len(tg.sent_to(r)) == 1 for r in readers)
        assert (tg.too_many, tg.flood.paid) == (0, len(readers))
        assert tg.errors == []


# -- configuration -------------------------------------------------------------------------


async def _limits(tmp_path: Path, **settings: Any) -> tuple[float, float, float]:
    """Build Herald with Telegram (nothing connects) and return the rates its limiter applies:
    overall, per private chat, per group."""
    config = Settings(
        _env_file=None,
        content_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'herald.db'}",
        telegram_token="123456:TEST-token",
        telegram_api_url="http://127.0.0.1:9/bot",
        http_port=0,
        **settings,
    )
    herald = await build(config, platforms={"telegram": telegram_platform})
    try:
        limits = herald.delivery.limiter("telegram").limits
        return limits.overall.count / limits.overall.per, limits.per_channel.count, limits.for_class("group").count
    finally:
        await herald.close()


@pytest.mark.parametrize(
    ("settings", "overall"),
    [
        ({}, 30.0),
        ({"telegram_rate": 12}, 12.0),
        ({"telegram_rate": 250}, 250.0),
        ({"telegram_paid_broadcast": True}, PAID_RATE),
        ({"telegram_paid_broadcast": True, "telegram_rate": 12}, PAID_RATE),
    ],
)
async def test_the_configured_rate_is_the_limiters_overall_rate(
    tmp_path: Path, settings: dict[str, Any], overall: float
) -> None:
    got, per_chat, per_group = await _limits(tmp_path, **settings)
    assert got == pytest.approx(overall * (1 - HEADROOM))
    assert (per_chat, per_group) == (1, 20)  # per-chat limits never change


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HERALD_TELEGRAM_RATE", "0"),
        ("HERALD_TELEGRAM_RATE", "1001"),
        ("HERALD_TELEGRAM_RATE", "fast"),
        ("HERALD_TELEGRAM_RATE", "nan"),
        ("HERALD_TELEGRAM_PAID_BROADCAST", "maybe"),
    ],
)
def test_invalid_values_are_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    assert main(["config"]) == 2
    assert f"{name}:" in capsys.readouterr().err


def test_the_environment_sets_both(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERALD_TELEGRAM_RATE", "45.5")
    monkeypatch.setenv("HERALD_TELEGRAM_PAID_BROADCAST", "true")
    settings = Settings(_env_file=None)
    assert (settings.telegram_rate, settings.telegram_paid_broadcast) == (45.5, True)


def test_the_reference_says_what_each_does_and_what_it_costs() -> None:
    rows = {line.split("|")[1].strip(): line for line in config_table().splitlines() if line.startswith("| `")}
    rate = rows["`HERALD_TELEGRAM_RATE`"]
    assert "per second" in rate and "`30`" in rate and "429" in rate
    paid = rows["`HERALD_TELEGRAM_PAID_BROADCAST`"]
    assert "allow_paid_broadcast" in paid and "1,000" in paid and "`false`" in paid
    assert "0.1 Telegram Stars per message beyond the free 30 per second" in paid
