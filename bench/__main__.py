"""Run every benchmark: `python -m bench` (or `make bench`)."""

from __future__ import annotations

import importlib
import sys

BENCHES = [
    "bench.pipeline_bench",
    "bench.index_bench",
    "bench.fanout_bench",
    "bench.arrival_bench",
    "bench.telegram_bench",
    "bench.broadcast_bench",
    "bench.fault_bench",
    "bench.read_bench",
    "bench.scale_bench",
    "bench.replicas_bench",
    "bench.sources_bench",
]


def main() -> int:
    for name in BENCHES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            print(f"{name}: not available ({exc})")
            continue
        print(f"== {name}")
        module.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
