"""`herald run` with Discord configured, as a real process against the fake Discord server:
it connects, answers, and never prints its token, even at DEBUG."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.fakes.discord_api import FakeDiscord

REPO = Path(__file__).resolve().parents[1]
TOKEN = "MTIzNDU2Nzg5.herald-secret.TOKEN-must-never-show"
GUILD, NEWS, READER = 9001, 9101, 4242


async def test_bot_process_output_never_contains_the_token(tmp_path: Path) -> None:
    fake = FakeDiscord(token=TOKEN)
    fake.add_guild(GUILD, channels={NEWS: "news"}, members=[READER])
    content = tmp_path / "content"
    content.mkdir()
    (content / "post.md").write_text("---\ntitle: Hello\ndate: 2026-01-01 10:00:00\n---\n\nBody text.\n",
                                     encoding="utf-8")
    async with fake:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("HERALD_")},
            "HERALD_DISCORD_TOKEN": TOKEN, "HERALD_DISCORD_API_URL": fake.api_base,
            "HERALD_DISCORD_GUILD_IDS": str(GUILD), "HERALD_HTTP_PORT": "0", "HERALD_LOG_LEVEL": "DEBUG",
            "HERALD_CONTENT_DIR": str(content), "HERALD_DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}",
            "PYTHONPATH": str(REPO),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        try:
            await fake.wait_connected(timeout=30)
            await fake.dispatch_interaction(fake.slash("latest", guild_id=GUILD, channel_id=NEWS, user_id=READER))
            async with asyncio.timeout(10):
                while not fake.interaction_responses:
                    await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            stdout, stderr = await asyncio.wait_for(process.communicate(), 20)
    output = (stdout + stderr).decode("utf-8", "replace")
    assert "slash commands synced" in output and "DEBUG" in output  # it did log, verbosely
    assert fake.interaction_responses[0]["data"]["embeds"]
    assert TOKEN not in output
    assert TOKEN.split(".")[1] not in output
    assert all(r.authorized for r in fake.requests if r.path == "/users/@me")
