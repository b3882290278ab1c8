"""`herald run` with a Telegram token, as a subprocess against the fake Bot API at DEBUG level:
the token never appears anywhere in what it prints."""

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


async def test_the_token_never_reaches_the_output(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "hello.md").write_text("---\ntitle: Hello\ndate: 2026-01-02\n---\n\nHello there.\n", encoding="utf-8")
    async with FakeTelegram(token=TOKEN, limits=FakeLimits.off()) as tg:
        tg.add_chat(42, type="private")
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "HERALD_TELEGRAM_TOKEN": TOKEN,
            "HERALD_TELEGRAM_API_URL": tg.base_url,
            "HERALD_HTTP_PORT": "0",
            "HERALD_LOG_LEVEL": "DEBUG",
            "HERALD_CONTENT_DIR": str(content),
            "HERALD_DATABASE_URL": f"sqlite:///{tmp_path / 'herald.db'}",
        }
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
