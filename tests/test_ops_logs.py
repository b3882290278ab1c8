"""Logs an operator reads: one line per event, JSON when asked, the fields that matter, no token."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from delivery_support import T0, FakeOutlet, add_article, add_subscription
from manual_clock import ManualClock

from bot.delivery import DeliveryEngine, Gone, Rate, RateLimits, fan_out
from bot.logs import REDACTED, Redactor, configure_logging
from bot.store.migrate import upgrade

TOKEN = "123456789:AAHfakeTokenForTests_abcdefghijklmnop"
DISCORD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789"
FAST = RateLimits(overall=Rate(1e6), per_channel=Rate(1e6, burst=10), classes=())


@pytest.fixture
def logging_state() -> Iterator[None]:
    """Give the test the process's logging back as it found it (configure_logging is global)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    names = ("alembic", "alembic.runtime.migration", "httpx", "herald", "herald.delivery", "telegram")
    levels = {name: logging.getLogger(name).level for name in names}
    migration_filters = list(logging.getLogger("alembic.runtime.migration").filters)
    excepthook = sys.excepthook
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for name, lvl in levels.items():
            logging.getLogger(name).setLevel(lvl)
        logging.getLogger("alembic.runtime.migration").filters[:] = migration_filters
        logging.captureWarnings(False)
        sys.excepthook = excepthook


def _lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().err.splitlines()


def _fail_with_token() -> None:
    try:
        raise httpx.ConnectError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getMe\nsecond line")
    except httpx.ConnectError:
        logging.getLogger("telegram.ext.Updater").exception("Error while getting Updates")


@pytest.mark.usefixtures("logging_state")
def test_json_lines_carry_level_component_fields_and_no_token(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(fmt="json", secrets=[TOKEN])
    logging.getLogger("herald.delivery").warning(
        "article=7 target=telegram:-100 outcome=gone", extra={"fields": {"article": 7, "target": "telegram:-100"}}
    )
    logging.getLogger("httpx").warning("HTTP Request: POST https://api.telegram.org/bot%s/getMe", TOKEN)
    _fail_with_token()

    lines = _lines(capsys)
    assert len(lines) == 3
    first, second, third = (json.loads(line) for line in lines)
    assert first["level"] == "warning" and first["component"] == "herald.delivery"
    assert (first["article"], first["target"]) == (7, "telegram:-100")
    assert second["message"] == f"HTTP Request: POST https://api.telegram.org/bot{REDACTED}/getMe"
    assert third["component"] == "telegram.ext.Updater" and third["level"] == "error"
    assert "Traceback" in third["exception"] and "ConnectError" in third["exception"]
    assert all(TOKEN not in line and "AAHfakeToken" not in line for line in lines)


@pytest.mark.usefixtures("logging_state")
def test_text_lines_are_single_lines_even_with_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(fmt="text", secrets=[TOKEN])
    logging.getLogger("herald.app").info("indexed", extra={"fields": {"detail": "two words", "count": 3}})
    _fail_with_token()

    lines = _lines(capsys)
    assert len(lines) == 2
    assert lines[0].endswith(' INFO herald.app: indexed detail="two words" count=3')
    assert " ERROR telegram.ext.Updater: Error while getting Updates | Traceback" in lines[1]
    assert f"bot{REDACTED}/getMe\\nsecond line" in lines[1]
    assert TOKEN not in "\n".join(lines)


def test_token_shapes_are_redacted_even_when_not_told_the_token() -> None:
    redact = Redactor()
    assert redact(f"GET https://api.telegram.org/bot{TOKEN}/getMe") == f"GET https://api.telegram.org/bot{REDACTED}/getMe"
    assert redact(f"Authorization: Bot {DISCORD_TOKEN}") == f"Authorization: Bot {REDACTED}"
    assert redact("article 12345 at 12:30:00, chat -1001234567890") == "article 12345 at 12:30:00, chat -1001234567890"


@pytest.mark.usefixtures("logging_state")
def test_library_warnings_become_log_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(fmt="json")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("retry_after will be a timedelta", DeprecationWarning, stacklevel=1)
    (line,) = _lines(capsys)
    record = json.loads(line)
    assert record["component"] == "py.warnings" and "retry_after will be a timedelta" in record["message"]


@pytest.mark.usefixtures("logging_state")
async def test_migrations_log_the_steps_run_and_nothing_on_a_current_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(fmt="text")
    url = f"sqlite:///{tmp_path / 'herald.db'}"
    await upgrade(url)
    first = _lines(capsys)
    assert first and all("alembic.runtime.migration: Running upgrade" in line for line in first)
    await upgrade(url)
    assert _lines(capsys) == []  # no "Context impl SQLiteImpl" on every start


@pytest.mark.usefixtures("logging_state")
async def test_delivery_outcomes_are_json_fields(sessions, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(fmt="json")
    clock = ManualClock(T0)
    outlet = FakeOutlet(clock, script={"-200": [Gone("bot was kicked from the group chat")]})
    article = await add_article(sessions, title="Fields")
    for channel in ("-100", "-200"):
        await add_subscription(sessions, channel)
    await fan_out(sessions, article, now=T0)
    engine = DeliveryEngine(
        sessions, {"fake": outlet}, clock=clock, limits={"fake": FAST}, worker_id="w", rng=random.Random(1)
    )
    await engine.drain()

    records = [json.loads(line) for line in _lines(capsys)]
    outcomes = {r["target"]: r for r in records if r["component"] == "herald.delivery"}
    sent, gone = outcomes["fake:-100"], outcomes["fake:-200"]
    assert (sent["level"], sent["article"], sent["outcome"], sent["detail"]) == ("info", article, "sent", "m1")
    assert sent["latency"] >= 0
    assert (gone["level"], gone["article"], gone["outcome"]) == ("warning", article, "gone")
    assert gone["detail"] == "bot was kicked from the group chat"
    assert gone["message"] == (
        f'article={article} target=fake:-200 outcome=gone detail="bot was kicked from the group chat"'
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _herald_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
    return {**env, "PYTHONUNBUFFERED": "1", **{f"HERALD_{k.upper()}": v for k, v in settings.items()}}


def test_a_crash_at_start_is_one_json_line_too(tmp_path: Path) -> None:
    # A database server that is down is waited for (tests/test_ops_startup_retry.py); a SQLite
    # file that cannot be made is not going to come back, so it stops Herald at once.
    (tmp_path / "file").write_text("not a folder")
    env = _herald_env(log_format="json", http_port="0", database_url=f"sqlite:///{tmp_path}/file/herald.db")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    record = json.loads(line)
    assert (record["level"], record["component"]) == ("critical", "herald.app")
    assert record["message"].startswith(f"cannot use the database HERALD_DATABASE_URL=sqlite:///{tmp_path}/file/")


def test_herald_run_writes_json_lines_without_the_token_and_stops_on_sigterm(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    env = {
        **_herald_env(),
        "HERALD_LOG_FORMAT": "json",
        "HERALD_TELEGRAM_TOKEN": TOKEN,
        "HERALD_TELEGRAM_API_URL": f"http://127.0.0.1:{_closed_port()}/bot",
        "HERALD_HTTP_PORT": "0",
        "HERALD_CONTENT_DIR": str(tmp_path / "content"),
        "HERALD_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'herald.db'}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        time.sleep(5)  # long enough to migrate, index and fail to reach Telegram a few times
        assert process.poll() is None, process.communicate()[1]
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr

    lines = stderr.splitlines()
    assert lines
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"level", "component", "message", "time"} <= record.keys() for record in records)
    assert any(r["component"] == "alembic.runtime.migration" for r in records)
    assert any(r["level"] in ("warning", "error") and r["component"].startswith("herald.telegram") for r in records)
    assert TOKEN not in stderr and TOKEN.split(":")[1] not in stderr
