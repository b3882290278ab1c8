"""Arrival latency: from a post being written into the content folder to its first send.

    python -m bench.arrival_bench [--posts N] [--gap SECONDS]

The real app (`build` + `serve`) with the real watcher on a temporary folder and SQLite file,
and a fake platform whose outlet records `time.monotonic()` of each send. Posts are written one
at a time (`--gap` apart, so each is its own arrival); prints p50/p95/max of write → first send.
Target: p50 ≤ 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
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

    def render(self, summary: Summary, *, plain: bool, lang: str = "en") -> list[Request]:
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


async def measure(posts: int, gap: float) -> list[float]:
    """Write `posts` posts one by one; return each one's write → first-send latency in seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        content.mkdir()
        runtime = BenchRuntime()
        spec = PlatformSpec("bench", lambda s: [], lambda s, b: [], enabled=lambda s: True,
                            create_runtime=lambda settings, core: runtime)
        settings = Settings(_env_file=None, content_dir=content, database_url=f"sqlite:///{tmp}/herald.db",
                            http_port=0, channels=("bench:room",), scan_interval=3600)
        herald = await build(settings, platforms={"bench": spec})
        stop = asyncio.Event()
        task = asyncio.create_task(serve(herald, stop))
        while herald.watcher is None or not herald.watcher.ready.is_set():
            await asyncio.sleep(0.01)
        written: dict[str, float] = {}
        for n in range(posts):
            title = f"Post {n}"
            body = f"---\ntitle: '{title}'\ndate: 2026-02-01 10:00:00\ncategories: [Bench]\n---\n\n" + "Words. " * 300
            (content / f"post{n:03d}.md").write_text(body, encoding="utf-8")
            written[title] = time.monotonic()
            deadline = time.monotonic() + 10
            while title not in runtime.outlet.first_send and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            await asyncio.sleep(gap)
        stop.set()
        await task
        await herald.close()
        sent = runtime.outlet.first_send
        return [sent[title] - at for title, at in written.items() if title in sent]


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> Any:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--gap", type=float, default=0.05, help="pause after each post is sent")
    args = parser.parse_args(argv)
    latencies = asyncio.run(measure(args.posts, args.gap))
    missing = args.posts - len(latencies)
    print(f"arrival latency over {len(latencies)} posts (write → first send): "
          f"p50 {_percentile(latencies, 50):.3f}s  p95 {_percentile(latencies, 95):.3f}s  "
          f"max {max(latencies):.3f}s  mean {statistics.mean(latencies):.3f}s  (target p50 ≤ 1s)")
    if missing:
        print(f"{missing} post(s) were not sent within 10 s")
    return latencies


if __name__ == "__main__":
    main()
