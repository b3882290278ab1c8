"""Load one post file into an `Article`, or report why it cannot be published. Never raises on
bad content: every failure is a typed `Problem` in the `LoadResult`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from bot.content import fields as fm
from bot.content.article import Article, Problem, ProblemKind
from bot.content.boundary import OUTSIDE_REASON, OutsideFolder, read_inside
from bot.content.config import ContentConfig
from bot.content.dates import date_from_path, parse_date
from bot.content.encoding import UndecodableError, decode_text
from bot.content.links import article_link, pick_thumbnail
from bot.content.matter import FrontMatterError, read_matter
from bot.content.paths import posix_path

# Suffixes that are posts only when the file has front matter (the seed post is a `.txt`).
MATTER_ONLY_SUFFIXES = frozenset({".txt", ".html", ".htm"})
# Larger files are not posts (a stray archive or video in the content folder).
MAX_POST_BYTES = 8 * 1024 * 1024
_DATE_FIELDS = ("date", "published_at", "pubdate")
_UPDATED_FIELDS = ("updated", "lastmod", "modified", "last_modified_at")


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What reading one file gave: the article (None when a fatal problem stopped it) and problems."""

    path: str
    """Path under the content root, POSIX (or the given path when it is outside the root)."""
    article: Article | None
    problems: tuple[Problem, ...] = ()

    @property
    def publishable(self) -> bool:
        """True when an article was read and no problem is fatal."""
        return self.article is not None and not any(p.fatal for p in self.problems)


def file_digest(raw: bytes) -> str:
    """Return the content digest of a post file (`Article.digest`; the index compares it)."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def relative_path(path: Path, root: Path) -> str:
    """Return the path under root with POSIX separators, or the path itself when outside root."""
    under = _under_by_name(path, root)
    if under:
        return under
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        pass
    try:
        return path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        return path.as_posix()


def load_article(path: Path, config: ContentConfig) -> LoadResult:
    """Read a post file into an Article; problems (even unreadable files) are reported, not raised.

    A path under the content root is read only if it resolves inside the root; any other path
    (`herald preview` of a file elsewhere) only if it resolves inside its own folder.
    """
    rel = relative_path(path, config.root)
    read = read_post(path, _boundary(path, config.root), rel)
    if isinstance(read, Problem):
        return LoadResult(rel, None, (read,))
    raw, mtime_ns = read
    return load_text(raw, rel, config, mtime_ns=mtime_ns)


def read_post(path: Path, root: Path, rel: str) -> tuple[bytes, int] | Problem:
    """Return a post file's bytes and modification time (ns), read only if it lies inside `root`
    (links leading out are not followed); or the fatal `Problem` saying why it was not read."""
    try:
        raw, info = read_inside(path, root, max_bytes=MAX_POST_BYTES)
    except OutsideFolder:
        return Problem(rel, ProblemKind.UNREADABLE, OUTSIDE_REASON)
    except OSError as exc:
        return Problem(rel, ProblemKind.UNREADABLE, f"cannot read the file ({exc.strerror or type(exc).__name__})")
    if raw is None:
        return Problem(rel, ProblemKind.NOT_A_POST, f"file is {info.st_size} bytes, larger than a post can be")
    return raw, info.st_mtime_ns


def _boundary(path: Path, root: Path) -> Path:
    """The folder a path must stay inside: the content root when it is under it, else its own folder."""
    if _under_by_name(path, root):
        return root
    full = path.absolute()
    try:
        full.relative_to(root.absolute())
    except ValueError:
        return full.parent
    return root


def _under_by_name(path: Path, root: Path) -> str | None:
    """The part of an absolute `path` after an absolute `root` (compared as normalised text,
    which is what `relative_to` compares on POSIX), or None to let pathlib decide."""
    if not isinstance(path, PurePosixPath) or not isinstance(root, PurePosixPath):
        return None
    full, top = str(path), str(root)
    if not top.startswith("/") or not full.startswith(top) or full[len(top): len(top) + 1] != "/" or top == "/":
        return None
    return full[len(top) + 1:] or None


def load_text(raw: bytes, rel_path: str, config: ContentConfig, *, mtime_ns: int = 0) -> LoadResult:
    """Turn a post's raw bytes into an Article; `mtime_ns` is the fallback date (0: now)."""
    try:
        return _load(raw, rel_path, config, mtime_ns)
    except Exception as exc:  # noqa: BLE001 - the contract: a bad file is reported, never raised
        return _fatal(rel_path, ProblemKind.NOT_A_POST, f"cannot read this post ({type(exc).__name__}: {exc})"[:300])


def _load(raw: bytes, rel_path: str, config: ContentConfig, mtime_ns: int) -> LoadResult:
    if not raw.strip():
        return _fatal(rel_path, ProblemKind.EMPTY, "the file is empty")
    try:
        decoded = decode_text(raw)
    except UndecodableError as exc:
        return _fatal(rel_path, ProblemKind.UNDECODABLE, str(exc))
    if not decoded.text.strip(" \t\r\n\ufeff"):
        return _fatal(rel_path, ProblemKind.EMPTY, "the file is empty")
    try:
        matter = read_matter(decoded.text)
    except FrontMatterError as exc:
        return _fatal(rel_path, ProblemKind.FRONT_MATTER, str(exc))
    suffix = posix_path(rel_path).suffix.lower()
    if matter.format == "none" and suffix in MATTER_ONLY_SUFFIXES:
        return _fatal(rel_path, ProblemKind.NOT_A_POST, f"a {suffix} file without front matter is not a post")
    if not matter.fields and not matter.body:
        return _fatal(rel_path, ProblemKind.NOT_A_POST, "no front matter fields and no text")

    problems = [Problem(rel_path, ProblemKind.WARNING, w, fatal=False) for w in matter.warnings]
    values = matter.fields
    body = matter.body

    title, title_warning = fm.pick_title(values, body, rel_path)
    if title_warning and (title_warning.startswith("blank") or matter.format != "none"):
        problems.append(Problem(rel_path, ProblemKind.WARNING, title_warning, fatal=False))

    date = _article_date(values, rel_path, config, mtime_ns, problems)
    updated = next(
        (d for d in (parse_date(values.get(k), config.zone) for k in _UPDATED_FIELDS) if d is not None), None
    )
    paths = fm.category_paths(values)
    tags = fm.tag_names(values)
    over = fm.taxonomy_problem(paths, tags)
    if over:
        return _fatal(rel_path, ProblemKind.FRONT_MATTER, over)
    article = Article(
        key=fm.article_key(values, rel_path),
        path=rel_path,
        title=title,
        date=date,
        body=body,
        updated=updated,
        author=fm.author_name(values),
        categories=fm.flatten(paths),
        category_paths=paths,
        tags=tags,
        thumbnail=pick_thumbnail(values, body, config.site_url, config.placeholder_hosts),
        excerpt=fm.explicit_excerpt(values, body),
        url=article_link(
            values,
            rel_path=rel_path,
            title=title,
            date=date,
            zone=config.zone,
            category_paths=paths,
            site_url=config.site_url,
            pattern=config.permalink,
        ),
        draft=fm.is_draft(values, rel_path),
        lang=fm.language(values),
        mtime_ns=mtime_ns,
        size=len(raw),
        digest=file_digest(raw),
        extra={"format": matter.format, "encoding": decoded.encoding, "front_matter": values},
    )
    return LoadResult(rel_path, article, tuple(problems))


def _article_date(
    values: dict[str, object], rel_path: str, config: ContentConfig, mtime_ns: int, problems: list[Problem]
) -> datetime:
    raw = next((values[k] for k in _DATE_FIELDS if values.get(k) not in (None, "")), None)
    date = parse_date(raw, config.zone)
    if date is not None:
        return date
    zola_path = values.get("path")
    from_path = (date_from_path(zola_path, config.zone) if isinstance(zola_path, str) else None) or date_from_path(
        rel_path, config.zone
    )
    if raw is not None:
        fallback = "the date in the path" if from_path else "the file's modification time"
        problems.append(
            Problem(rel_path, ProblemKind.BAD_DATE, f"cannot read date {str(raw)[:40]!r}; using {fallback}", fatal=False)
        )
    if from_path is not None:
        return from_path
    if raw is None:
        problems.append(Problem(rel_path, ProblemKind.WARNING, "no date; using the file's modification time", fatal=False))
    if mtime_ns:
        return datetime.fromtimestamp(mtime_ns / 1_000_000_000, UTC)
    return datetime.now(UTC)


def _fatal(path: str, kind: ProblemKind, reason: str) -> LoadResult:
    return LoadResult(path, None, (Problem(path, kind, reason),))
