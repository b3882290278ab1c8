"""Find post files in a content folder: Markdown files, plus `.txt`/`.html` files that open with
front matter; editor temp files, dotfiles and dot-folders are skipped silently. Links that lead
out of the folder are listed apart (for reports), never opened or walked; link loops end."""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.boundary import is_inside
from bot.content.config import ContentConfig
from bot.content.loader import MATTER_ONLY_SUFFIXES

POST_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn", ".mdtxt", ".mdtext"})
_NOISE_SUFFIXES = (".swp", ".swo", ".swx", ".tmp", ".bak", ".orig", ".part", ".crdownload")
_VIM_PROBE = "4913"  # vim creates and deletes this file to test that a folder is writable
_OPENING = re.compile(r"\s*(?:-{3,}|\+{3,}|;{3,}|\{)")
# Enough of a file's start to see its front matter opening after a BOM and blank lines.
_PEEK_BYTES = 512


def is_post_file(path: Path, root: Path) -> bool:
    """Tell whether the scanner treats this path as a post (by name; `.txt` needs front matter)."""
    name = path.name
    if is_noise(name):
        return False
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = (name,)
    if any(part.startswith(".") for part in parts):
        return False
    suffix = path.suffix.lower()
    if suffix in POST_SUFFIXES:
        return True
    if suffix in MATTER_ONLY_SUFFIXES:
        return _opens_with_front_matter(path)
    return False


@dataclass(frozen=True, slots=True)
class Found:
    """What a walk found: post files inside the folder, and links that lead out of it."""

    posts: list[Path] = field(default_factory=list)
    """Candidate posts, sorted by path (links that stay inside included)."""
    outside: list[Path] = field(default_factory=list)
    """Links (to a post-like file, or to a folder) whose target lies outside the root: never read."""


def scan_folder(config: ContentConfig) -> Iterator[Path]:
    """Yield every candidate post under the content root, sorted by relative path."""
    yield from walk_posts(config.root, config.root).posts


def scan_content(config: ContentConfig) -> Found:
    """Walk the content root: its posts, and the links that lead outside it (for reports)."""
    return walk_posts(config.root, config.root)


def walk_posts(start: Path, root: Path) -> Found:
    """Walk `start` (root or a folder under it) for posts, never leaving `root`.

    A link to a file or folder outside `root` is listed in `outside`, never read or walked. A
    link to a folder inside is walked only when the walk would not reach that folder anyway
    (it is hidden, e.g. `.shared/`), and each real folder at most once: no loops, no duplicates.
    """
    real_root = os.path.realpath(root)
    posts: list[tuple[str, Path]] = []
    outside: list[Path] = []
    visited: set[str] = set()
    for folder, dirs, files in os.walk(start, followlinks=True):
        base = Path(folder)
        visited.add(os.path.realpath(base))
        dirs[:] = [d for d in sorted(dirs) if not d.startswith(".") and _follow(base / d, real_root, visited, outside)]
        for name in files:
            path = base / name
            if os.path.islink(path) and not is_inside(path, real_root):
                if _looks_like_post(path, root):
                    outside.append(path)
            elif is_post_file(path, root):
                posts.append((_rel(path, root), path))
    posts.sort(key=lambda item: item[0])
    return Found([path for _, path in posts], sorted(outside, key=lambda p: _rel(p, root)))


def _follow(path: Path, real_root: str, visited: set[str], outside: list[Path]) -> bool:
    """Tell whether the walk goes into this sub-folder (a real one always; a link maybe)."""
    if not os.path.islink(path):
        return True
    real = os.path.realpath(path)
    if not is_inside(real, real_root):
        outside.append(path)
        return False
    if real in visited or not os.path.isdir(real):
        return False  # a loop, or a folder already walked
    rel_parts = Path(os.path.relpath(real, real_root)).parts
    if not any(part.startswith(".") for part in rel_parts):
        return False  # walked anyway under its real path: following would index its posts twice
    visited.add(real)
    return True


def _looks_like_post(path: Path, root: Path) -> bool:
    """Judge a link by its name alone (its target outside the folder is never opened)."""
    if is_noise(path.name):
        return False
    suffix = path.suffix.lower()
    return suffix in POST_SUFFIXES or suffix in MATTER_ONLY_SUFFIXES


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def is_noise(name: str) -> bool:
    """Tell whether a file name is an editor/download temporary or a dotfile, never a post."""
    return (
        name.startswith((".", "~$"))
        or name.endswith("~")
        or (name.startswith("#") and name.endswith("#"))
        or name.lower().endswith(_NOISE_SUFFIXES)
        or name == _VIM_PROBE
    )


def _opens_with_front_matter(path: Path) -> bool:
    """Peek at the start of a `.txt`/`.html` file; a missing file counts (the watcher saw it go)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_PEEK_BYTES)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    for bom, name in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            text = head[len(bom):].decode(name, errors="ignore")
            break
    else:
        text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    return bool(_OPENING.match(text))
