"""Filters end to end on Telegram: the real app and PTB against the fake Bot API. Readers set their
filters with `/subscribe` and `/filter` as chat messages; 50 posts dropped into the content folder
reach each chat exactly when its filters let them through."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.filters import fold
from tests.test_telegram_app import running, until

POSTS = {
    # name: (title, tags, first paragraph)
    "py": ("Python 3.14 released", ("Python",), "The new interpreter is faster."),
    "py-ad": ("Learn Python fast", ("Python", "Sponsored"), "A course from our sponsor."),
    "rust": ("Rust in the kernel", ("Rust",), "Drivers written in Rust."),
    "ml": ("机器学习入门", ("AI",), "从线性回归开始。"),
    "wide": ("ＰＹＴＨＯＮ ｔｉｐｓ", (), "Full-width letters in the title."),
    "other": ("Gardening in spring", ("Life",), "Plant tomatoes early."),
}
# 44 more, matching some filters by title, tag or excerpt only, to make 50 new posts.
for _i in range(44):
    _kind = _i % 4
    POSTS[f"n{_i}"] = (
        (f"Python notes ({_i})", f"Weekly digest ({_i})", f"Sponsored: tools ({_i})", f"Travel log ({_i})")[_kind],
        (("Python",), ("Rust",), ("Sponsored", "Python"), ("Life",))[_kind],
        ("Short tips.", "Borrow checker talk.", "From a partner.", "Trains and boats.")[_kind],
    )


def _wanted(keep) -> set[str]:
    return {name for name, post in POSTS.items() if keep(*post)}


def _has(word: str, title: str, tags: tuple[str, ...], text: str) -> bool:
    return word in fold(f"{title} {' '.join(tags)} {text}")
READERS = {
    301: ("", set(POSTS)),
    302: ("+python -sponsored", _wanted(lambda *p: _has("python", *p) and not _has("sponsored", *p))),
    303: ("ＰＹＴＨＯＮ", _wanted(lambda *p: _has("python", *p))),
    304: ("/rust|机器/", _wanted(lambda *p: _has("rust", *p) or _has("机器", *p))),
    305: ("-/python|rust/ -sponsored", _wanted(lambda *p: not any(_has(w, *p) for w in ("python", "rust", "sponsored")))),
}


def write(folder: Path, name: str, title: str, tags: tuple[str, ...], text: str) -> None:
    tag_lines = "".join(f"  - {tag}\n" for tag in tags)
    front = f"---\ntitle: '{title}'\ndate: 2026-02-01 10:00:00\ncategories:\n  - World\ntags:\n{tag_lines}---\n\n"
    (folder / f"{name}.md").write_text(front + text + "\n", encoding="utf-8")


async def test_filtered_chats_receive_exactly_the_matching_new_posts(tmp_path: Path) -> None:
    async with running(tmp_path) as b:
        tg = b.tg
        for reader, (words, _) in READERS.items():
            tg.add_chat(reader, type="private")
            await b.say(reader, reader, "/subscribe")
            if words:
                (answer,) = await b.say(reader, reader, f"/filter {words}")
                assert reader != 302 or ("+python" in answer.plain_text and "-sponsored" in answer.plain_text)
        assert {len(wanted) for _, wanted in READERS.values()} != {len(POSTS)}  # the filters narrow
        assert len(POSTS) == 50
        for name, (title, tags, text) in POSTS.items():
            write(b.content, name, title, tags, text)
        await b.herald.index.scan()

        def titles(reader: int) -> set[str]:
            return {name for name, (title, _, _) in POSTS.items()
                    for m in tg.sent_to(reader) if title in (m.plain_text or m.caption or "")}  # fmt: skip

        await until(lambda: all(titles(r) == wanted for r, (_, wanted) in READERS.items()), timeout=60)
        await asyncio.sleep(0.5)  # nothing more arrives
        for reader, (_, wanted) in READERS.items():
            assert titles(reader) == wanted, reader
            cards = [m for m in tg.sent_to(reader)
                     if any(title in (m.plain_text or m.caption or "") for title, _, _ in POSTS.values())]  # fmt: skip
            assert len(cards) == len(wanted), reader  # each once
