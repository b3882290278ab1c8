"""URLs of an article: its thumbnail (front matter image keys, else the first usable body image),
and its link (front matter link, else the site URL plus a Hexo permalink pattern)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, tzinfo
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from bot.content.slugs import title_path

THUMBNAIL_FIELDS = ("thumbnail", "headimg", "cover", "image", "banner", "featured_image", "images")
_LINK_FIELDS = ("link", "url", "permalink")
_IMAGE_KEYS = ("src", "url", "path")
_BODY_IMAGE = re.compile(
    r"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))"""
    r"""|!\[[^\]\n]*\]\(\s*<?([^)\s>]+)"""
    r"""|\{\{[<%]\s*(?:img|figure)\b[^}]*?\bsrc\s*=\s*"([^"]*)\"""",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(
    r":(year|month|day|i_month|i_day|hour|minute|second|post_title|title|name|category|id)\b"
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# Characters kept as they are when a URL is made safe: reserved ones and existing %-escapes.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"


def absolute_url(url: str, site_url: str | None) -> str | None:
    """Return an absolute http(s) URL, resolving a relative one against the site URL, else None."""
    url = url.strip()
    if not url:
        return None
    if url.startswith("//"):
        url = "https:" + url
    try:
        parts = urlsplit(url)
        if parts.scheme:
            if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
                return None
            return quote(url, safe=_URL_SAFE)
        if not site_url:
            return None
        base = site_url if site_url.endswith("/") else site_url + "/"
        return quote(urljoin(base, url), safe=_URL_SAFE)
    except ValueError:
        return None


def is_placeholder(url: str, hosts: Sequence[str]) -> bool:
    """Tell whether the image is served by a random-placeholder host (`picsum.photos`, …)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    return any(host == h or host.endswith("." + h) for h in (h.lower() for h in hosts))


def pick_thumbnail(
    fields: Mapping[str, Any], body: str, site_url: str | None, placeholder_hosts: Sequence[str]
) -> str | None:
    """Choose the thumbnail: front matter image fields, else the first usable body image."""
    for name in THUMBNAIL_FIELDS:
        candidate = _image_value(fields.get(name))
        if candidate:
            url = absolute_url(candidate, site_url)
            if url and not is_placeholder(url, placeholder_hosts):
                return url
    for candidate in body_images(body):
        url = absolute_url(candidate, site_url)
        if url and not is_placeholder(url, placeholder_hosts):
            return url
    return None


def body_images(body: str) -> Iterator[str]:
    """Yield image sources in body order: `<img src>`, `![](url)`, Hugo `{{< img src >}}`."""
    for match in _BODY_IMAGE.finditer(body):
        src = next(group for group in match.groups() if group is not None)
        yield html.unescape(src) if "&" in src else src


def article_link(
    fields: Mapping[str, Any],
    *,
    rel_path: str,
    title: str,
    date: datetime,
    zone: tzinfo,
    category_paths: tuple[tuple[str, ...], ...],
    site_url: str | None,
    pattern: str,
) -> str | None:
    """Return the article's public URL: a front matter link, else site URL + permalink pattern
    (whose `:title` follows the post's generator: see `bot.content.slugs`)."""
    values = _permalink_values(fields, rel_path, title, date.astimezone(zone), category_paths)
    for name in _LINK_FIELDS:
        value = fields.get(name)
        if isinstance(value, str) and value.strip():
            if name == "permalink" and not _SCHEME.match(value.strip()):
                value = _expand(value.strip(), values)  # Jekyll allows `permalink: /:year/:title/`
            url = absolute_url(value, site_url)
            if url:
                return url
    if not site_url:
        return None
    zola_path = fields.get("path")
    if isinstance(zola_path, str) and zola_path.strip():
        path = zola_path.strip().lstrip("/")
        if not path.endswith(("/", ".html", ".htm")):
            path += "/"
        return absolute_url(path, site_url)
    return absolute_url(_expand(pattern, values).lstrip("/"), site_url)


def _expand(pattern: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], pattern)


def _permalink_values(
    fields: Mapping[str, Any],
    rel_path: str,
    title: str,
    when: datetime,
    category_paths: tuple[tuple[str, ...], ...],
) -> dict[str, str]:
    path = PurePosixPath(rel_path)
    ident = next((str(fields[k]).strip() for k in ("id", "abbrlink") if isinstance(fields.get(k), (str, int))), "")
    return {
        "year": f"{when.year:04d}",
        "month": f"{when.month:02d}",
        "day": f"{when.day:02d}",
        "i_month": str(when.month),
        "i_day": str(when.day),
        "hour": f"{when.hour:02d}",
        "minute": f"{when.minute:02d}",
        "second": f"{when.second:02d}",
        "title": _segments(title_path(fields, rel_path)),
        "name": _segments([path.stem]),
        "post_title": _segments([title]),
        "category": _segments(category_paths[0]) if category_paths else "uncategorized",
        "id": _segments([ident or path.stem]),
    }


def _segments(parts: Sequence[str]) -> str:
    return "/".join(quote(part, safe="") for part in parts if part)


def _image_value(value: Any) -> str | None:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if isinstance(value, Mapping):
        value = next((value[k] for k in _IMAGE_KEYS if isinstance(value.get(k), str)), None)
    if isinstance(value, str):
        return value.strip() or None
    return None
