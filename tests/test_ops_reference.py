"""The configuration reference is generated from Settings, so README and .env.example cannot drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.reference import (
    END_MARKER,
    START_MARKER,
    config_table,
    effective_config,
    format_effective_config,
    main,
    readme_block,
    render_env_example,
    rewrite_readme,
)
from bot.settings import SECRET_FIELDS, Settings

REPO = Path(__file__).resolve().parents[1]
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def readme_section(text: str) -> str | None:
    """Return what lies between the CONFIG markers, or None when they are missing."""
    start = text.find(START_MARKER)
    end = text.find(END_MARKER, start + 1) if start >= 0 else -1
    if start < 0 or end < 0:
        return None
    return text[start + len(START_MARKER) : end]


def test_readme_holds_the_generated_configuration_table() -> None:
    section = readme_section((REPO / "README.md").read_text(encoding="utf-8"))
    assert section is not None, f"README.md lacks {START_MARKER} … {END_MARKER}"
    assert section == readme_block(), "README is stale: run `python -m bot.reference --readme README.md`"


def test_env_example_is_the_generated_one() -> None:
    assert (REPO / ".env.example").read_text(encoding="utf-8") == render_env_example(), (
        "run `python -m bot.reference --env-example > .env.example`"
    )


def test_every_setting_is_documented_with_its_default() -> None:
    table = config_table()
    for name, info in Settings.model_fields.items():
        assert info.description, f"Settings.{name} has no description: the reference would be blank"
        assert f"`HERALD_{name.upper()}`" in table
    assert "| `HERALD_HTTP_PORT` | Health and metrics server port; 0 disables. | `8080` |" in table
    assert "| `HERALD_TELEGRAM_TOKEN` | Telegram bot token; enables Telegram. | unset |" in table
    assert "| `HERALD_AUTO_PUBLISH` |" in table and "| `true` |" in table


def test_env_example_values_parse_back_to_the_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Uncommenting every line of .env.example must change nothing.
    for name in Settings.model_fields:
        monkeypatch.delenv(f"HERALD_{name.upper()}", raising=False)
    monkeypatch.chdir(tmp_path)
    lines = [line[2:] for line in render_env_example().splitlines() if line.startswith("# HERALD_")]
    (tmp_path / ".env").write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = Settings()
    for name, info in Settings.model_fields.items():
        if name in SECRET_FIELDS:
            assert getattr(loaded, name) is None or getattr(loaded, name).get_secret_value() == ""
        elif info.default is None:
            assert getattr(loaded, name) in (None, "")
        else:
            assert getattr(loaded, name) == info.default, name


def test_effective_config_never_shows_any_part_of_a_token_or_password() -> None:
    settings = Settings(
        telegram_token=TOKEN,
        discord_token="MTA4NzY1NDMyMTA5ODc2NTQzMg.GhIjKl.mnopqrstuvwxyz0123456789ABCDEFGHIJ",
        database_url="postgresql://herald:hunter2pw@db:5432/herald",
        channels="telegram:@news,discord:42",
    )
    rows = dict(effective_config(settings))
    assert rows["HERALD_TELEGRAM_TOKEN"] == "set"
    assert rows["HERALD_DISCORD_TOKEN"] == "set"
    assert rows["HERALD_DATABASE_URL"] == "postgresql://herald:***@db:5432/herald"
    assert rows["HERALD_CHANNELS"] == "telegram:@news,discord:42"
    shown = format_effective_config(settings)
    for secret in (TOKEN, settings.discord_token.get_secret_value(), "hunter2pw"):
        for piece in (secret[-4:], secret[:6]):
            assert piece not in shown
    assert set(rows) == {f"HERALD_{name.upper()}" for name in Settings.model_fields}


def test_effective_config_says_unset_for_missing_tokens() -> None:
    rows = dict(effective_config(Settings(telegram_token=None, discord_token=None)))
    assert rows["HERALD_TELEGRAM_TOKEN"] == "unset"
    assert rows["HERALD_DISCORD_TOKEN"] == "unset"


def test_rewriting_a_readme_replaces_only_the_marked_section() -> None:
    stale = f"# Title\n\n{START_MARKER}\nold table\n{END_MARKER}\n\n## Next\n"
    fresh = rewrite_readme(stale)
    assert fresh.startswith("# Title\n\n")
    assert fresh.endswith(f"{END_MARKER}\n\n## Next\n")
    assert "old table" not in fresh
    assert readme_section(fresh) == readme_block()
    assert rewrite_readme(fresh) == fresh


def test_a_readme_with_only_the_opening_marker_gets_the_closing_one() -> None:
    fresh = rewrite_readme(f"intro\n{START_MARKER}\n\n## Chat commands\n")
    assert readme_section(fresh) == readme_block()
    assert fresh.endswith(f"{END_MARKER}\n\n## Chat commands\n")


def test_script_rewrites_a_readme_in_place_and_prints_env_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Herald\n{START_MARKER}\n", encoding="utf-8")
    assert main(["--readme", str(readme)]) == 0
    assert readme_section(readme.read_text(encoding="utf-8")) == readme_block()
    assert main(["--env-example"]) == 0
    assert capsys.readouterr().out.endswith(render_env_example())


def test_script_refuses_a_readme_without_markers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Herald\n", encoding="utf-8")
    assert main(["--readme", str(readme)]) == 2
    assert START_MARKER in capsys.readouterr().err
    assert readme.read_text(encoding="utf-8") == "# Herald\n"
