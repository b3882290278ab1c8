"""Read an article's plain fields from front matter: title, categories, tags, excerpt, draft flag,
key, author and language, with the fallbacks real sites need (Hexo nested categories, a blank
title, accumulated quotes)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

from bot.content import bounds
from bot.content.paths import posix_path
from bot.content.salvage import unquote

_MORE = re.compile(r"<!--\s*more\s*-->", re.IGNORECASE)
_HEADING = re.compile(
    r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$|<h[1-6]\b[^>]*>(.*?)</h[1-6]\s*>", re.MULTILINE | re.IGNORECASE | re.DOTALL
)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_KEY_FIELDS = ("id", "guid", "abbrlink")
_EXCERPT_FIELDS = ("excerpt", "description", "summary")
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
# A title made from body text when nothing else names the post is cut to this many characters.
_BODY_TITLE_CHARS = 60


def scalar_text(value: Any) -> str | None:
    """Return a scalar front matter value as stripped text, or None for lists, maps and blanks."""
    if value is None or isinstance(value, (list, tuple, dict)):
        return None
    text = str(value).strip()
    return text or None


def pick_title(fields: Mapping[str, Any], body: str, rel_path: str) -> tuple[str, str | None]:
    """Choose the title: front matter, else first body heading, else file name; with a warning."""
    title = scalar_text(fields.get("title"))
    if title:
        title = unquote(title)
        if title:
            return title, None
    heading = first_heading(body)
    if heading:
        return heading, "no title in front matter; using the first heading"
    stem = posix_path(rel_path).stem.strip()
    if stem:
        return unquote(stem) or stem, "no title in front matter; using the file name"
    text = _SPACE.sub(" ", html.unescape(_TAG.sub(" ", body[:4000]))).strip()
    if text:
        cut = text[:_BODY_TITLE_CHARS].rstrip()
        return (cut + "…" if len(text) > _BODY_TITLE_CHARS else cut), "blank title; using the start of the text"
    return "Untitled", "blank title and no text"


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_STRONG = re.compile(r"(\*\*|__)(.+?)\1")


def first_heading(body: str) -> str | None:
    """Return the text of the first Markdown or HTML heading of the body."""
    for match in _HEADING.finditer(body):
        markdown = match.group(1) is not None
        raw = match.group(1) if markdown else match.group(2)
        if markdown:  # `## Using **bold** and `code`` → "Using bold and code"
            raw = _MD_LINK.sub(r"\1", raw)
            raw = _MD_STRONG.sub(r"\2", raw).replace("`", "")
        text = _SPACE.sub(" ", html.unescape(_TAG.sub("", raw))).strip()
        if text:
            return text
    return None


def category_paths(fields: Mapping[str, Any]) -> tuple[tuple[str, ...], ...]:
    """Read categories as Hexo does: a plain list is one chain, a list of lists is several."""
    value = fields.get("categories")
    if _empty(value):
        value = fields.get("category")
    if _empty(value):
        topics = _names(fields.get("topics"))
        return tuple((topic,) for topic in topics)
    if isinstance(value, (list, tuple)):
        if any(isinstance(item, (list, tuple)) for item in value):
            chains = (_names(item if isinstance(item, (list, tuple)) else [item]) for item in value)
            return tuple(chain for chain in chains if chain)
        chain = _names(value)
        return (chain,) if chain else ()
    chain = _names([value])
    return (chain,) if chain else ()


def flatten(paths: Iterable[Iterable[str]]) -> tuple[str, ...]:
    """Flatten category chains in order, without duplicates."""
    return tuple(dict.fromkeys(name for chain in paths for name in chain))


def taxonomy_problem(paths: Iterable[Iterable[str]], tags: Iterable[str]) -> str | None:
    """Say why the categories or tags are over the bounds (too many, a name too long), else None."""
    try:
        bounds.check_terms("categories", (name for chain in paths for name in chain))
        bounds.check_terms("tags", tags)
    except bounds.TooLarge as exc:
        return str(exc)
    return None


def tag_names(fields: Mapping[str, Any]) -> tuple[str, ...]:
    """Read tags (`tags` or `tag`): a string, a list, or nested lists."""
    value = fields.get("tags")
    if _empty(value):
        value = fields.get("tag")
    return tuple(dict.fromkeys(_names(value if isinstance(value, (list, tuple)) else [value])))


def explicit_excerpt(fields: Mapping[str, Any], body: str) -> str | None:
    """Return the excerpt from front matter, else the part before `<!-- more -->`, else None."""
    for name in _EXCERPT_FIELDS:
        text = scalar_text(fields.get(name))
        if text:
            return text
    match = _MORE.search(body) if "<!--" in body else None
    if match:
        return body[: match.start()].strip() or None
    return None


def is_draft(fields: Mapping[str, Any], rel_path: str) -> bool:
    """Tell whether the post is a draft: `draft: true`, `published: false`, or under `_drafts/`."""
    if _flag(fields.get("draft")) is True or _flag(fields.get("published")) is False:
        return True
    return "_drafts" in posix_path(rel_path).parts[:-1]


def article_key(fields: Mapping[str, Any], rel_path: str) -> str:
    """Return the stable key: `id:`/`guid:`/`abbrlink:` plus the value, else the relative path."""
    for name in _KEY_FIELDS:
        value = scalar_text(fields.get(name))
        if value:
            return f"{name}:{value}"
    return rel_path


def author_name(fields: Mapping[str, Any]) -> str | None:
    """Read the author: `author` (text, a mapping with `name`, or a list) or `authors`."""
    for name in ("author", "authors"):
        value = fields.get(name)
        if isinstance(value, Mapping):
            value = value.get("name")
        if isinstance(value, (list, tuple)):
            names = [
                scalar_text(item.get("name") if isinstance(item, Mapping) else item) for item in value
            ]
            value = ", ".join(n for n in names if n)
        text = scalar_text(value)
        if text:
            return text
    return None


def language(fields: Mapping[str, Any]) -> str | None:
    """Read the language code from `language` or `lang`."""
    return scalar_text(fields.get("language")) or scalar_text(fields.get("lang"))


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    return None


def _names(values: Any) -> tuple[str, ...]:
    if not isinstance(values, (list, tuple)):
        return ()
    names: list[str] = []
    for item in values:
        if isinstance(item, (list, tuple)):
            names.extend(_names(item))
        elif not isinstance(item, Mapping):
            text = scalar_text(item)
            if text:
                names.append(text)
    return tuple(names)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()
