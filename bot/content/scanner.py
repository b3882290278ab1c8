"""Find post files in a content folder: Markdown files, plus `.txt`/`.html` files that open with
front matter; editor temp files, dotfiles and dot-folders are skipped silently."""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterator
from pathlib import Path

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


def scan_folder(config: ContentConfig) -> Iterator[Path]:
    """Yield every candidate post under the content root, sorted by relative path."""
    root = config.root
    found: list[tuple[str, Path]] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        base = Path(folder)
        for name in files:
            path = base / name
            if is_post_file(path, root):
                found.append((path.relative_to(root).as_posix(), path))
    found.sort(key=lambda item: item[0])
    for _, path in found:
        yield path


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
