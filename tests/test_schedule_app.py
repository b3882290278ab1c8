"""Arrival and schedule end to end: the real app (`build` + `serve`), the real watcher on a
temporary folder, and a recording platform; time that matters comes from a controllable clock.

Waits are bounded polls for an outcome (never sleeps standing in for minutes).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from manual_clock import ManualClock

from bot.app import Herald, build
from bot.clock import Clock, SystemClock
from bot.commands import Invocation, Reply
from bot.delivery.ratelimit import Rate, RateLimits
from bot.platform import PlatformSpec, RuntimeBase
from bot.request import Request
from bot.serve import serve
from bot.settings import Settings
from bot.store import queue
from bot.store.articles import get_article
from bot.summary.model import Summary

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ROOM = "room"
ADMIN = "boss"
UNLIMITED = RateLimits(overall=Rate(100_000, 1.0, burst=100_000),
                       per_channel=Rate(100_000, 1.0, burst=100_000), classes=())


class SteppedClock(ManualClock):
    """A clock tests move by hand, whose sleeps really wait (briefly) without moving it."""

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(min(max(0.0, seconds), 0.02))


@dataclass
class RecordingOutlet:
    """The platform's transport: remembers every send (channel, article id)."""

    name: str = "fake"
    sent: list[tuple[str, int]] = field(default_factory=list)

    def render(self, summary: Summary, *, plain: bool, lang: str = "en", style: Any = None) -> list[Request]:
        return [Request("send", {"text": summary.title, "article": summary.article_id})]

    async def send(self, channel_id: str, requests: list[Request]) -> str:
        self.sent.append((channel_id, int(requests[0].params["article"])))
        return str(len(self.sent))

    def channel_class(self, channel_id: str) -> str:
        return "private"


class FakeRuntime(RuntimeBase):
    """A platform that is always connected and records direct messages to users."""

    name = "fake"
    limits = UNLIMITED
    connected = True

    def __init__(self, core: Any) -> None:
        self.core = core
        self.outlet = RecordingOutlet()
        self.direct: list[tuple[str, Reply]] = []

    async def run(self, stop: asyncio.Event) -> None:
        await stop.wait()

    async def aclose(self) -> None:
        return None

    async def send_direct(self, user_id: str, reply: Reply) -> None:
        self.direct.append((user_id, reply))


SPEC = PlatformSpec(
    name="fake",
    render_summary=lambda summary: [],
    render_article=lambda summary, blocks: [],
    enabled=lambda settings: True,
    create_runtime=lambda settings, core: FakeRuntime(core),
)


def post(folder: Path, name: str, title: str, *, date: str = "2026-02-01 10:00:00") -> Path:
    path = folder / f"{name}.md"
    path.write_text(f"---\ntitle: '{title}'\ndate: {date}\ncategories: [World]\n---\n\nBody of {title}.\n",
                    encoding="utf-8")
    return path


async def until(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Wait until `check()` is truthy (polling) and return it."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not (value := check()):
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {getattr(check, '__name__', check)}")
        await asyncio.sleep(0.02)
    return value


async def until_async(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not (value := await check()):
        if loop.time() > end:
            raise AssertionError("timed out")
        await asyncio.sleep(0.02)
    return value


class App:
    """A running Herald on the recording platform."""

    def __init__(self, herald: Herald, content: Path) -> None:
        self.herald, self.content = herald, content

    @property
    def runtime(self) -> FakeRuntime:
        return self.herald.runtimes[0]  # type: ignore[return-value]

    @property
    def sent(self) -> list[tuple[str, int]]:
        return self.runtime.outlet.sent

    async def say(self, text: str, *, user: str = ADMIN) -> Reply:
        word, *args = text.split()
        inv = Invocation(platform="fake", channel_id=user, channel_kind="private", user_id=user,
                         command=word, args=tuple(args), text=text)
        return await self.herald.services.handle(inv)

    async def press(self, action: str, *, user: str = ADMIN) -> Reply:
        inv = Invocation(platform="fake", channel_id=user, channel_kind="private", user_id=user, command="")
        return await self.herald.services.handle_action(inv, action)


@asynccontextmanager
async def running(tmp_path: Path, clock: Clock | None = None, *, fresh: bool = True, due_poll: float = 0.05,
                  **settings: Any) -> AsyncIterator[App]:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    config = Settings(
        _env_file=None, content_dir=content, database_url=f"sqlite:///{tmp_path / 'herald.db'}",
        http_port=0, admins=(f"fake:{ADMIN}",), channels=(f"fake:{ROOM}",), scan_interval=3600, **settings,
    )
    herald = await build(config, clock=clock or SteppedClock(T0), platforms={"fake": SPEC})
    herald.due_poll = due_poll
    stop = asyncio.Event()
    task = asyncio.create_task(serve(herald, stop))
    try:
        await until(lambda: (herald.watcher is not None and herald.watcher.ready.is_set()) or task.done())
        if task.done():
            task.result()
        yield App(herald, content)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await herald.close()


async def quiet(app: App, settle: float = 1.0) -> None:
    """Wait until nothing new has been sent for `settle` seconds."""
    while True:
        count = len(app.sent)
        await asyncio.sleep(settle)
        if len(app.sent) == count:
            return


async def test_a_post_written_in_three_chunks_is_published_once(tmp_path: Path) -> None:
    async with running(tmp_path) as app:
        path = app.content / "chunked.md"
        text = "---\ntitle: 'Chunked'\ndate: 2026-02-01 10:00:00\n---\n\n" + "A long body. " * 400
        third = len(text) // 3
        with path.open("w", encoding="utf-8") as out:
            for start in (0, third, 2 * third):
                out.write(text[start:start + third] if start < 2 * third else text[start:])
                out.flush()
                await asyncio.sleep(0.05)
        await until(lambda: app.sent)
        await quiet(app)
        row = await get_article(app.herald.sessions, app.sent[0][1])
        assert app.sent == [(ROOM, row.id)] and row.title == "Chunked" and row.state == "published"


async def test_a_thousand_posts_dropped_at_once_are_each_delivered_once(tmp_path: Path) -> None:
    async with running(tmp_path) as app:
        for n in range(1000):
            post(app.content, f"burst{n:04d}", f"Burst {n}")
        await until(lambda: len(app.sent) >= 1000, timeout=120)
        await quiet(app)
        articles = [article for _channel, article in app.sent]
        assert len(articles) == 1000 and len(set(articles)) == 1000


async def test_posts_already_there_at_first_start_are_not_sent(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    post(content, "old", "Old news")
    async with running(tmp_path) as app:
        post(app.content, "new", "Fresh news")
        await until(lambda: app.sent)
        await quiet(app, 0.5)
        assert len(app.sent) == 1
        row = await get_article(app.herald.sessions, app.sent[0][1])
        assert row.title == "Fresh news"


async def test_a_future_dated_post_is_sent_at_its_time_and_not_before(tmp_path: Path) -> None:
    clock = SteppedClock(T0)
    async with running(tmp_path, clock) as app:
        post(app.content, "later", "From the future", date="2026-03-01 13:00:00")
        row = await until_async(lambda: _article_in_state(app, "scheduled"))
        clock.advance(minutes=59)
        await asyncio.sleep(0.5)  # many looks at what is due: still an hour's minute early
        assert app.sent == []
        clock.advance(minutes=1)
        await until(lambda: app.sent)
        await quiet(app, 0.5)
        assert app.sent == [(ROOM, row.id)]


async def test_a_future_dated_post_comes_out_after_a_restart(tmp_path: Path) -> None:
    clock = SteppedClock(T0)
    async with running(tmp_path, clock) as app:
        post(app.content, "later", "From the future", date="2026-03-01 13:00:00")
        row = await until_async(lambda: _article_in_state(app, "scheduled"))
    clock.advance(hours=2)  # Herald was down when the date came
    async with running(tmp_path, clock) as app:
        await until(lambda: app.sent)
        await quiet(app, 0.5)
        assert app.sent == [(ROOM, row.id)]


async def test_a_restart_between_queueing_and_the_due_time_still_sends_it(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    post(content, "old", "Evergreen")
    clock = SteppedClock(T0)
    async with running(tmp_path, clock) as app:
        reply = await app.say("/queue 1 +2h")
        assert not reply.error and "goes out at 2026-03-01 14:00 UTC" in reply.text
        await asyncio.sleep(0.3)
        assert app.sent == []
    clock.advance(hours=2, minutes=1)
    async with running(tmp_path, clock) as app:
        await until(lambda: app.sent)
        await quiet(app, 0.5)
        assert app.sent == [(ROOM, 1)]
        [item] = await _items(app)
        assert item.status == "done"


async def test_an_item_missed_by_more_than_the_grace_is_skipped_and_the_admins_are_told(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    post(content, "old", "Evergreen")
    clock = SteppedClock(T0)
    async with running(tmp_path, clock) as app:
        assert not (await app.say("/queue 1 +1h")).error
    clock.advance(hours=8)  # down for longer than the 6-hour grace
    async with running(tmp_path, clock) as app:
        [(admin, notice)] = await until(lambda: app.runtime.direct)
        await quiet(app, 0.3)
        assert app.sent == []
        assert admin == ADMIN and "not sent" in notice.text and "grace" in notice.text
        [item] = await _items(app)
        assert item.status == "skipped"


async def test_a_queued_item_goes_out_at_its_time_while_running(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    post(content, "old", "Evergreen")
    clock = SteppedClock(T0)
    async with running(tmp_path, clock) as app:
        await app.say("/queue 1 +30m")
        clock.advance(minutes=29)
        await asyncio.sleep(0.3)
        assert app.sent == []
        clock.advance(minutes=1)
        await until(lambda: app.sent)
        assert app.sent == [(ROOM, 1)]


async def test_an_item_queued_from_the_shell_while_running_goes_out_at_its_time(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    post(content, "old", "Evergreen")
    clock = SteppedClock(T0)
    async with running(tmp_path, clock) as app:
        # `herald queue add` in another process writes the row; this process is not told.
        await queue.add(app.herald.sessions, 1, T0 + timedelta(minutes=10), target=None, created_by="cli", now=T0)
        await asyncio.sleep(0.3)
        assert app.sent == []
        clock.advance(minutes=10)
        await until(lambda: app.sent)
        await quiet(app, 0.5)
        assert app.sent == [(ROOM, 1)]


async def test_a_future_dated_post_is_woken_for_at_its_time_on_the_real_clock(tmp_path: Path) -> None:
    async with running(tmp_path, SystemClock(), due_poll=3600) as app:  # no safety look: the one-shot job sends it
        soon = datetime.now(UTC) + timedelta(seconds=3)
        post(app.content, "soon", "In a moment", date=f"{soon:%Y-%m-%d %H:%M:%S}")
        await until(lambda: app.sent)
        await quiet(app, 0.5)
        row = await get_article(app.herald.sessions, app.sent[0][1])
        assert app.sent == [(ROOM, row.id)] and row.title == "In a moment" and row.state == "published"


async def test_broadcasting_a_published_article_again_reaches_everyone_again(tmp_path: Path) -> None:
    async with running(tmp_path) as app:
        post(app.content, "news", "News")
        await until(lambda: app.sent)
        reply = await app.say("/broadcast 1")
        assert not reply.error and "Broadcasting article #1" in reply.text
        await until(lambda: len(app.sent) == 2)
        await app.herald.broadcast(1)
        await until(lambda: len(app.sent) == 3)
        await quiet(app, 0.5)
        assert app.sent == [(ROOM, 1)] * 3


async def test_an_interrupted_broadcast_is_resumed_without_duplicates(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    post(content, "old", "Evergreen")
    clock = SteppedClock(T0)
    async with running(tmp_path, clock) as app:
        item = await queue.add(app.herald.sessions, 1, T0 + timedelta(hours=1), target=None, created_by=None, now=T0)
    # The process claimed the item, wrote part of its round and died before recording it as done.
    from bot.delivery.fanout import fan_out
    from bot.store.engine import create_engine, session_factory

    engine = create_engine(f"sqlite:///{tmp_path / 'herald.db'}")
    sessions = session_factory(engine)
    await queue.claim(sessions, item.id)
    await fan_out(sessions, 1, now=T0, round=item.id)  # part of the round was written
    await engine.dispose()
    clock.advance(hours=1)
    async with running(tmp_path, clock) as app:
        await until(lambda: app.sent)
        await quiet(app, 0.5)
        assert app.sent == [(ROOM, 1)]
        [row] = await _items(app)
        assert row.status == "done"


async def test_a_non_admin_cannot_queue_and_nothing_changes(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    post(content, "old", "Evergreen")
    async with running(tmp_path) as app:
        reply = await app.say("/queue 1 +1h", user="stranger")
        assert reply.error and "only for the bot's admins" in reply.text
        assert await _items(app) == []
        refused = await app.press("approve:1", user="stranger")
        assert refused.error


async def test_approval_mode_holds_new_posts_and_asks_every_admin(tmp_path: Path) -> None:
    async with running(tmp_path, auto_publish=False) as app:
        post(app.content, "held", "Needs a look")
        [(user, request)] = await until(lambda: app.runtime.direct)
        assert user == ADMIN and "Needs a look" in request.text and request.summary is not None
        assert [b.action for b in request.buttons] == ["approve:1", "queue:1", "skip:1"]
        await asyncio.sleep(0.3)
        assert app.sent == []
        skipped = await app.press("skip:1")
        assert "stays unpublished" in skipped.text and (await get_article(app.herald.sessions, 1)).state == "held"
        approved = await app.press("approve:1")
        assert "published" in approved.text
        await until(lambda: app.sent)
        again = await app.press("approve:1")  # a second admin, too late: the card shows what happened
        assert again.settles and "already published" in again.text
        await quiet(app, 0.5)
        assert app.sent == [(ROOM, 1)]


async def test_the_queue_button_publishes_a_held_post_at_the_next_slot(tmp_path: Path) -> None:
    clock = SteppedClock(T0)
    async with running(tmp_path, clock, auto_publish=False, queue_slots=("18:00",)) as app:
        post(app.content, "held", "Evening read")
        await until(lambda: app.runtime.direct)
        reply = await app.press("queue:1")
        assert "goes out at 2026-03-01 18:00 UTC" in reply.text
        await asyncio.sleep(0.3)
        assert app.sent == []
        clock.advance(hours=6)
        await until(lambda: app.sent)
        assert app.sent == [(ROOM, 1)]
        assert (await get_article(app.herald.sessions, 1)).state == "published"


async def _article_in_state(app: App, state: str) -> Any:
    row = await get_article(app.herald.sessions, 1)
    return row if row is not None and row.state == state else None


async def _items(app: App) -> list[Any]:
    from sqlalchemy import select

    from bot.store.models import QueueItem

    async with app.herald.sessions() as session:
        return list((await session.scalars(select(QueueItem).order_by(QueueItem.id))).all())
