"""Articles per second for load + summarize + render on every platform, single process.

    python -m bench.pipeline_bench [COUNT]

Generates COUNT (default 10,000) posts shaped like the real ones, then times reading each file,
summarising it and rendering it for Telegram, Discord and the console. Target: ≥ 1,000/s.
"""

from __future__ import annotations

import gc
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import generate
from bot.content import ContentConfig, load_article
from bot.platform import load_platforms
from bot.summary import SummaryConfig, summarize


def run(count: int = 10_000) -> dict[str, float]:
    """Run the benchmark and return its figures."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = generate(root, count)
        content = ContentConfig(root=root, site_url="https://example.org")
        summary_config = SummaryConfig(hidden_categories=("首页",))
        renderers = [spec.render_summary for _, spec in sorted(load_platforms().items())]
        stages = {"load": 0.0, "summarize": 0.0, "render": 0.0}
        failures = 0
        gc.collect()
        started = time.perf_counter()
        for path in paths:
            t0 = time.perf_counter()
            result = load_article(path, content)
            t1 = time.perf_counter()
            if result.article is None:
                failures += 1
                continue
            card = summarize(result.article, summary_config)
            t2 = time.perf_counter()
            for render in renderers:
                render(card)
            t3 = time.perf_counter()
            stages["load"] += t1 - t0
            stages["summarize"] += t2 - t1
            stages["render"] += t3 - t2
        elapsed = time.perf_counter() - started
    rate = count / elapsed
    return {"count": count, "seconds": elapsed, "rate": rate, "failures": failures,
            "platforms": len(renderers), **{f"{k}_ms": v * 1000 / count for k, v in stages.items()}}


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 10_000
    r = run(count)
    print(f"pipeline: {r['count']:,} posts, {r['platforms']} platforms, {r['seconds']:.2f} s "
          f"→ {r['rate']:,.0f} articles/s (target ≥ 1,000; ratio {r['rate'] / 1000:.2f})")
    print(f"  per article: load {r['load_ms']:.3f} ms, summarize {r['summarize_ms']:.3f} ms, "
          f"render {r['render_ms']:.3f} ms; unreadable: {r['failures']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
