"""URLs of an article: its thumbnail (front matter image keys, else the first usable body image),
and its link (front matter link, else the site URL plus a Hexo permalink pattern)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from bot.content.paths import posix_path
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
# A relative path urljoin only appends: no leading "/", no ";", "?", "#", no white space or
# control characters (doubled "/" and dot segments are ruled out separately).
_PLAIN_RELATIVE = re.compile(r"[^/;?#\x00-\x20\x7f][^;?#\x00-\x20\x7f]*")
# Characters kept as they are when a URL is made safe: reserved ones and existing %-escapes.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"


def absolute_url(url: str, site_url: str | None) -> str | None:
    """Return an absolute http(s) URL, resolving a relative one against the site URL, else None."""
    return _absolute(url, site_url)[0]


def _absolute(url: str, site_url: str | None) -> tuple[str | None, str | None]:
    """`absolute_url`, and the URL's host (lower case) when reading it told it, else None."""
    url = url.strip()
    if not url:
        return None, None
    if url.startswith("//"):
        url = "https:" + url
    try:
        parts = urlsplit(url)
        if parts.scheme:
            host = parts.hostname
            if parts.scheme.lower() not in ("http", "https") or not host:
                return None, None
            quoted = quote(url, safe=_URL_SAFE)
            return quoted, (host if quoted == url else None)  # quoting changed it: read it again
        if not site_url:
            return None, None
        base = site_url if site_url.endswith("/") else site_url + "/"
        if _PLAIN_RELATIVE.fullmatch(url) and "//" not in url and "/." not in "/" + url:
            # What urljoin gives a path with no dot or empty segment, query or fragment: the
            # base's own joined prefix (worked out once per site) followed by the path.
            return quote(_joined_prefix(base) + url, safe=_URL_SAFE), None
        return quote(urljoin(base, url), safe=_URL_SAFE), None
    except ValueError:
        return None, None


@lru_cache(maxsize=16)
def _joined_prefix(base: str) -> str:
    """What urljoin puts before a plain relative path joined to `base` (which ends with "/")."""
    return urljoin(base, "x")[:-1]


def is_placeholder(url: str, hosts: Sequence[str], host: str | None = None) -> bool:
    """Tell whether the image is served by a random-placeholder host (`picsum.photos`, …);
    `host` is the URL's host when the caller has read it already."""
    if host is None:
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
            url, host = _absolute(candidate, site_url)
            if url and not is_placeholder(url, placeholder_hosts, host):
                return url
    for candidate in body_images(body):
        url, host = _absolute(candidate, site_url)
        if url and not is_placeholder(url, placeholder_hosts, host):
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


class _PermalinkValues(dict[str, str]):
    """The values a permalink pattern's placeholders stand for, each worked out the first time
    the pattern asks for it (most patterns use four of the thirteen)."""

    __slots__ = ("_category_paths", "_fields", "_rel_path", "_title", "_when")

    def __init__(
        self,
        fields: Mapping[str, Any],
        rel_path: str,
        title: str,
        when: datetime,
        category_paths: tuple[tuple[str, ...], ...],
    ) -> None:
        super().__init__()
        self._fields, self._rel_path, self._title = fields, rel_path, title
        self._when, self._category_paths = when, category_paths

    def __missing__(self, key: str) -> str:
        value = self._value(key)
        self[key] = value
        return value

    def _value(self, key: str) -> str:
        when = self._when
        match key:
            case "year":
                return f"{when.year:04d}"
            case "month":
                return f"{when.month:02d}"
            case "day":
                return f"{when.day:02d}"
            case "i_month":
                return str(when.month)
            case "i_day":
                return str(when.day)
            case "hour":
                return f"{when.hour:02d}"
            case "minute":
                return f"{when.minute:02d}"
            case "second":
                return f"{when.second:02d}"
            case "title":
                return _segments(title_path(self._fields, self._rel_path))
            case "name":
                return _segments([posix_path(self._rel_path).stem])
            case "post_title":
                return _segments([self._title])
            case "category":
                return _segments(self._category_paths[0]) if self._category_paths else "uncategorized"
            case "id":
                fields = self._fields
                ident = next(
                    (str(fields[k]).strip() for k in ("id", "abbrlink") if isinstance(fields.get(k), (str, int))), ""
                )
                return _segments([ident or posix_path(self._rel_path).stem])
        raise KeyError(key)


def _permalink_values(
    fields: Mapping[str, Any],
    rel_path: str,
    title: str,
    when: datetime,
    category_paths: tuple[tuple[str, ...], ...],
) -> dict[str, str]:
    return _PermalinkValues(fields, rel_path, title, when, category_paths)


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
