"""Links follow the generator: Jekyll drops the date prefix of `_posts` file names, Hugo page
bundles take their folder's name, Zola drops `YYYY-MM-DD_` prefixes and honours `path`, Hexo's
`:title` is the path under `_posts`; `slug`, `permalink` and `url` in front matter win."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import ContentConfig, load_article, load_text
from bot.content.slugs import generator_of, title_path, zola_slugify

SITE = "https://s.example/"


def link(source: str, rel: str, pattern: str = ":year/:month/:day/:title/") -> str | None:
    config = ContentConfig(root=Path("/site"), site_url=SITE, permalink=pattern)
    result = load_text(source.encode(), rel, config, mtime_ns=1_600_000_000_000_000_000)
    assert result.article is not None, result.problems
    return result.article.url


YAML = "---\ntitle: T\ndate: 2025-01-27 10:00:00\n{front}\n---\nx"
TOML = '+++\ntitle = "T"\ndate = 2025-01-27\n{front}\n+++\nx'


@pytest.mark.parametrize(
    ("source", "rel", "pattern", "expected"),
    [
        # Jekyll: the date prefix is not part of the slug; folders inside _posts are not either.
        (YAML.format(front=""), "_posts/2025-01-27-jekyll-4-4-0-released.markdown", None,
         "2025/01/27/jekyll-4-4-0-released/"),
        (YAML.format(front=""), "docs/_posts/news/2025-01-27-hello.md", None, "2025/01/27/hello/"),
        (YAML.format(front="slug: other-name"), "_posts/2025-01-27-hello.md", None, "2025/01/27/other-name/"),
        (YAML.format(front="permalink: /:year/:title.html"), "_posts/2025-01-27-hello.md", None, "2025/hello.html"),
        (YAML.format(front="permalink: /about/"), "_posts/2025-01-27-hello.md", None, "about/"),
        # Hexo: the path under _posts, date-looking names untouched under source/_posts.
        (YAML.format(front=""), "source/_posts/2025-01-27-hello.md", None, "2025/01/27/2025-01-27-hello/"),
        (YAML.format(front=""), "source/_posts/notes/hello.md", None, "2025/01/27/notes/hello/"),
        (YAML.format(front=""), "_posts/notes/hello.md", None, "2025/01/27/notes/hello/"),
        (YAML.format(front="slug: a/b"), "source/_posts/notes/hello.md", None, "2025/01/27/a/b/"),
        # Hugo: section/name, lower-cased; bundles take the folder name; slug replaces the name.
        (TOML.format(front=""), "content/post/My-Post.md", ":title/", "post/my-post/"),
        (TOML.format(front=""), "content/post/my-trip/index.md", ":title/", "post/my-trip/"),
        (TOML.format(front='slug = "short"'), "content/post/long-name.md", ":title/", "post/short/"),
        (TOML.format(front='url = "/custom/place/"'), "content/post/long-name.md", ":title/", "custom/place/"),
        (TOML.format(front=""), "content/post/2025-01-27-kept.md", ":title/", "post/2025-01-27-kept/"),
        # Zola: date prefixes dropped, names slugified, bundles, and `path`.
        (TOML.format(front="[extra]\nteam = 'x'"), "content/blog/2025-01-27_Hello-World.md", ":title/",
         "blog/hello-world/"),
        (TOML.format(front="[extra]\nteam = 'x'"), "content/blog/2025-01-27-Rust-1.8.md", ":title/", "blog/rust-1-8/"),
        (TOML.format(front=""), "content/blog/2025-01-27_first.md", ":title/", "blog/first/"),
        (TOML.format(front="[extra]\nteam = 'x'"), "content/blog/launch/index.md", ":title/", "blog/launch/"),
        (TOML.format(front='path = "2016/04/14/Rust-1.8"'), "content/Rust-1.8.md", ":title/", "2016/04/14/Rust-1.8/"),
    ],
    ids=["jekyll-date-prefix", "jekyll-subfolder", "jekyll-slug", "jekyll-permalink-placeholders",
         "jekyll-permalink", "hexo-source-posts", "hexo-subfolder", "hexo-bare-posts", "hexo-slug",
         "hugo-lowercase", "hugo-bundle", "hugo-slug", "hugo-url", "hugo-keeps-date", "zola-underscore-date",
         "zola-dash-date", "zola-underscore-only", "zola-bundle", "zola-path"],
)
def test_links_follow_the_generator(source: str, rel: str, pattern: str | None, expected: str) -> None:
    assert link(source, rel, pattern or ":year/:month/:day/:title/") == SITE + expected


@pytest.mark.parametrize(
    ("fields", "rel", "generator"),
    [
        ({}, "_posts/2025-01-27-a.md", "jekyll"),
        ({}, "_posts/a.md", "hexo"),
        ({}, "source/_posts/2025-01-27-a.md", "hexo"),
        ({}, "content/post/a.md", "hugo"),
        ({"extra": {"team": "x"}}, "content/a.md", "zola"),
        ({"path": "x/y"}, "content/a.md", "zola"),
        ({}, "content/2025-01-27_a.md", "zola"),
        ({}, "新媒体/观察者网/a.md", "hexo"),
    ],
)
def test_generator_is_told_from_place_and_keys(fields: dict, rel: str, generator: str) -> None:
    assert generator_of(fields, rel) == generator


def test_zola_slugify() -> None:
    assert zola_slugify("Rust-1.12.1") == "rust-1-12-1"
    assert zola_slugify("a_b  c") == "a-b-c"
    assert zola_slugify("中文") == "中文"
    assert title_path({}, "content/x/_index.md") == ["x"]


def _config(root: Path, pattern: str) -> ContentConfig:
    return ContentConfig(root=root, site_url=SITE, permalink=pattern)


def test_jekyll_corpus_posts_link_to_pages_that_exist(corpus_dir: Path) -> None:
    root = corpus_dir / "other" / "jekyll"
    config = _config(root, ":year/:month/:day/:title/")
    posts = sorted((root / "docs" / "_posts").glob("*.markdown"))
    assert posts
    for path in posts:
        article = load_article(path, config).article
        assert article is not None
        slug = path.stem[len("2025-01-27-"):]
        day = article.date.astimezone(config.zone)  # the site's zone (HERALD_TIMEZONE) dates the URL
        assert article.url == f"{SITE}{day:%Y/%m/%d}/{slug}/", path.name
    released = load_article(root / "docs/_posts/2025-01-29-jekyll-4-4-1-released.markdown", config).article
    assert released.url == SITE + "2025/01/29/jekyll-4-4-1-released/"


def test_hugo_corpus_posts_use_url_or_section_and_name(corpus_dir: Path) -> None:
    root = corpus_dir / "other" / "spf13.com"
    config = _config(root, ":title/")
    ebay = load_article(root / "content/post/how-to-fix-a-broken-marketplace-ebay.md", config).article
    assert ebay.url == SITE + "post/how-to-fix-a-broken-marketplace-ebay"  # its `Url:`
    data = load_article(root / "content/presentation/the-future-of-data.md", config).article
    assert data.url == SITE + "presentation/the-future-of-data/"


def test_zola_corpus_posts_use_their_path(corpus_dir: Path) -> None:
    root = corpus_dir / "other" / "blog.rust-lang.org"
    config = _config(root, ":year/:month/:day/:title/")
    bundle = load_article(root / "content/improved-api-tokens-for-crates-io/index.md", config).article
    assert bundle.url == SITE + "2023/06/23/improved-api-tokens-for-crates-io/"
    for path in sorted((root / "content").rglob("*.md")):
        article = load_article(path, config).article
        assert article is not None and article.url == SITE + article.extra["front_matter"]["path"] + "/"


def test_hexo_corpus_posts_keep_the_path_under_posts(corpus_dir: Path) -> None:
    root = corpus_dir / "other" / "hexo-theme-icarus"
    config = _config(root, ":year/:month/:day/:title/")
    article = load_article(root / "source/_posts/en/Getting-Started.md", config).article
    assert article.url == SITE + "2020/04/01/en/Getting-Started/"
    legacy = load_article(root / "legacy-2016-b6b83f0/source/_posts/Markdown.md", config).article
    assert legacy.url.endswith("/Markdown/")
