"""Reading a fetched commit without a working copy: the post files under a folder of its tree (by
the content folder's own naming rules), each blob's size before it is inflated, and whether one
commit descends from another as far as the fetched history tells.

Everything here reads a dulwich object store that holds what a remote sent, so it is bounded:
the listing stops after `MAX_ENTRIES` posts and a fixed number of tree entries, a tree or blob
larger than its bound is never inflated (a zlib bomb costs a header read), and history walks
stop after a fixed number of commits.
"""

from __future__ import annotations

import codecs
import re
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from dulwich.object_store import BaseObjectStore
from dulwich.objects import Commit, ObjectID, Tree

from bot.content.article import Problem, ProblemKind
from bot.content.loader import MATTER_ONLY_SUFFIXES, MAX_POST_BYTES
from bot.content.scanner import POST_SUFFIXES, is_noise
from bot.sources.model import MAX_ENTRIES

__all__ = ["MAX_TREE_BYTES", "Listing", "PostBlob", "blob_size", "descends", "list_posts", "opens_with_front_matter"]

MAX_TREE_BYTES = 8 * 2**20
"""A folder listing (tree object) larger than this is not read (a real one of 5,000 posts is ~0.5 MiB)."""
MAX_TREE_ENTRIES = 20 * MAX_ENTRIES
"""Entries of every kind (folders, images, other files) one listing may look at."""
MAX_HISTORY = 10_000
"""Commits a descent check may walk."""
_SYMLINK = 0o120000
_SUBMODULE = 0o160000
_OPENING = re.compile(rb"\s*(?:-{3,}|\+{3,}|;{3,}|\{)")  # bot.content.scanner's front matter openings
_PEEK_BYTES = 512
_OFS_DELTA, _REF_DELTA = 6, 7


@dataclass(frozen=True, slots=True)
class PostBlob:
    """A post file in the tree: its path under the folder (POSIX) and its blob's id (hex)."""

    rel: str
    sha: str


@dataclass(slots=True)
class Listing:
    """What the tree holds under the folder: post files, and problems (links, submodules, caps)."""

    posts: list[PostBlob] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    found_folder: bool = True
    """False when the folder is not in the tree at all (or is not a folder)."""
    cut_short: bool = False
    """A cap stopped the listing: posts not listed are still there (nothing may be taken as deleted)."""


class TreeTooLarge(Exception):
    """A tree object is over `MAX_TREE_BYTES`; it is not read."""


def list_posts(store: BaseObjectStore, commit: Commit, subdir: str) -> Listing:
    """List the post files under `subdir` of the commit's tree, sorted by path.

    Post files follow `bot.content.scanner`: Markdown suffixes, `.txt`/`.html` only when the blob
    opens with front matter (read only when it is small enough to be a post); dotfiles, dot-folders
    and editor temporaries are skipped silently. Symlinks and submodules are reported, not followed.
    """
    listing = Listing()
    tree = _folder_tree(store, commit.tree, subdir)
    if tree is None:
        listing.found_folder = False
        return listing
    seen = 0
    for rel, mode, sha in _walk(store, tree, ""):
        seen += 1
        if seen > MAX_TREE_ENTRIES:
            listing.problems.append(_source_problem(f"the folder has more than {MAX_TREE_ENTRIES} entries; the rest is not read"))
            listing.cut_short = True
            break
        name = rel.rsplit("/", 1)[-1]
        if is_noise(name):
            continue
        if mode == _SUBMODULE:
            listing.problems.append(Problem(rel, ProblemKind.UNREADABLE, "a submodule is not followed"))
            continue
        if stat.S_IFMT(mode) == _SYMLINK:
            if _candidate(name) or not _suffix(name):  # a post, or maybe a folder of them
                listing.problems.append(Problem(rel, ProblemKind.UNREADABLE, "a symbolic link in a repository is not followed"))
            continue
        if not stat.S_ISREG(mode) or not _candidate(name):
            continue
        if _suffix(name) in MATTER_ONLY_SUFFIXES and not opens_with_front_matter(store, sha):
            continue
        if len(listing.posts) >= MAX_ENTRIES:
            listing.problems.append(_source_problem(f"more than {MAX_ENTRIES} post files; the rest are not read"))
            listing.cut_short = True
            break
        listing.posts.append(PostBlob(rel, sha))
    listing.posts.sort(key=lambda post: post.rel)
    return listing


def _source_problem(reason: str) -> Problem:
    return Problem("", ProblemKind.WARNING, reason, fatal=False)


def _suffix(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


def _candidate(name: str) -> bool:
    suffix = _suffix(name)
    return suffix in POST_SUFFIXES or suffix in MATTER_ONLY_SUFFIXES


def _folder_tree(store: BaseObjectStore, root: ObjectID, subdir: str) -> Tree | None:
    tree = _tree(store, root)
    for part in subdir.split("/") if subdir else ():
        try:
            mode, sha = tree[part.encode("utf-8")]
        except KeyError:
            return None
        if not stat.S_ISDIR(mode):
            return None
        tree = _tree(store, sha)
    return tree


def _tree(store: BaseObjectStore, sha: ObjectID) -> Tree:
    if blob_size(store, sha) > MAX_TREE_BYTES:
        raise TreeTooLarge(sha.decode("ascii"))
    obj = store[sha]
    if not isinstance(obj, Tree):
        raise TreeTooLarge(sha.decode("ascii"))  # not a tree where one is named: a broken repository
    return obj


def _walk(store: BaseObjectStore, tree: Tree, prefix: str) -> Iterator[tuple[str, int, str]]:
    """Yield (path, mode, sha) of every non-folder entry, depth first; dot-folders are not entered."""
    stack = [(prefix, tree)]
    while stack:
        base, current = stack.pop()
        for item in current.iteritems():
            name = item.path.decode("utf-8", errors="replace")
            rel = f"{base}{name}"
            if stat.S_ISDIR(item.mode):
                if not name.startswith("."):
                    stack.append((rel + "/", _tree(store, item.sha)))
                continue
            yield rel, item.mode, item.sha.decode("ascii")


def opens_with_front_matter(store: BaseObjectStore, sha: str) -> bool:
    """Tell whether a `.txt`/`.html` blob opens with front matter (as the folder's scanner does)."""
    oid = ObjectID(sha.encode("ascii"))
    if blob_size(store, oid) > MAX_POST_BYTES:
        return True  # reported as too large by the reader, like the folder does
    head = store[oid].as_raw_string()[:_PEEK_BYTES]
    for bom, name in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            head = head[len(bom):].decode(name, errors="ignore").encode("utf-8")
            break
    else:
        head = head.removeprefix(codecs.BOM_UTF8)
    return bool(_OPENING.match(head))


def blob_size(store: BaseObjectStore, sha: ObjectID) -> int:
    """The inflated size of an object, read from its pack header (for a delta, from the delta's
    own header), so an object is measured without being inflated. Loose objects are measured by
    dulwich (a fetch writes packs, so those are rare)."""
    for pack in getattr(store, "packs", ()):
        try:
            offset = pack.index.object_offset(sha)
        except KeyError:
            continue
        with open(pack.data.path, "rb") as handle:
            handle.seek(offset)
            return _entry_size(handle.read(64 + 32), handle)
    return len(store[sha].as_raw_string())


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """A little-endian base-128 number (a delta header's sizes)."""
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _entry_size(head: bytes, handle: object) -> int:
    """Size of the object a pack entry holds: its header's size, or a delta's result size."""
    kind = (head[0] >> 4) & 0x07
    size = head[0] & 0x0F
    pos, shift = 1, 4
    byte = head[0]
    while byte & 0x80:
        byte = head[pos]
        size |= (byte & 0x7F) << shift
        shift += 7
        pos += 1
    if kind not in (_OFS_DELTA, _REF_DELTA):
        return size
    if kind == _OFS_DELTA:
        while head[pos] & 0x80:
            pos += 1
        pos += 1
    else:
        pos += 20
    rest = head[pos:] + handle.read(4096)  # type: ignore[attr-defined]
    delta_head = zlib.decompressobj().decompress(rest, 32)  # two varints: base size, result size
    _, at = _varint(delta_head, 0)
    result, _ = _varint(delta_head, at)
    return result


def descends(store: BaseObjectStore, shallow: set[ObjectID], new: ObjectID, old: ObjectID) -> bool | None:
    """Tell whether commit `new` descends from commit `old` (or is it), as far as the fetched
    history shows: True, False, or None when it is too shallow to tell.

    A walk from `new` stops where parents are missing. A missing parent of a commit the server
    marked shallow (the edge of the depth asked for) may hide `old`, unless that commit is itself
    an ancestor of `old`. A missing parent of any other commit is one the server left out because
    the store's own history (`old` and its ancestors, what the fetch said it has) already reaches
    it — an ancestor of `old`, so `old` does not lie beyond it.
    """
    if new == old:
        return True
    seen_new, cut = _ancestors(store, shallow, new, stop=old)
    if old in seen_new:
        return True
    if cut is None:
        return None
    if not cut:
        return False
    seen_old, old_cut = _ancestors(store, shallow, old, stop=None)
    if old_cut is None:
        return None
    return False if cut <= seen_old else None


def _ancestors(
    store: BaseObjectStore, shallow: set[ObjectID], start: ObjectID, stop: ObjectID | None
) -> tuple[set[ObjectID], set[ObjectID] | None]:
    """Commits reachable from `start` in the store (stopping at `stop`), and the shallow ones
    among them whose parents are missing; the second is None when the walk hit `MAX_HISTORY`."""
    seen: set[ObjectID] = set()
    cut: set[ObjectID] = set()
    stack = [start]
    while stack:
        sha = stack.pop()
        if sha in seen:
            continue
        seen.add(sha)
        if sha == stop:
            return seen, cut
        if len(seen) > MAX_HISTORY:
            return seen, None
        try:
            commit = store[sha]
        except KeyError:
            cut.add(sha)
            continue
        if not isinstance(commit, Commit):
            continue
        for parent in commit.parents:
            if parent in store:
                stack.append(parent)
            elif sha in shallow:
                cut.add(sha)
    return seen, cut
