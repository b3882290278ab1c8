"""`herald run` with a Telegram token, as a subprocess against the fake Bot API at DEBUG level:
the token never appears anywhere in what it prints, and a token Telegram refuses ends the run."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_limits import FakeLimits

TOKEN = "7123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9"
HERALD = Path(sys.executable).parent / "herald"


def environment(tmp_path: Path, api_url: str, token: str = TOKEN) -> dict[str, str]:
    """Return the environment of `herald run` against the fake, with one post to publish."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "hello.md").write_text("---\ntitle: Hello\ndate: 2026-01-02\n---\n\nHello there.\n", encoding="utf-8")
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "HERALD_TELEGRAM_TOKEN": token,
        "HERALD_TELEGRAM_API_URL": api_url,
        "HERALD_HTTP_PORT": "0",
        "HERALD_LOG_LEVEL": "DEBUG",
        "HERALD_CONTENT_DIR": str(content),
        "HERALD_DATABASE_URL": f"sqlite:///{tmp_path / 'herald.db'}",
    }


async def test_the_token_never_reaches_the_output(tmp_path: Path) -> None:
    async with FakeTelegram(token=TOKEN, limits=FakeLimits.off()) as tg:
        tg.add_chat(42, type="private")
        env = environment(tmp_path, tg.base_url)
        proc = await asyncio.create_subprocess_exec(
            str(HERALD), "run", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        try:
            tg.command(42, 42, "/latest")
            tg.command(42, 42, "/read 1")
            for _ in range(400):
                if len(tg.sent_to(42)) >= 2:
                    break
                await asyncio.sleep(0.05)
        finally:
            proc.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(proc.communicate(), 30)
    text = output.decode("utf-8", "replace")
    assert len(tg.sent_to(42)) >= 2, text[-2000:]
    assert "getUpdates" in text or "telegram" in text.lower()  # it did log at DEBUG
    assert TOKEN not in text
    assert TOKEN.split(":", 1)[1] not in text


async def test_a_refused_token_ends_the_run_with_one_clear_error(tmp_path: Path) -> None:
    revoked = "7123456789:AAHrevokedrevokedrevokedrevoked1234"
    async with FakeTelegram(token=TOKEN, limits=FakeLimits.off()) as tg:
        proc = await asyncio.create_subprocess_exec(
            str(HERALD), "run", cwd=tmp_path, env=environment(tmp_path, tg.base_url, revoked),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        try:
            output, _ = await asyncio.wait_for(proc.communicate(), 30)  # no signal: it stops by itself
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    text = output.decode("utf-8", "replace")
    assert proc.returncode == 1  # a service manager sees the failure
    assert text.count("Telegram refused the bot token") == 1, text[-2000:]
    assert [r.method for r in tg.requests] == ["getMe"]  # not retried
    assert revoked not in text and revoked.split(":", 1)[1] not in text
