"""Every real post in the shared corpus loads (or is reported with a reason), and what a reader
would see matches the corpus statistics in SOURCES.txt."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from bot.content import ContentConfig, ProblemKind, load_article, scan_folder

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file()) if CORPUS.is_dir() else []
SEED = CORPUS / "seed" / "000_6d4ffcfbd5b82024.txt"


@pytest.fixture(scope="module")
def config(corpus_dir: Path) -> ContentConfig:
    return ContentConfig(root=corpus_dir, zone=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def real_articles(config: ContentConfig, corpus_dir: Path) -> dict[str, object]:
    results = [load_article(p, config) for p in sorted((corpus_dir / "real").rglob("*.md"))]
    return {r.path: r for r in results}


@pytest.mark.parametrize("path", FILES, ids=[p.relative_to(CORPUS).as_posix() for p in FILES])
def test_every_corpus_file_loads_or_is_reported(path: Path, config: ContentConfig) -> None:
    result = load_article(path, config)
    if result.article is None:
        assert result.problems and all(p.reason for p in result.problems)
        assert any(p.fatal for p in result.problems)
        return
    article = result.article
    assert article.title.strip()
    assert article.date.tzinfo is not None
    assert article.key == article.path == path.relative_to(CORPUS).as_posix()
    assert article.size == path.stat().st_size
    assert len(article.digest) == 32
    assert all(isinstance(name, str) and name for name in article.categories + article.tags)
    if article.thumbnail is not None:
        assert urlsplit(article.thumbnail).scheme in ("http", "https")
        assert "picsum.photos" not in article.thumbnail
    assert not any(p.fatal for p in result.problems)


def test_scanner_finds_every_post_and_skips_the_notes(config: ContentConfig) -> None:
    found = {p.relative_to(CORPUS).as_posix() for p in scan_folder(config)}
    assert "SOURCES.txt" not in found
    assert "seed/000_6d4ffcfbd5b82024.txt" in found
    assert len(found) == len(FILES) - 1
    notes = load_article(CORPUS / "SOURCES.txt", config)
    assert notes.article is None and notes.problems[0].kind is ProblemKind.NOT_A_POST


def test_seed_article(config: ContentConfig) -> None:
    result = load_article(SEED, config)
    article = result.article
    assert article is not None and result.problems == ()
    assert article.title == "拜登向乌克兰总统_打包票_"
    assert article.date.isoformat() == "2022-01-03T09:56:49+00:00"
    assert article.categories == ("新媒体", "观察者网", "首页")
    assert article.category_paths == (("新媒体", "观察者网", "首页"),)
    assert article.thumbnail == "https://i.guancha.cn/news/external/2022/01/03/20220103093229248.png"
    assert article.author == "观察者网"
    assert article.body.startswith("<div>") and article.body.endswith("</div>")
    assert article.excerpt is None and article.draft is False and article.url is None


def test_real_posts_all_load_without_errors(real_articles: dict) -> None:
    assert len(real_articles) == 85
    assert all(r.publishable for r in real_articles.values())


def test_placeholders_never_become_thumbnails(real_articles: dict, corpus_dir: Path) -> None:
    with_picsum = [p for p, r in real_articles.items() if "picsum.photos" in (corpus_dir / p).read_text("utf-8")]
    assert len(with_picsum) >= 30
    assert all(real_articles[p].article.thumbnail is None or "picsum" not in real_articles[p].article.thumbnail
               for p in with_picsum)
    thumbs = [r.article.thumbnail for r in real_articles.values() if r.article.thumbnail]
    assert len(thumbs) >= 52  # 43 real images + 9 through the cors proxy (SOURCES.txt)


def test_cors_proxy_thumbnails_are_kept_as_https(real_articles: dict) -> None:
    proxied = [r.article.thumbnail for r in real_articles.values()
               if (r.article.thumbnail or "").startswith("https://cors.zfour.workers.dev/?http://")]
    assert len(proxied) == 9


def test_invalid_dates_are_warnings_with_a_fallback(real_articles: dict) -> None:
    bad = [r for r in real_articles.values() if any(p.kind is ProblemKind.BAD_DATE for p in r.problems)]
    assert len(bad) == 7
    assert all(not p.fatal for r in bad for p in r.problems)
    assert all(isinstance(r.article.date, datetime) and r.article.date.tzinfo for r in bad)


def test_local_dates_use_the_configured_zone(real_articles: dict) -> None:
    article = real_articles['real/post/二次元/AGE 动漫 - 番剧详情/"""""""\'第1集\'""""""".md'].article
    assert article.date.isoformat() == "2021-03-22T04:50:47+08:00"


def test_invalid_yaml_titles_fall_back_to_line_reading(real_articles: dict) -> None:
    titles = {r.article.title for r in real_articles.values()}
    assert "第1集" in titles
    assert "How to turn off the tab previews in Safari on Mac" in titles
    assert "2021年04月18日 割引終了 わたし、あなた" in titles
    warned = [r for r in real_articles.values() if any("not valid YAML" in p.reason for p in r.problems)]
    assert len(warned) == 3


def test_titles_keep_percent_and_quotes(real_articles: dict) -> None:
    titles = {r.article.title for r in real_articles.values()}
    assert "%secretclub%power：专家发现又一能禁用iPhone无线连接的SSID" in titles
    assert any(t.startswith('"DogWalk"') for t in titles)
    assert "Ken Follett's The Pillars of the Earth" in titles


def test_old_generator_layout_has_two_category_levels(real_articles: dict) -> None:
    article = real_articles["real/post/新媒体/被废止数月后 Linux准备向WiMAX说再见.md"].article
    assert article.categories[0] == "新媒体" and len(article.categories) == 2


def test_entities_in_posts_are_decoded(real_articles: dict) -> None:
    article = real_articles["real/source/_posts/编程/掘金/标签/理论修炼之RPC，微服务高效通讯的首选.md"].article
    assert "&#123;" not in article.title


def test_other_site_shapes(config: ContentConfig) -> None:
    other = CORPUS / "other"
    hugo = load_article(other / "spf13.com/content/post/how-to-fix-a-broken-marketplace-ebay.md", config).article
    assert hugo.title == "How to Fix a Broken Marketplace (eBay)"
    assert hugo.tags == ("ebay", "marketplace")
    toml = load_article(other / "spf13.com/content/presentation/the-future-of-data.md", config).article
    assert toml.title == "The Future of Data" and toml.excerpt and toml.tags == ("mongodb", "data")
    zola = load_article(other / "blog.rust-lang.org/content/Rust-1.8.md", config).article
    assert zola.date.date().isoformat() == "2016-04-14" and zola.author == "The Rust Core Team"
    icarus = load_article(other / "hexo-theme-icarus/legacy-2016-b6b83f0/source/_posts/Markdown.md", config).article
    assert icarus.title == "Markdown" and icarus.category_paths == (("Technology", "Github"),)
    assert icarus.excerpt and icarus.excerpt.startswith("A markdown example")
    jekyll = load_article(other / "jekyll/docs/_posts/2013-05-06-jekyll-1-0-0-released.markdown", config).article
    assert jekyll.date.isoformat() == "2013-05-06T02:12:52+02:00" and jekyll.categories == ("release",)
