"""`herald subscription TARGET [COMMAND ARGS…]`: a chat's filters, digest and card settings from the
shell, through the chat commands' own handlers (same bounds, same refusals, exit 2 on a refusal)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.filters import FilterRule
from bot.store.engine import create_engine, session_factory
from bot.store.migrate import upgrade
from bot.store.subscriptions import SubscriptionState, get_subscription, subscribe

CHAT = "-1001234"


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database where one Telegram group subscribed, and the env to find it."""
    url = f"sqlite:///{tmp_path / 'herald.db'}"
    (tmp_path / "content").mkdir()
    for key, value in {"HERALD_CONTENT_DIR": str(tmp_path / "content"), "HERALD_DATABASE_URL": url,
                       "HERALD_TIMEZONE": "Europe/Berlin", "HERALD_HTTP_PORT": "0"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)

    async def seed() -> None:
        await upgrade(url)
        engine = create_engine(url)
        await subscribe(session_factory(engine), "telegram", CHAT, "group", [], "en", datetime.now(UTC))
        await engine.dispose()

    asyncio.run(seed())
    return url


def state(url: str) -> SubscriptionState:
    async def read() -> SubscriptionState | None:
        engine = create_engine(url)
        try:
            return await get_subscription(session_factory(engine), "telegram", CHAT)
        finally:
            await engine.dispose()

    found = asyncio.run(read())
    assert found is not None
    return found


def test_filters_digest_and_settings_are_set_from_the_shell(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["subscription", f"telegram:{CHAT}", "filter", "+python", "-sponsored", "/rust(lang)?/"]) == 0
    assert "+python" in capsys.readouterr().out
    assert main(["subscription", f"telegram:{CHAT}", "digest", "weekly", "mon", "08:00"]) == 0
    assert "08:00" in capsys.readouterr().out
    assert main(["subscription", f"telegram:{CHAT}", "settings", "silent", "on", "length", "title"]) == 0
    capsys.readouterr()
    got = state(url)
    assert set(got.filters) == {FilterRule("python"), FilterRule("sponsored", exclude=True),
                                FilterRule("rust(lang)?", regex=True)}  # fmt: skip
    assert got.digest is not None and (got.digest.every, got.digest.weekday, got.digest.time) == ("weekly", 0, "08:00")
    assert got.digest_next_at is not None and got.digest_next_at.weekday() == 0
    assert got.style.silent and got.style.length == "title"
    assert main(["subscription", f"telegram:{CHAT}"]) == 0  # /subscriptions by default
    shown = capsys.readouterr().out
    assert "+python" in shown and "08:00" in shown


def test_refusals_exit_2_and_change_nothing(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["subscription", f"telegram:{CHAT}", "filter", "/(a/"]) == 2
    assert "not valid" in capsys.readouterr().err
    assert main(["subscription", f"telegram:{CHAT}", "filter", *[f"+w{i}" for i in range(21)]]) == 2
    assert main(["subscription", f"telegram:{CHAT}", "digest", "daily", "25:00"]) == 2
    assert main(["subscription", "telegram:999", "filter", "+x"]) == 2  # never subscribed
    assert "subscribe" in capsys.readouterr().err.lower()
    assert main(["subscription", f"telegram:{CHAT}", "unsubscribe"]) == 2  # only the option commands
    assert main(["subscription", "not a target", "filter", "+x"]) == 2
    got = state(url)
    assert got.filters == () and got.digest is None and not got.style.silent
