"""The console platform, as `make run` gives it: one subscribed chat on stdin/stdout."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.console_chat import ConsoleChat

REPO = Path(__file__).resolve().parents[1]


def post(title: str, *, date: str = "2026-01-02 10:00:00", categories: str = "[新闻, 观察者网]", body: str = "") -> str:
    body = body or f"<p>{title} 的第一段。这是第二句。</p>"
    return f"---\ntitle: '{title}'\ndate: {date}\ncategories: {categories}\nauthor: 编辑部\n---\n\n{body}\n"


POSTS = {
    "a.md": post("旧闻一则", date="2026-01-01 08:00:00"),
    "b.md": post("Second story", date="2026-01-02 08:00:00", categories="[Tech]", body="<p>Hello & welcome.</p>"),
}


async def test_latest_categories_and_read_answer_on_stdout(tmp_path: Path) -> None:
    async with ConsoleChat.open(tmp_path, posts=POSTS) as chat:
        latest = await chat.send("/latest 3")
        assert latest.index("Second story") < latest.index("旧闻一则")  # newest first
        categories = await chat.send("/categories")
        assert "观察者网 (1)" in categories and "Tech (1)" in categories
        category = await chat.send("/category ＴＥＣＨ")  # full-width, other case
        assert "Second story" in category and "旧闻一则" not in category
        article_id = next(line.split()[0].lstrip("#") for line in latest.splitlines() if "旧闻一则" in line)
        read = await chat.send(f"/read {article_id}")
        assert "旧闻一则 的第一段。这是第二句。" in read


async def test_a_new_post_is_printed_once_and_the_backlog_never(tmp_path: Path) -> None:
    async with ConsoleChat.open(tmp_path, posts=POSTS) as chat:
        chat.drop("c.md", post("Fresh news", date="2026-01-03 08:00:00", body="<p>Just in. More later.</p>"))
        output = await chat.wait_for("Just in.")
        await chat.send("/help")
    assert output.count("Fresh news") == 1
    assert "Hello & welcome." not in chat.output  # what was there at the first start is not sent


async def test_bad_input_gets_a_one_line_explanation_in_chinese_too(tmp_path: Path) -> None:
    async with ConsoleChat.open(tmp_path, posts=POSTS, lang="zh_CN.UTF-8") as chat:
        unknown = await chat.send("/frobnicate")
        assert "/help" in unknown and len(unknown.strip().splitlines()) <= 2
        bad = await chat.send("/latest lots")
        assert "/latest" in bad
        plain = await chat.send("hello")
        assert "/help" in plain
        assert any("\u4e00" <= ch <= "\u9fff" for ch in unknown + bad + plain)


async def test_read_shows_where_links_go(tmp_path: Path) -> None:
    body = '<p>Read <a href="https://example.org/report">the <em>report</em></a> first.</p>'
    posts = {"l.md": post("Linked", date="2026-01-04 08:00:00", categories="[Tech]", body=body)}
    async with ConsoleChat.open(tmp_path, posts=posts) as chat:
        latest = await chat.send("/latest")
        article_id = next(line.split()[0].lstrip("#") for line in latest.splitlines() if "Linked" in line)
        read = await chat.send(f"/read {article_id}")
    assert "Read [the *report*](https://example.org/report) first." in read


async def test_unsubscribing_stops_new_posts(tmp_path: Path) -> None:
    async with ConsoleChat.open(tmp_path, posts=POSTS) as chat:
        assert "every new article" in await chat.send("/subscriptions")  # subscribed from the start
        await chat.send("/unsubscribe all")
        chat.drop("d.md", post("Unwanted", date="2026-01-04 08:00:00"))
        await chat.herald.index.scan()
        await chat.herald.delivery.drain()
        await chat.send("/help")
    assert "Unwanted" not in chat.output


@pytest.mark.parametrize("lang", ["en_US.UTF-8", "zh_CN.UTF-8"])
def test_piped_commands_print_sensible_replies_and_exit_zero(tmp_path: Path, lang: str) -> None:
    """`printf '/subscribe\\n/latest 3\\n/category 观察者网\\n/categories\\n' | herald run` in a fresh folder."""
    content = tmp_path / "content"
    content.mkdir()
    for name, text in POSTS.items():
        (content / name).write_text(text, encoding="utf-8")
    env = {**os.environ, "LC_ALL": lang, "HERALD_HTTP_PORT": "0"}
    env = {k: v for k, v in env.items() if not k.startswith("HERALD_") or k == "HERALD_HTTP_PORT"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="/subscribe\n/latest 3\n/category 观察者网\n/categories\n",
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "旧闻一则" in out and "Second story" in out
    assert re.search(r"观察者网\s*[(（]1", out)  # /categories counts, in either language
    assert "Traceback" not in done.stderr
    assert (tmp_path / "data" / "herald.db").exists()  # the default SQLite database, folder created


def test_sigterm_stops_the_console_even_while_stdin_stays_open(tmp_path: Path) -> None:
    """`docker compose stop` sends SIGTERM to a console Herald whose stdin is open but idle."""
    import signal
    import time

    (tmp_path / "content").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, cwd=tmp_path, env={**env, "HERALD_HTTP_PORT": "0"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "data" / "herald.db").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
