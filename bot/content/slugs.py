"""The path a static-site generator gives a post, for the `:title` part of a permalink.

Each generator has its own rule, told apart by where the file lives and what its front matter
holds:

- Hexo (`source/_posts/…`, or any other folder): the path under `_posts` without its extension;
  a `slug` in front matter replaces it.
- Jekyll (`_posts/YYYY-MM-DD-name.ext`): `name` — the date prefix and sub-folders are not part of
  the URL; `slug` replaces it.
- Hugo (`content/section/name.md`): `section/name`, lower-cased as Hugo does by default; a page
  bundle (`name/index.md`) takes its folder's name; `slug` replaces the last part.
- Zola (`content/…` with Zola's `path`, `extra` or `taxonomies` keys, or a `YYYY-MM-DD_` prefix):
  like Hugo, but a `YYYY-MM-DD_` or `YYYY-MM-DD-` prefix is dropped and names are slugified.

A front matter `permalink`, `url` (Hugo) or `path` (Zola) is a full link and is read elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from bot.content.paths import posix_path

Generator = Literal["hexo", "jekyll", "hugo", "zola"]

_JEKYLL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}-(?=.)")
_ZOLA_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[_-](?=.)")
_ZOLA_ONLY_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}_(?=.)")
_ZOLA_KEYS = ("path", "extra", "taxonomies")
_BUNDLE_INDEX = frozenset({"index", "_index"})
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def generator_of(fields: Mapping[str, Any], rel_path: str) -> Generator:
    """Tell which generator the post is written for, from its place in the site and its keys."""
    parts = posix_path(rel_path).parts
    folders = parts[:-1]
    name = parts[-1] if parts else ""
    for marker in ("_posts", "_drafts"):
        if marker in folders:
            at = len(folders) - 1 - folders[::-1].index(marker)
            if at > 0 and folders[at - 1] == "source":
                return "hexo"
            return "jekyll" if _JEKYLL_DATE.match(name) else "hexo"
    if "content" in folders:
        if any(fields.get(key) not in (None, "", {}) for key in _ZOLA_KEYS) or _ZOLA_ONLY_DATE.match(name):
            return "zola"
        return "hugo"
    return "hexo"


def title_path(fields: Mapping[str, Any], rel_path: str) -> list[str]:
    """Return the `:title` of a permalink as path segments, by the post's generator's rule."""
    generator = generator_of(fields, rel_path)
    slug = _slug(fields)
    path = posix_path(rel_path)
    parts = [*path.parts[:-1], path.stem] if path.suffix else list(path.parts)  # the extension dropped
    if generator in ("hexo", "jekyll"):
        for marker in ("_posts", "_drafts"):
            if marker in parts[:-1]:
                parts = parts[len(parts) - 1 - parts[::-1].index(marker) + 1:]
        if slug:
            return slug.split("/")
        if generator == "jekyll":
            return [_JEKYLL_DATE.sub("", parts[-1])]
        return parts
    if "content" in parts[:-1]:
        parts = parts[len(parts) - 1 - parts[::-1].index("content") + 1:]
    if parts and parts[-1] in _BUNDLE_INDEX:
        parts = parts[:-1]  # a page bundle: the folder names the page
    if not parts:
        return [slug] if slug else []
    if generator == "zola":
        parts[-1] = _ZOLA_DATE.sub("", parts[-1])
        parts = [zola_slugify(part) for part in parts]
    else:
        parts = [part.lower() for part in parts]
    if slug:
        parts[-1] = slug
    return parts


def zola_slugify(text: str) -> str:
    """Zola's default slug for a path segment: ASCII lower case, other runs of characters → `-`
    (text with other letters is only lower-cased: Zola transliterates it, which is not done here)."""
    lowered = text.lower()
    if not lowered.isascii():
        return lowered
    return _NOT_SLUG.sub("-", lowered).strip("-") or lowered


def _slug(fields: Mapping[str, Any]) -> str:
    value = fields.get("slug")
    return str(value).strip().strip("/") if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
