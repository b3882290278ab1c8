"""The folder scanner finds posts and skips editor litter; the sample `content/` folder reads well."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import ContentConfig, ProblemKind, is_post_file, load_article, scan_folder
from bot.settings import Settings

REPO = Path(__file__).resolve().parents[1]
FRONT = "---\ntitle: t\ndate: 2022-01-01\n---\nbody\n"


def write(root: Path, rel: str, data: str | bytes = FRONT) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_scan_finds_posts_sorted_and_skips_litter(tmp_path: Path) -> None:
    for rel in ["b.md", "a/z.markdown", "a/y.mdown", "seed.txt", "_drafts/d.md", "page.html"]:
        write(tmp_path, rel)
    write(tmp_path, "notes.txt", "just notes\n")
    write(tmp_path, "utf16.txt", b"\xff\xfe" + FRONT.encode("utf-16-le"))
    for rel in ["b.md~", ".b.md.swp", "#b.md#", ".hidden.md", ".git/x.md", "a/.cache/y.md", "img.png", "x.md.tmp"]:
        write(tmp_path, rel)
    found = [p.relative_to(tmp_path).as_posix() for p in scan_folder(ContentConfig(root=tmp_path))]
    assert found == ["_drafts/d.md", "a/y.mdown", "a/z.markdown", "b.md", "page.html", "seed.txt", "utf16.txt"]


def test_is_post_file_for_a_vanished_txt_keeps_it_a_candidate(tmp_path: Path) -> None:
    assert is_post_file(tmp_path / "gone.txt", tmp_path)
    assert is_post_file(tmp_path / "gone.md", tmp_path)
    assert not is_post_file(tmp_path / "gone.md~", tmp_path)


def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    result = load_article(tmp_path / "missing.md", ContentConfig(root=tmp_path))
    assert result.article is None and result.path == "missing.md"
    assert result.problems[0].kind is ProblemKind.UNREADABLE


def test_load_article_fills_file_facts(tmp_path: Path) -> None:
    path = write(tmp_path, "dir/post.md")
    article = load_article(path, ContentConfig(root=tmp_path)).article
    assert article is not None
    assert article.path == "dir/post.md"
    assert article.mtime_ns == path.stat().st_mtime_ns and article.size == path.stat().st_size


def test_path_outside_root_is_kept_as_given(tmp_path: Path) -> None:
    path = write(tmp_path, "elsewhere/post.md")
    result = load_article(path, ContentConfig(root=tmp_path / "content"))
    assert result.path == path.as_posix()


def test_config_from_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(content_dir=tmp_path, timezone="Asia/Shanghai", site_url="https://s.example",
                        permalink=":title/", placeholder_hosts=("Picsum.Photos",))
    config = ContentConfig.from_settings(settings)
    assert config.root == tmp_path and str(config.zone) == "Asia/Shanghai"
    assert config.site_url == "https://s.example" and config.permalink == ":title/"
    assert config.placeholder_hosts == ("picsum.photos",)


def test_sample_folder() -> None:
    root = REPO / "content"
    config = ContentConfig(root=root)
    results = {r.path: r for r in (load_article(p, config) for p in scan_folder(config))}
    assert len(results) >= 9 and all(r.publishable and not r.problems for r in results.values())
    seed = results["新媒体/观察者网/首页/拜登向乌克兰总统_打包票_.md"].article
    assert seed.title == "拜登向乌克兰总统_打包票_"
    assert seed.date.isoformat() == "2022-01-03T09:56:49+00:00"
    articles = [r.article for r in results.values()]
    drafts = [a for a in articles if a.draft]
    assert drafts and all(a.path.startswith("_drafts/") for a in drafts)
    published = [a for a in articles if not a.draft]
    shared = [name for name in ("新媒体", "观察者网", "36kr") if sum(name in a.categories for a in published) >= 2]
    assert len(shared) >= 2
    assert any(a.thumbnail is None for a in published)
    assert any(a.excerpt for a in published)
    assert {a.extra["format"] for a in published} >= {"yaml", "toml"}


def test_seed_copy_is_byte_for_byte(corpus_dir: Path) -> None:
    copy = REPO / "content" / "新媒体" / "观察者网" / "首页" / "拜登向乌克兰总统_打包票_.md"
    assert copy.read_bytes() == (corpus_dir / "seed" / "000_6d4ffcfbd5b82024.txt").read_bytes()
