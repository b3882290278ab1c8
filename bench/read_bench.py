"""`/read` of a 5 MB post on Telegram under Telegram's real limits (1 message/s per chat, burst 3),
and how long a `/help` sent while it is going out waits for its answer.

Herald runs here with the real Telegram adapter against the in-process fake Bot API (its real
flood limits on). Prints the post's size, how many messages `/read` sent and over how long, where
the Continue button points, and the `/help` wait (target: about two message slots, not the
whole article).

    .venv/bin/python -m bench.read_bench [--paragraphs 5800]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path


def _post(folder: Path, paragraphs: int) -> int:
    words = "Words & more words of a very long article. " * 20
    body = "\n\n".join(f"Paragraph {i} of Huge. {words}" for i in range(paragraphs))
    path = folder / "huge.md"
    path.write_text(f"---\ntitle: Huge\ndate: 2026-02-01 10:00:00\ncategories:\n  - World\n---\n\n{body}\n",
                    encoding="utf-8")
    return path.stat().st_size


async def _run(paragraphs: int) -> None:
    from tests.fakes.telegram_limits import FakeLimits
    from tests.test_telegram_app import ADMIN, LENIENT, running, until

    with tempfile.TemporaryDirectory() as folder:
        async with running(Path(folder), limits=FakeLimits(), scale=None, flood=LENIENT,
                           site_url="https://example.org") as b:
            size = _post(b.content, paragraphs)
            await b.herald.index.scan()
            started = time.monotonic()
            b.tg.command(ADMIN, ADMIN, "/read 1")
            await until(lambda: len(b.tg.sent_to(ADMIN)) >= 4, 60)
            asked = b.tg.now()
            b.tg.command(ADMIN, ADMIN, "/help")
            await until(lambda: any((m.plain_text or "").startswith("Commands:") for m in b.tg.sent_to(ADMIN)), 60)
            helped = next(m for m in b.tg.sent_to(ADMIN) if (m.plain_text or "").startswith("Commands:"))
            await until(lambda: any(m.reply_markup for m in b.tg.sent_to(ADMIN)
                                    if not (m.plain_text or "").startswith("Commands:")), 120)
            article = [m for m in b.tg.sent_to(ADMIN) if not (m.plain_text or "").startswith("Commands:")]
            keys = [k for row in article[-1].reply_markup["inline_keyboard"] for k in row]
            print(f"post: {size / 1e6:.1f} MB, {paragraphs} paragraphs")
            print(f"/read: {len(article)} messages over {article[-1].time - article[0].time:.1f} s "
                  f"(first after {article[0].time - started:.2f} s); buttons: "
                  + ", ".join(k.get("callback_data") or k["text"] for k in keys))
            print(f"/help sent during /read: answered after {helped.time - asked:.2f} s "
                  f"(message {b.tg.sent_to(ADMIN).index(helped) + 1} in the chat)")
            print(f"429s from the fake: {b.tg.too_many}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark once."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=5_800, help="about 880 characters each")
    args = parser.parse_args(argv)
    asyncio.run(_run(args.paragraphs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
