"""The `herald` command line contracts of DESIGN.md: preview, check, config and help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

SEED = "content/新媒体/观察者网/首页/拜登向乌克兰总统_打包票_.md"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("HERALD_TELEGRAM_TOKEN", "HERALD_DISCORD_TOKEN", "HERALD_SITE_URL", "HERALD_CONTENT_DIR"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(("platform", "methods"), [("telegram", {"sendPhoto"}), ("discord", {"create_message"})])
def test_preview_json_is_one_object_per_article(platform: str, methods: set[str], capsys) -> None:
    assert main(["preview", str(REPO / SEED), "--json", "--platform", platform]) == 0
    [line] = capsys.readouterr().out.splitlines()
    data = json.loads(line)
    assert set(data) == {"article", "requests"}
    article = data["article"]
    assert set(article) == {"id", "key", "title", "date", "author", "categories", "tags", "thumbnail", "url"}
    assert article["title"] == "拜登向乌克兰总统_打包票_"
    assert article["date"] == "2022-01-03T09:56:49+00:00"
    assert article["categories"] == ["新媒体", "观察者网", "首页"]
    assert {r["method"] for r in data["requests"]} == methods
    assert all(set(r) == {"method", "params"} for r in data["requests"])


def test_preview_of_a_folder_lists_every_post_and_reports_bad_ones(tmp_path: Path, capsys) -> None:
    (tmp_path / "good.md").write_text("---\ntitle: Good\ndate: 2024-05-01\n---\nBody text.\n", encoding="utf-8")
    (tmp_path / "empty.md").write_text("", encoding="utf-8")
    status = main(["preview", str(tmp_path), "--json"])
    captured = capsys.readouterr()
    assert status == 1  # a post could not be shown
    assert [json.loads(line)["article"]["title"] for line in captured.out.splitlines()] == ["Good"]
    assert "empty.md" in captured.err and "empty" in captured.err


def test_preview_as_text_reads_like_the_console(capsys) -> None:
    assert main(["preview", str(REPO / SEED)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("拜登向乌克兰总统_打包票_\n观察者网 · 2022-01-03 · #新媒体")


def test_check_exit_status_follows_fatal_problems(tmp_path: Path, capsys) -> None:
    (tmp_path / "ok.md").write_text("---\ntitle: Fine\ndate: 2024-05-01\n---\nText.\n", encoding="utf-8")
    assert main(["check", str(tmp_path)]) == 0
    assert "checked 1 file: 1 ok, 0 warnings, 0 errors" in capsys.readouterr().out
    (tmp_path / "broken.md").write_bytes(b"\xff\xfe\x00\xd8x")
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "broken.md: undecodable:" in out


def test_config_never_prints_a_token(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("HERALD_TELEGRAM_TOKEN", "123456:AAsecret-token-value-xyz")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "HERALD_TELEGRAM_TOKEN" in out and "secret" not in out


def test_bad_configuration_is_explained_not_raised(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("HERALD_TIMEZONE", "Nowhere/Land")
    assert main(["config"]) == 2
    assert "HERALD_TIMEZONE" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [[], ["run"], ["preview"], ["check"], ["config"], ["index"], ["queue"], ["queue", "add"], ["queue", "list"],
     ["queue", "cancel"], ["broadcast"], ["db"], ["db", "upgrade"]],
)
def test_every_command_has_complete_help(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args, "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    assert done.stdout.startswith("usage: herald")
    assert "HERALD_" in done.stdout or "COMMAND" in done.stdout or "ACTION" in done.stdout


def test_index_records_the_folder_and_is_quiet_when_piped(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    for n in range(3):
        (content / f"p{n}.md").write_text(f"---\ntitle: Post {n}\ndate: 2024-05-0{n + 1}\n---\nText.\n")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("HERALD_")}
    run = lambda: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "bot", "index"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120
    )
    first = run()
    assert first.returncode == 0, first.stderr
    assert "3 new" in first.stdout and "first index: recorded, nothing sent" in first.stdout
    assert first.stderr == ""  # no progress bar when not on a terminal
    second = run()
    assert "3 unchanged" in second.stdout
