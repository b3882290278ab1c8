"""The content watcher on a real folder: complete files, no editor noise, bursts and renames batched."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.schedule import watch
from bot.schedule.watch import ContentWatcher, is_noise

POST = "---\ntitle: Hello\ndate: 2026-01-01\n---\n"
WAIT = 5.0  # upper bound for a batch to arrive; a failing test waits this long, a passing one much less


class Batches:
    """Collects batches (and what each file held when it was handed over)."""

    def __init__(self) -> None:
        self.batches: list[set[Path]] = []
        self.contents: dict[Path, str] = {}
        self._arrived = asyncio.Condition()

    async def __call__(self, paths: set[Path]) -> None:
        for path in paths:
            if path.is_file():
                self.contents[path] = path.read_text()
        async with self._arrived:
            self.batches.append(set(paths))
            self._arrived.notify_all()

    @property
    def seen(self) -> set[Path]:
        return set().union(*self.batches)

    async def until(self, *paths: Path) -> None:
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: set(paths) <= self.seen), WAIT)

    async def quiet(self, settle: float = 0.5) -> None:
        """Wait until no batch has arrived for `settle` seconds."""
        while True:
            count = len(self.batches)
            await asyncio.sleep(settle)
            if len(self.batches) == count:
                return


@pytest.fixture
async def watched(tmp_path: Path) -> AsyncIterator[tuple[Path, Batches]]:
    root = tmp_path / "content"
    root.mkdir()
    batches = Batches()
    watcher = ContentWatcher(root, batches, debounce_ms=100, settle_ms=400)
    stop = asyncio.Event()
    task = asyncio.create_task(watcher.run(stop))
    await asyncio.wait_for(watcher.ready.wait(), WAIT)
    try:
        yield watcher.root, batches
    finally:
        stop.set()
        await asyncio.wait_for(task, WAIT)


async def test_a_post_written_in_chunks_is_handed_over_once_complete(watched) -> None:
    root, batches = watched
    post = root / "slow.md"
    with post.open("w") as handle:
        for chunk in (POST, "First paragraph.\n", "Last paragraph.\n"):
            handle.write(chunk)
            handle.flush()
            await asyncio.sleep(0.1)
    await batches.until(post)
    await batches.quiet()
    assert [batch for batch in batches.batches if post in batch] == [{post}]
    assert batches.contents[post].endswith("Last paragraph.\n")


@pytest.fixture
async def whole_only(tmp_path: Path) -> AsyncIterator[tuple[Path, Batches]]:
    """A watcher whose settle time is too long for any test: only files known whole go over."""
    root = tmp_path / "content"
    root.mkdir()
    if not _writers_known(root):
        pytest.skip("whether a file is still open for writing cannot be known here (Linux leases)")
    batches = Batches()
    watcher = ContentWatcher(root, batches, debounce_ms=100, settle_ms=600_000)
    stop = asyncio.Event()
    task = asyncio.create_task(watcher.run(stop))
    await asyncio.wait_for(watcher.ready.wait(), WAIT)
    try:
        yield watcher.root, batches
    finally:
        stop.set()
        await asyncio.wait_for(task, WAIT)


def _writers_known(folder: Path) -> bool:
    probe = folder / ".probe"
    probe.write_text("closed")
    fd = os.open(probe, os.O_RDONLY)
    try:
        return watch._no_writer(fd)
    finally:
        os.close(fd)
        probe.unlink()


async def test_a_post_renamed_into_place_or_written_and_closed_goes_over_without_the_settle_wait(
    whole_only,
) -> None:
    root, batches = whole_only
    staged = root / ".renamed.md.tmp"
    staged.write_text(POST + "Renamed.\n")
    renamed = staged.rename(root / "renamed.md")
    await batches.until(renamed)
    written = root / "written.md"
    written.write_text(POST + "Written.\n")
    await batches.until(written)
    assert batches.contents == {renamed: POST + "Renamed.\n", written: POST + "Written.\n"}


async def test_a_post_still_open_for_writing_waits_until_it_is_closed(whole_only) -> None:
    root, batches = whole_only
    post = root / "open.md"
    with post.open("w") as handle:
        handle.write(POST)
        handle.flush()
        await batches.quiet()  # long enough for a file known whole to have gone over
        assert batches.batches == []
        handle.write("The rest, written later.\n")
    await batches.until(post)
    assert batches.batches == [{post}] and batches.contents[post].endswith("written later.\n")


async def test_editor_noise_and_non_posts_are_ignored(watched) -> None:
    root, batches = watched
    (root / ".hidden.md").write_text(POST)
    (root / ".git").mkdir()
    (root / ".git" / "notes.md").write_text(POST)
    for name in ("post.md~", ".post.md.swp", "post.md.swx", "#post.md#", "post.md.tmp", "big.md.part",
                 "video.md.crdownload", "4913", "photo.png", "notes.txt"):
        (root / name).write_text("plain text, no front matter")
    (root / "4913").unlink()
    (root / "matter.txt").write_text(POST)
    marker = root / "real.md"
    marker.write_text(POST)
    await batches.until(marker)
    await batches.quiet()
    assert batches.seen == {marker, root / "matter.txt"}


async def test_a_burst_of_a_thousand_posts_arrives_in_a_few_batches(watched) -> None:
    root, batches = watched

    def drop() -> list[Path]:
        paths = [root / f"post-{i:04}.md" for i in range(1000)]
        for path in paths:
            path.write_text(POST)
        return paths

    paths = await asyncio.to_thread(drop)
    await batches.until(*paths)
    await batches.quiet()
    assert batches.seen == set(paths)
    assert len(batches.batches) <= 5


async def test_a_deleted_post_is_reported(watched) -> None:
    root, batches = watched
    post = root / "gone.md"
    post.write_text(POST)
    await batches.until(post)
    await batches.quiet()
    post.unlink()
    await asyncio.wait_for(_until_batches(batches, 2), WAIT)
    assert batches.batches[-1] == {post}


async def test_a_rename_arrives_as_one_batch_with_both_paths(watched) -> None:
    root, batches = watched
    old, new = root / "a.md", root / "b.md"
    old.write_text(POST)
    await batches.until(old)
    await batches.quiet()
    old.rename(new)
    await asyncio.wait_for(_until_batches(batches, 2), WAIT)
    assert batches.batches[1] == {old, new}


async def test_posts_in_a_new_folder_are_found(watched) -> None:
    root, batches = watched
    folder = root / "2026" / "06"
    folder.mkdir(parents=True)
    post = folder / "deep.md"
    post.write_text(POST)
    await batches.until(post)
    await batches.quiet()
    assert batches.seen == {post}


async def test_a_failing_handler_does_not_stop_the_watch(tmp_path: Path) -> None:
    seen: list[set[Path]] = []
    arrived = asyncio.Event()

    async def flaky(paths: set[Path]) -> None:
        seen.append(paths)
        arrived.set()
        if len(seen) == 1:
            raise RuntimeError("index is busy")

    watcher = ContentWatcher(tmp_path, flaky, debounce_ms=50, settle_ms=100)
    stop = asyncio.Event()
    task = asyncio.create_task(watcher.run(stop))
    await watcher.ready.wait()
    for name in ("one.md", "two.md"):
        arrived.clear()
        (tmp_path / name).write_text(POST)
        await asyncio.wait_for(arrived.wait(), WAIT)
    stop.set()
    await asyncio.wait_for(task, WAIT)
    assert seen == [{watcher.root / "one.md"}, {watcher.root / "two.md"}]


def test_noise_names() -> None:
    for name in ("a.md~", ".a.md.swp", "a.swx", "#a.md#", "a.tmp", "a.part", "a.crdownload", "4913", ".DS_Store"):
        assert is_noise(name), name
    for name in ("a.md", "2026-06-01-hello.markdown", "4913.md", "read#me.md"):
        assert not is_noise(name), name


async def _until_batches(batches: Batches, count: int) -> None:
    while len(batches.batches) < count:
        await asyncio.sleep(0.05)


async def test_a_missing_content_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    async def ignore(paths: set[Path]) -> None:
        pass

    watcher = ContentWatcher(tmp_path / "nowhere", ignore)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        await asyncio.wait_for(watcher.run(asyncio.Event()), WAIT)
