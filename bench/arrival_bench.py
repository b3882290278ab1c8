"""Arrival latency: from a post landing in the content folder to its first send.

    python -m bench.arrival_bench [--posts N] [--gap SECONDS]

The real app (`build` + `serve`) with the real watcher on a temporary folder and SQLite file,
and a fake platform whose outlet records `time.monotonic()` of each send. Posts land one at a
time (`--gap` apart after each send, so each is its own arrival) in three ways, in one run:

- renamed into place: written to a dotfile, then `os.replace`d to its name (how generators,
  editors and `rsync` write);
- written in place: created, written and closed (`Path.write_text`);
- the floor: written in place and handed to the index at once (`index_paths`), as the watcher
  does but without its waits: the rest of the pipeline (read, index, fan-out, send).

Prints p50/p95/max of landing → first send for each. Target: p50 ≤ 0.2 s for renamed files.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.app import build
from bot.commands import Reply
from bot.delivery.ratelimit import Rate, RateLimits
from bot.platform import PlatformSpec, RuntimeBase
from bot.request import Request
from bot.serve import serve
from bot.settings import Settings
from bot.summary.model import Summary

UNLIMITED = RateLimits(overall=Rate(100_000, 1.0, burst=100_000),
                       per_channel=Rate(100_000, 1.0, burst=100_000), classes=())


class TimingOutlet:
    """Records when each article was first sent."""

    name = "bench"

    def __init__(self) -> None:
        self.first_send: dict[str, float] = {}

    def render(self, summary: Summary, *, plain: bool, lang: str = "en", style: Any = None) -> list[Request]:
        return [Request("send", {"title": summary.title})]

    async def send(self, channel_id: str, requests: list[Request]) -> str:
        self.first_send.setdefault(str(requests[0].params["title"]), time.monotonic())
        return "1"

    def channel_class(self, channel_id: str) -> str:
        return "private"


class BenchRuntime(RuntimeBase):
    name = "bench"
    limits = UNLIMITED
    connected = True

    def __init__(self) -> None:
        self.outlet = TimingOutlet()

    async def run(self, stop: asyncio.Event) -> None:
        await stop.wait()

    async def aclose(self) -> None:
        return None

    async def send_direct(self, user_id: str, reply: Reply) -> None:
        return None


WAYS = ("renamed", "in place", "floor")


async def measure(posts: int, gap: float) -> dict[str, list[float]]:
    """Land `posts` posts one by one each way; return each one's landing → first-send latency (s)."""
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        content.mkdir()
        runtime = BenchRuntime()
        spec = PlatformSpec("bench", lambda s: [], lambda s, b: [], enabled=lambda s: True,
                            create_runtime=lambda settings, core: runtime)
        settings = Settings(_env_file=None, content_dir=content, database_url=f"sqlite:///{tmp}/herald.db",
                            http_port=0, channels=("bench:room",), scan_interval=3600, log_level="WARNING")
        herald = await build(settings, platforms={"bench": spec})
        stop = asyncio.Event()
        task = asyncio.create_task(serve(herald, stop))
        while herald.watcher is None or not herald.watcher.ready.is_set():
            await asyncio.sleep(0.01)
        latencies: dict[str, list[float]] = {way: [] for way in WAYS}
        for n in range(posts):
            for way in WAYS:  # interleaved, so a slow moment of the machine touches every way alike
                title = f"Post {n} {way}"
                body = f"---\ntitle: '{title}'\ndate: 2026-02-01 10:00:00\ncategories: [Bench]\n---\n\n" + "Words. " * 300
                path = content / f"post{n:03d}-{way.replace(' ', '-')}.md"
                landed = _land(path, body, renamed=way == "renamed")
                if way == "floor":
                    await herald.after_index(await herald.index.index_paths({path}))
                deadline = time.monotonic() + 10
                while title not in runtime.outlet.first_send and time.monotonic() < deadline:
                    await asyncio.sleep(0.002)
                if title in runtime.outlet.first_send:
                    latencies[way].append(runtime.outlet.first_send[title] - landed)
                await asyncio.sleep(gap)
        stop.set()
        await task
        await herald.close()
        return latencies


def _land(path: Path, body: str, *, renamed: bool) -> float:
    """Put the post at `path` (renamed into place, or written there); return when it landed."""
    if not renamed:
        path.write_text(body, encoding="utf-8")
        return time.monotonic()
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(body, encoding="utf-8")
    os.replace(temporary, path)
    return time.monotonic()


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> Any:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=60, help="posts per way")
    parser.add_argument("--gap", type=float, default=0.5,
                        help="pause after each send (more than the watcher's burst gap, 0.35 s)")
    args = parser.parse_args(argv)
    latencies = asyncio.run(measure(args.posts, args.gap))
    print(f"arrival latency, landing → first send, {args.posts} posts each way, one run:")
    for way in WAYS:
        values = latencies[way]
        missing = args.posts - len(values)
        if not values:
            print(f"  {way:9} no post was sent within 10 s")
            continue
        print(f"  {way:9} p50 {_percentile(values, 50):.3f}s  p95 {_percentile(values, 95):.3f}s  "
              f"max {max(values):.3f}s  mean {statistics.mean(values):.3f}s"
              + (f"  ({missing} not sent within 10 s)" if missing else ""))
    print("  target: renamed p50 ≤ 0.2 s; floor = the same pipeline without the watcher's waits")
    return latencies


if __name__ == "__main__":
    main()
