"""The progress bar: drawn on a terminal, silent when piped, never flooding the terminal."""

from __future__ import annotations

import functools
import io
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

from bot.check import check_folder
from bot.content import ContentConfig
from bot.progress import progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_nothing_is_written_when_output_is_not_a_terminal() -> None:
    stream = io.StringIO()
    with progress(3, "indexing", stream=stream) as tick:
        for _ in range(3):
            tick()
    assert stream.getvalue() == ""


def test_a_terminal_sees_the_bar_reach_the_total_then_a_newline() -> None:
    stream = _Terminal()
    with progress(4, "indexing", stream=stream, min_interval=0) as tick:
        tick(2)
        tick(2)
    out = stream.getvalue()
    assert out.startswith("\rindexing [")
    assert "2/4" in out and " 50%" in out
    last = out.rstrip("\n").split("\r")[-1]
    assert last.startswith("indexing [" + "#" * 30 + "] 4/4 100%")
    assert out.endswith("\n")


def test_redraws_are_throttled_but_the_final_count_is_always_shown() -> None:
    stream = _Terminal()
    now = [0.0]
    with progress(1000, "scanning", stream=stream, clock=lambda: now[0]) as tick:
        for _ in range(1000):
            tick()  # all within the same instant: only the first and the final draw happen
    assert stream.getvalue().count("\r") == 2
    assert "1000/1000" in stream.getvalue()

    stream = _Terminal()
    with progress(5, "scanning", stream=stream, clock=lambda: now[0]) as tick:
        for _ in range(5):
            now[0] += 1.0  # a second apart: every step is drawn
            tick()
    assert stream.getvalue().count("\r") == 1 + 5 + 1


def test_a_shorter_line_fully_covers_the_previous_one() -> None:
    stream = _Terminal()
    with progress(None, "files", stream=stream, min_interval=0) as tick:
        tick(1000)
        tick(-999)  # the count text shrinks from 4 digits to 1
    frames = stream.getvalue().rstrip("\n").split("\r")[1:]
    assert frames[1] == "files 1000"
    assert frames[2] == "files 1   "


def test_the_line_is_ended_even_when_the_job_fails() -> None:
    stream = _Terminal()
    with pytest.raises(RuntimeError), progress(10, "upgrading", stream=stream) as tick:
        tick(3)
        raise RuntimeError("disk full")
    assert stream.getvalue().endswith("3/10  30%\n")


def test_draws_on_a_real_pseudo_terminal() -> None:
    master, slave = os.openpty()
    try:
        with os.fdopen(slave, "w", encoding="utf-8", closefd=False) as tty, progress(2, "migrating", stream=tty) as tick:
            tick(2)
        seen = ""
        while "100%" not in seen and select.select([master], [], [], 5.0)[0]:  # the kernel hands pty
            seen += os.read(master, 4096).decode()  # output over in its own time, maybe in parts
    finally:
        os.close(slave)
        os.close(master)
    assert "migrating [" in seen
    assert "2/2 100%" in seen


def _posts(root: Path, count: int) -> Path:
    root.mkdir()
    for n in range(count):
        (root / f"post-{n:02}.md").write_text(f"---\ntitle: Post {n}\ndate: 2022-01-01\n---\nbody\n", encoding="utf-8")
    return root


def test_herald_check_ticks_once_per_file_on_a_terminal(tmp_path: Path) -> None:
    root = _posts(tmp_path / "posts", 12)
    stream = _Terminal()
    show = functools.partial(progress, stream=stream, min_interval=0)
    results, fatal = check_folder(root, ContentConfig(root=root), show=show)
    assert (len(results), fatal) == (12, 0)
    frames = stream.getvalue().rstrip("\n").split("\r")[1:]
    assert [frame.split("] ")[1].split()[0] for frame in frames] == [f"{n}/12" for n in range(13)] + ["12/12"]


def test_herald_check_piped_writes_nothing_to_stderr(tmp_path: Path) -> None:
    root = _posts(tmp_path / "posts", 3)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check", str(root)],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith("HERALD_")},
    )  # fmt: skip
    assert done.returncode == 0
    assert done.stdout == "checked 3 files: 3 ok, 0 warnings, 0 errors\n"
    assert done.stderr == ""
