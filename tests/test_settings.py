"""Configuration sources: environment over .env over herald.toml; tokens never from herald.toml."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("HERALD_SITE_URL", "HERALD_TELEGRAM_TOKEN", "HERALD_CHANNELS", "HERALD_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_herald_toml_is_read_but_never_for_tokens(folder: Path) -> None:
    (folder / "herald.toml").write_text(
        'site_url = "https://toml.example"\ntelegram_token = "123456:from-toml"\nchannels = ["telegram:@news"]\n',
        encoding="utf-8",
    )
    settings = Settings()
    assert settings.site_url == "https://toml.example"
    assert settings.channels == ("telegram:@news",)
    assert settings.telegram_token is None


def test_environment_wins_over_dotenv_which_wins_over_toml(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (folder / "herald.toml").write_text('site_url = "https://toml.example"\ntimezone = "Asia/Tokyo"\n')
    (folder / ".env").write_text("HERALD_SITE_URL=https://dotenv.example\nHERALD_TIMEZONE=Europe/Paris\n")
    monkeypatch.setenv("HERALD_TIMEZONE", "Asia/Shanghai")
    settings = Settings()
    assert settings.site_url == "https://dotenv.example"
    assert settings.timezone == "Asia/Shanghai"


def test_comma_lists_and_a_clear_error_for_a_bad_zone(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERALD_CHANNELS", " telegram:@a , discord:42 ,")
    assert Settings().channels == ("telegram:@a", "discord:42")
    monkeypatch.setenv("HERALD_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValidationError, match="IANA"):
        Settings()
