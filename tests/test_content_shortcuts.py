"""The loader's shortcuts for the common case give exactly what the general routines give: links
joined to the site URL, paths resolved through links, RSS dates, and the front matter size bound."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin

import pytest

from bot.content import ContentConfig, load_text
from bot.content.boundary import resolved
from bot.content.bounds import MAX_NODES
from bot.content.dates import parse_date
from bot.content.links import absolute_url

SITES = ["https://example.org", "https://example.org/blog/", "https://e.org/a/./b/", "https://e.org/x?q=1"]
PATHS = [
    "2022/01/03/a-post/", "新媒体/观察者网/标题/", "a/../b/", "./a/", "a//b/", "a/./b", "a;p/b", "a?x=1",
    "a#top", "..", ".hidden/x", "x.html", "with space/", "%E4%B8%AD/",
]


@pytest.mark.parametrize("site", SITES)
@pytest.mark.parametrize("path", PATHS)
def test_a_relative_link_joins_the_site_url_as_urljoin_does(site: str, path: str) -> None:
    base = site if site.endswith("/") else site + "/"
    expected = absolute_url(urljoin(base, path), None)  # the general join, then the same quoting
    assert absolute_url(path, site) == expected


def test_a_path_resolves_through_links_exactly_as_realpath_does(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "post.md").write_text("x")
    (tmp_path / "to-b").symlink_to(tmp_path / "a" / "b")
    (tmp_path / "a" / "b" / "up").symlink_to("../..")
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "dangling").symlink_to("/nowhere/at/all")
    os.mkfifo(tmp_path / "fifo")  # named, never opened (nothing waits for a writer)
    for path in [
        tmp_path, tmp_path / "to-b" / "post.md", tmp_path / "a" / "b" / "up" / "a" / "b" / "post.md",
        tmp_path / "loop", tmp_path / "dangling", tmp_path / "fifo", tmp_path / "missing" / "x.md",
        tmp_path / "to-b" / ".." / "a",
    ]:
        assert resolved(path) == os.path.realpath(path)


@pytest.mark.parametrize(
    "text",
    [
        "Mon, 03 Jan 2022 09:56:49 GMT",
        "Sun, 29 Feb 2024 23:59:59 GMT",
        "Tue, 30 Feb 2022 10:00:00 GMT",  # no such day
        "Wed, 01 Jan 0026 10:00:00 GMT",  # a two-digit year written with four digits
        "Thu, 01 Jan 2022 24:00:00 GMT",
        "Fri, 07 Jan 2022 10:00:00 +0800",
        "Sat, 8 Jan 2022 10:00:00 GMT",
    ],
)
def test_an_rss_date_reads_as_the_email_parser_reads_it(text: str) -> None:
    try:
        parsed = parsedate_to_datetime(text)
    except ValueError:
        parsed = None
    read = parse_date(text, UTC)
    assert read == parsed
    assert (read and read.utcoffset()) == (parsed and parsed.utcoffset())


def test_an_rss_date_is_aware_utc() -> None:
    assert parse_date("Mon, 03 Jan 2022 09:56:49 GMT", UTC) == datetime(2022, 1, 3, 9, 56, 49, tzinfo=UTC)


def test_front_matter_with_too_many_values_is_refused_even_without_aliases() -> None:
    items = ",".join(["1"] * (MAX_NODES + 1))
    source = f"---\ntitle: t\nmany: [{items}]\n---\nbody\n"
    result = load_text(source.encode(), "post.md", ContentConfig(root=Path("/site")), mtime_ns=1)
    assert result.article is None
    assert "more than" in result.problems[0].reason
