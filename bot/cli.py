"""The `herald` command line (placeholder until the CLI lands)."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Run the herald command line."""
    raise SystemExit("herald: not implemented yet")
