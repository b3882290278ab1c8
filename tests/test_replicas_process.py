"""Several `herald run` processes on one PostgreSQL database, against the fake Bot API and the
fake Discord: they migrate once, one of them polls Telegram and holds the Discord gateway, every
command is answered once, a future-dated post is announced once; after a `kill -9` of that one
another takes over. On SQLite a second `herald run` is refused.

The PostgreSQL tests skip when HERALD_TEST_POSTGRES_URL is unset."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_limits import FakeLimits

REPO = Path(__file__).resolve().parents[1]
DISCORD_TOKEN = "MTIzNDU2Nzg5.replicas.TOKEN"
GUILD, NEWS, READER = 9001, 9101, 4242
REPLICAS = 3
WAIT = 60.0
"""Seconds a test waits for something it expects (a generous bound, never asserted on)."""



async def until(check: Callable[[], Any], timeout: float = WAIT) -> Any:
    """Wait until `check()` is truthy and return it."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not (value := check()):
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {getattr(check, '__name__', check)}")
        await asyncio.sleep(0.05)
    return value


@dataclass
class Watch:
    """The most getUpdates calls and Discord gateway sessions open at once, sampled every 10 ms."""

    pollers: int = 0
    sessions: int = 0
    samples: int = 0


async def watch(tg: FakeTelegram, discord: FakeDiscord, seen: Watch) -> None:
    while True:
        seen.pollers = max(seen.pollers, len(tg.updates.polls))
        seen.sessions = max(seen.sessions, len(discord.gateway.live_sessions()))
        seen.samples += 1
        await asyncio.sleep(0.01)


@dataclass
class Site:
    """The fakes, the shared content folder and the `herald run` processes."""

    tg: FakeTelegram
    discord: FakeDiscord
    content: Path
    database: str
    env: dict[str, str]
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)

    async def start(self, n: int) -> None:
        """Start `n` replicas at the same moment."""
        self.processes += await asyncio.gather(*(
            asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=self.content.parent, env=self.env,
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            )
            for _ in range(n)
        ))

    def telegram_replies(self, chat_id: int) -> list[str]:
        return [m.plain_text or m.text or "" for m in self.tg.sent if m.chat_id == chat_id]

    def discord_answers(self, interaction_id: int) -> list[dict[str, Any]]:
        return [r for r in self.discord.interaction_responses if r["interaction_id"] == interaction_id]

    async def lease_holders(self) -> dict[str, int]:
        """Role → the pid of the replica holding its unexpired lease."""
        import asyncpg

        dsn = make_url(self.database).set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(dsn)
        try:
            rows = await conn.fetch(
                "SELECT l.role, r.pid FROM leases l JOIN replicas r ON r.id = l.holder WHERE l.expires_at > now()"
            )
        finally:
            await conn.close()
        return {row["role"]: int(row["pid"]) for row in rows}

    async def output(self) -> list[str]:
        """Stop every replica still running (SIGTERM) and return what each printed."""
        for process in self.processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        outputs = []
        for process in self.processes:
            out, _ = await asyncio.wait_for(process.communicate(), 30)
            outputs.append(out.decode("utf-8", "replace"))
        return outputs


@asynccontextmanager
async def site(
    tmp_path: Path, database: str, *, limits: FakeLimits | None = None, settings: dict[str, str] | None = None
) -> AsyncIterator[Site]:
    """The fakes (the Bot API enforcing `limits`) and the environment of `herald run` (plus `settings`)."""
    content = tmp_path / "content"
    content.mkdir()
    tg = FakeTelegram(limits=limits)
    discord = FakeDiscord(token=DISCORD_TOKEN)
    discord.add_guild(GUILD, channels={NEWS: "news"}, members=[READER])
    async with tg, discord:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("HERALD_")},
            "HERALD_TELEGRAM_TOKEN": tg.token, "HERALD_TELEGRAM_API_URL": tg.base_url,
            "HERALD_DISCORD_TOKEN": DISCORD_TOKEN, "HERALD_DISCORD_API_URL": discord.api_base,
            "HERALD_DISCORD_GUILD_IDS": str(GUILD), "HERALD_HTTP_PORT": "0", "HERALD_TIMEZONE": "UTC",
            "HERALD_CONTENT_DIR": str(content), "HERALD_DATABASE_URL": database, "PYTHONPATH": str(REPO),
            **(settings or {}),
        }
        here = Site(tg, discord, content, database, env)
        try:
            yield here
        finally:
            for process in here.processes:
                if process.returncode is None:
                    process.kill()
                    await process.wait()


def future_post(folder: Path, name: str, title: str, seconds: float) -> None:
    """A post dated `seconds` from now (UTC)."""
    when = (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")
    (folder / f"{name}.md").write_text(
        f"---\ntitle: {title}\ndate: {when}\ncategories: [World]\n---\n\nWhat happened at {when}.\n", encoding="utf-8"
    )


async def answered_once(site: Site, chat_id: int, text: str) -> str:
    """Send a command from a new private chat; wait for the answer, and a while longer for a second."""
    site.tg.command(chat_id, chat_id, text)
    await until(lambda: site.telegram_replies(chat_id))
    await asyncio.sleep(1.0)  # a second answer from another replica would have come by now
    replies = site.telegram_replies(chat_id)
    assert len(replies) == 1, replies
    return replies[0]


async def discord_answered_once(site: Site, command: str) -> None:
    interaction = site.discord.slash(command, guild_id=GUILD, channel_id=NEWS, user_id=READER)
    await site.discord.dispatch_interaction(interaction)
    wanted = int(interaction["id"])
    await until(lambda: site.discord_answers(wanted))
    await asyncio.sleep(1.0)
    assert len(site.discord_answers(wanted)) == 1


async def test_three_replicas_started_together_receive_once_and_announce_once(
    tmp_path: Path, fresh_database: str
) -> None:
    async with site(tmp_path, fresh_database) as s:
        seen = Watch()
        watcher = asyncio.create_task(watch(s.tg, s.discord, seen))
        try:
            await s.start(REPLICAS)  # on a database never migrated: all three migrate at once
            await until(lambda: s.tg.updates.polls)
            await s.discord.wait_connected(timeout=WAIT)
            holders = await s.lease_holders()
            assert set(holders) == {"scheduler", "receiver:telegram", "receiver:discord"}
            assert all(p.returncode is None for p in s.processes)  # nobody crashed migrating

            for chat in (101, 102, 103):
                assert "/latest" in await answered_once(s, chat, "/help")
            await discord_answered_once(s, "latest")

            assert "Subscribed" in await answered_once(s, 42, "/subscribe")
            future_post(s.content, "soon", "Announced Once", seconds=4)
            await until(lambda: any("Announced Once" in t for t in s.telegram_replies(42)))
            await asyncio.sleep(2.0)
            assert sum("Announced Once" in t for t in s.telegram_replies(42)) == 1
        finally:
            watcher.cancel()
        outputs = await s.output()
    assert seen.samples > 100
    assert seen.pollers == 1, "two replicas polled Telegram at the same moment"
    assert seen.sessions == 1, "two replicas held a Discord gateway session at the same moment"
    assert [r for r in s.tg.requests if r.method == "getUpdates" and r.status == 409] == []
    assert s.tg.errors == []
    assert all(p.returncode == 0 for p in s.processes), outputs
    assert all("Traceback" not in out for out in outputs), outputs


async def test_after_kill_9_of_the_receiver_another_replica_answers(tmp_path: Path, fresh_database: str) -> None:
    async with site(tmp_path, fresh_database) as s:
        await s.start(REPLICAS)
        await until(lambda: s.tg.updates.polls)
        await s.discord.wait_connected(timeout=WAIT)
        assert "/latest" in await answered_once(s, 101, "/help")
        assert "Subscribed" in await answered_once(s, 42, "/subscribe")
        holders = await s.lease_holders()
        receiver = holders["receiver:telegram"]
        victim = next(p for p in s.processes if p.pid == receiver)
        future_post(s.content, "later", "After The Kill", seconds=8)
        await asyncio.sleep(0.5)  # the scheduler has seen the file (or the next one finds it)
        identified = s.discord.gateway.identify_count

        victim.kill()  # SIGKILL: no clean-up, its leases only expire
        await victim.wait()

        assert "/latest" in await answered_once(s, 102, "/help")
        await until(lambda: s.discord.gateway.identify_count > identified)
        await discord_answered_once(s, "latest")
        new = await s.lease_holders()
        assert new["receiver:telegram"] != receiver and new["receiver:telegram"] in [p.pid for p in s.processes]
        await until(lambda: any("After The Kill" in t for t in s.telegram_replies(42)))
        await asyncio.sleep(2.0)
        assert sum("After The Kill" in t for t in s.telegram_replies(42)) == 1
        survivors = [p for p in s.processes if p is not victim]
        assert all(p.returncode is None for p in survivors)
        await s.output()
        assert all(p.returncode == 0 for p in survivors)


async def test_a_second_run_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HERALD_")},
        "HERALD_HTTP_PORT": "0", "HERALD_CONTENT_DIR": str(content),
        "HERALD_DATABASE_URL": f"sqlite:///{tmp_path / 'herald.db'}", "PYTHONPATH": str(REPO),
    }
    first = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert first.stdin is not None and first.stdout is not None
        first.stdin.write(b"/help\n")  # the console answers once it runs (and holds the lock)
        await first.stdin.drain()
        await asyncio.wait_for(first.stdout.readline(), WAIT)
        second = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(second.communicate(), WAIT)
        assert second.returncode == 1
        text = (out + err).decode()
        assert f"pid {first.pid}" in text and "SQLite serves one process" in text and "PostgreSQL" in text
    finally:
        first.stdin.close()  # end of input: the console stops by itself
        await asyncio.wait_for(first.wait(), WAIT)
    assert first.returncode == 0
