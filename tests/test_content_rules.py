"""Table tests for each reading rule, with tiny inline posts: encodings, front matter shapes,
dates, titles, categories, thumbnails, excerpts, links, drafts and keys."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import Article, ContentConfig, LoadResult, ProblemKind, load_text

SHANGHAI = ZoneInfo("Asia/Shanghai")


def load(source: str | bytes, rel: str = "post.md", **options: object) -> LoadResult:
    raw = source.encode("utf-8") if isinstance(source, str) else source
    config = ContentConfig(root=Path("/site"), **options)  # type: ignore[arg-type]
    return load_text(raw, rel, config, mtime_ns=1_600_000_000_000_000_000)


def article(source: str | bytes, rel: str = "post.md", **options: object) -> Article:
    result = load(source, rel, **options)
    assert result.article is not None, result.problems
    return result.article


def kinds(result: LoadResult) -> set[ProblemKind]:
    return {p.kind for p in result.problems}


POST = "---\ntitle: 你好 Herald\ndate: 2022-01-03 09:00:00\ncategories: [新闻]\n---\n正文内容。\n"


# --- encodings --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "raw",
    [
        POST.encode("utf-8"),
        b"\xef\xbb\xbf" + POST.encode("utf-8"),
        b"\xff\xfe" + POST.encode("utf-16-le"),
        b"\xfe\xff" + POST.encode("utf-16-be"),
        POST.encode("gb18030"),
        POST.encode("gbk"),
        POST.replace("\n", "\r\n").encode("utf-8"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be", "gb18030", "gbk", "crlf"],
)
def test_encodings(raw: bytes) -> None:
    post = article(raw)
    assert post.title == "你好 Herald"
    assert post.categories == ("新闻",)
    assert post.body == "正文内容。"


@pytest.mark.parametrize(
    "raw", [b"---\ntitle: x\n---\n\xff\xff\xfe body", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"], ids=["bad-bytes", "binary"]
)
def test_undecodable_is_a_problem_not_an_exception(raw: bytes) -> None:
    result = load(raw)
    assert result.article is None
    assert kinds(result) == {ProblemKind.UNDECODABLE}


@pytest.mark.parametrize("raw", [b"", b"  \n\n\t", b"\xef\xbb\xbf\n"], ids=["empty", "blank", "bom-only"])
def test_empty_files(raw: bytes) -> None:
    result = load(raw)
    assert result.article is None and kinds(result) == {ProblemKind.EMPTY}


# --- front matter shapes ----------------------------------------------------------------------

@pytest.mark.parametrize(
    "source",
    [
        '+++\nTitle = "Go 数据"\nTags = ["go", "data"]\nDate = 2013-03-27\n+++\nBody\n',
        '{\n"title": "Go 数据",\n"tags": ["go", "data"],\n"date": "2013-03-27"\n}\nBody\n',
        '{"title": "Go 数据", "tags": ["go", "data"], "date": "2013-03-27"}\nBody\n',
        ';;;\n"title": "Go 数据",\n"tags": ["go", "data"],\n"date": "2013-03-27"\n;;;\nBody\n',
        '"title": "Go 数据",\n"tags": ["go", "data"],\n"date": "2013-03-27"\n;;;\nBody\n',
        "title: Go 数据\ntags:\n- go\n- data\ndate: 2013-03-27\n---\nBody\n",
        "\n\n---\ntitle: Go 数据\ntags: [go, data]\ndate: 2013-03-27\n---\nBody\n",
        "---\nTITLE: Go 数据\nTags: [go, data]\nDate: 2013-03-27\n---\nBody\n",
    ],
    ids=["toml", "json-lines", "json-one-line", "json-semicolons", "hexo-json-no-opening",
         "hexo-no-opening", "blank-lines-first", "capitalised-keys"],
)
def test_front_matter_formats(source: str) -> None:
    post = article(source)
    assert post.title == "Go 数据"
    assert post.tags == ("go", "data")
    assert post.date.date().isoformat() == "2013-03-27"
    assert post.body == "Body"


def test_markdown_without_front_matter_uses_heading_and_file_date() -> None:
    post = article("Intro line\n\n## Release notes\n\nText\n\n---\n\nMore", rel="2013-05-06-notes.md")
    assert post.title == "Release notes"
    assert post.date.date().isoformat() == "2013-05-06"
    assert post.body.startswith("Intro line")


def test_a_key_like_first_line_is_not_front_matter_without_known_fields() -> None:
    post = article("Note: this is prose\n\n---\n\nMore prose", rel="note.md")
    assert post.title == "note"
    assert post.body.startswith("Note: this is prose")


def test_txt_without_front_matter_is_not_a_post() -> None:
    result = load("just some notes\n", rel="README.txt")
    assert result.article is None and kinds(result) == {ProblemKind.NOT_A_POST}


def test_unclosed_front_matter_is_fatal() -> None:
    result = load("---\ntitle: x\nno end here\n")
    assert result.article is None and kinds(result) == {ProblemKind.FRONT_MATTER}
    assert "never closed" in result.problems[0].reason


def test_unreadable_front_matter_is_fatal() -> None:
    result = load("---\n: : :\n[[[\n---\nbody\n")
    assert result.article is None and kinds(result) == {ProblemKind.FRONT_MATTER}


@pytest.mark.parametrize(
    ("source", "title"),
    [
        ("---\ntitle: \"He said \"no\" to 'it'\"\ndate: 2022-01-01\n---\nx", "He said \"no\" to 'it'"),
        ("---\ntitle: \"\"\"\"\"'第1集'\"\"\"\"\"\ndate: 2022-01-01\n---\nx", "第1集"),
        ("---\ntitle: 第一行\n\n\n第二行\ncategories: \n    - 二次元\ndate: 2022-01-01\n---\nx", "第一行 第二行"),
    ],
    ids=["both-quote-kinds", "accumulated-quotes", "multi-line-unquoted"],
)
def test_invalid_yaml_is_read_line_by_line_with_a_warning(source: str, title: str) -> None:
    result = load(source)
    assert result.article is not None and result.article.title == title
    assert result.article.date.date().isoformat() == "2022-01-01"
    assert [p.kind for p in result.problems] == [ProblemKind.WARNING]
    assert not result.problems[0].fatal


# --- dates ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon, 03 Jan 2022 09:56:49 GMT", "2022-01-03T09:56:49+00:00"),
        ("Mon, 03 Jan 2022 09:56:49 +0800", "2022-01-03T09:56:49+08:00"),
        ("2022-01-03T09:56:49Z", "2022-01-03T09:56:49+00:00"),
        ("2022-01-03T09:56:49+02:00", "2022-01-03T09:56:49+02:00"),
        ('"2013-05-06 02:12:52 +0200"', "2013-05-06T02:12:52+02:00"),
        ("2022-01-03T09:56:49", "2022-01-03T09:56:49+08:00"),
        ("2021-03-22 04:50:47", "2021-03-22T04:50:47+08:00"),
        ("'2021-03-22 04:50:47'", "2021-03-22T04:50:47+08:00"),
        ("2016-01-03", "2016-01-03T00:00:00+08:00"),
        ("2013/7/13 20:46:25", "2013-07-13T20:46:25+08:00"),
        ("1641203809", "2022-01-03T09:56:49+00:00"),
        ("'1641203809'", "2022-01-03T09:56:49+00:00"),
        ("1641203809000", "2022-01-03T09:56:49+00:00"),
    ],
)
def test_dates(value: str, expected: str) -> None:
    post = article(f"---\ntitle: t\ndate: {value}\n---\nx", zone=SHANGHAI)
    assert post.date.isoformat() == expected


def test_toml_dates() -> None:
    post = article('+++\ntitle = "t"\ndate = 2014-06-09T01:18:04Z\nlastmod = 2015-01-01\n+++\nx', zone=SHANGHAI)
    assert post.date.isoformat() == "2014-06-09T01:18:04+00:00"
    assert post.updated is not None and post.updated.isoformat() == "2015-01-01T00:00:00+08:00"


@pytest.mark.parametrize("field", ["updated", "lastmod"])
def test_updated_is_kept(field: str) -> None:
    post = article(f"---\ntitle: t\ndate: 2022-01-01\n{field}: 2022-02-02 10:00:00\n---\nx")
    assert post.updated is not None and post.updated.isoformat() == "2022-02-02T10:00:00+00:00"


@pytest.mark.parametrize(
    ("rel", "front", "expected"),
    [
        ("_posts/2013-05-06-title.md", "", "2013-05-06"),
        ("blog/2016/04/14/post.md", "", "2016-04-14"),
        ("rust.md", 'path: "inside-rust/2016/04/14/Rust-1.8"\n', "2016-04-14"),
    ],
    ids=["jekyll-name", "folders", "zola-path"],
)
def test_invalid_date_falls_back_to_the_path(rel: str, front: str, expected: str) -> None:
    result = load(f"---\ntitle: t\ndate: Invalid Date\n{front}---\nx", rel=rel)
    assert result.article is not None and result.article.date.date().isoformat() == expected
    assert kinds(result) == {ProblemKind.BAD_DATE}
    assert not result.problems[0].fatal


def test_invalid_date_without_path_date_uses_mtime() -> None:
    result = load("---\ntitle: t\ndate: Invalid Date\n---\nx")
    assert result.article is not None
    assert result.article.date.isoformat() == "2020-09-13T12:26:40+00:00"
    assert kinds(result) == {ProblemKind.BAD_DATE}


def test_missing_date_uses_mtime_with_a_warning() -> None:
    result = load("---\ntitle: t\n---\nx")
    assert result.article is not None and result.article.date.year == 2020
    assert kinds(result) == {ProblemKind.WARNING}


# --- titles and entities ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("source", "rel", "title"),
    [
        ("---\ntitle: '100% {name} %s {0}'\ndate: 2022-01-01\n---\nx", "a.md", "100% {name} %s {0}"),
        ("---\ntitle: '&#123;x&#125; &amp; y'\ndate: 2022-01-01\n---\nx", "a.md", "{x} & y"),
        ("---\ntitle: ''\ndate: 2022-01-01\n---\n# The <em>Heading</em>\ntext", "a.md", "The Heading"),
        ("---\ntitle: ' '\ndate: 2022-01-01\n---\n<h2>HTML heading</h2>", "a.md", "HTML heading"),
        ("---\ndate: 2022-01-01\n---\nno heading here", "dir/file-name.md", "file-name"),
        ("---\ntitle: ' '\ndate: 2022-01-01\n---\n<p>此版本已改为注册中心</p>", "dir/ .md", "此版本已改为注册中心"),
        ("---\ndate: 2022-01-01\n---\n## Using **bold**, `code` and [links](https://x.y) in snake_case\n",
         "a.md", "Using bold, code and links in snake_case"),
    ],
    ids=["percent-braces", "entities", "markdown-heading", "html-heading", "file-stem", "body-text",
         "markdown-inline-in-heading"],
)
def test_titles(source: str, rel: str, title: str) -> None:
    assert article(source, rel=rel).title == title


def test_entities_are_decoded_in_every_string_value() -> None:
    post = article(
        "---\ntitle: t\ndate: 2022-01-01\nauthor: 'A &amp; B'\ncategories:\n - '&#123;C&#125;'\n"
        "tags: [x&amp;y]\ndescription: '&lt;b&gt;'\n---\nx"
    )
    assert post.author == "A & B"
    assert post.categories == ("{C}",)
    assert post.tags == ("x&y",)
    assert post.excerpt == "<b>"


# --- categories and tags ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("front", "paths", "flat"),
    [
        ("categories: [[A, B], C]", (("A", "B"), ("C",)), ("A", "B", "C")),
        ("categories: [a, b, c]", (("a", "b", "c"),), ("a", "b", "c")),
        ("categories: [[Diary, PS], [Diary, Games]]", (("Diary", "PS"), ("Diary", "Games")), ("Diary", "PS", "Games")),
        ("categories: Epic Games Store", (("Epic Games Store",),), ("Epic Games Store",)),
        ("category: release", (("release",),), ("release",)),
        ("Categories:\n - 新媒体\n - 36kr", (("新媒体", "36kr"),), ("新媒体", "36kr")),
        ("topics: [Development, golang]", (("Development",), ("golang",)), ("Development", "golang")),
        ("categories: []", (), ()),
    ],
    ids=["nested", "plain-chain", "two-chains", "string", "category", "capitalised", "hugo-topics", "empty"],
)
def test_categories(front: str, paths: tuple, flat: tuple) -> None:
    post = article(f"---\ntitle: t\ndate: 2022-01-01\n{front}\n---\nx")
    assert post.category_paths == paths
    assert post.categories == flat


@pytest.mark.parametrize(
    ("front", "tags"),
    [("tags: [a, b, a]", ("a", "b")), ("Tags:\n- ebay\n- 2021", ("ebay", "2021")), ("tags: solo", ("solo",)), ("", ())],
)
def test_tags(front: str, tags: tuple) -> None:
    assert article(f"---\ntitle: t\ndate: 2022-01-01\n{front}\n---\nx").tags == tags


# --- thumbnails -------------------------------------------------------------------------------

PIC = "https://img.example.org/a.jpg"


@pytest.mark.parametrize(
    ("front", "body", "site", "expected"),
    [
        (f"thumbnail: '{PIC}'", "", None, PIC),
        (f"headimg: '{PIC}'", "", None, PIC),
        (f"cover: {PIC}", "", None, PIC),
        (f"banner: {PIC}", "", None, PIC),
        (f"featured_image: {PIC}", "", None, PIC),
        (f"image: [{PIC}, https://img.example.org/b.jpg]", "", None, PIC),
        (f"image:\n  src: {PIC}", "", None, PIC),
        ("thumbnail: 'https://picsum.photos/400/300?random=1'", f'<img src="{PIC}">', None, PIC),
        ("thumbnail: 'https://picsum.photos/400/300?random=1'", "<p>no image</p>", None, None),
        ("thumbnail: ''", f"text ![alt]({PIC} \"t\")", None, PIC),
        ("thumbnail: ''", "", None, None),
        ("", f"<p><img class=x src='{PIC}?a=1&amp;b=2'></p>", None, PIC + "?a=1&b=2"),
        ("thumbnail: /images/x.png", "", "https://site.example/blog/", "https://site.example/images/x.png"),
        ("thumbnail: images/x.png", "", "https://site.example/blog", "https://site.example/blog/images/x.png"),
        ("thumbnail: /images/x.png", "", None, None),
        ("thumbnail: 'data:image/png;base64,AAAA'", "", None, None),
        ("thumbnail: //cdn.example.org/x.png", "", None, "https://cdn.example.org/x.png"),
        ("thumbnail: 'https://cors.zfour.workers.dev/?http://img.jandan.net/a.jpg!custom'", "", None,
         "https://cors.zfour.workers.dev/?http://img.jandan.net/a.jpg!custom"),
        ("", '{{% img src="/media/logo.png" class="right" %}}', "https://spf13.com", "https://spf13.com/media/logo.png"),
    ],
    ids=["thumbnail", "headimg", "cover", "banner", "featured_image", "list", "mapping", "placeholder-then-body",
         "placeholder-only", "markdown-image", "empty", "html-entity-src", "root-relative", "relative",
         "relative-no-site", "data-url", "protocol-relative", "cors-proxy-kept", "hugo-shortcode"],
)
def test_thumbnails(front: str, body: str, site: str | None, expected: str | None) -> None:
    post = article(f"---\ntitle: t\ndate: 2022-01-01\n{front}\n---\n{body}", site_url=site)
    assert post.thumbnail == expected


def test_placeholder_hosts_are_configurable() -> None:
    source = f"---\ntitle: t\ndate: 2022-01-01\nthumbnail: {PIC}\n---\nx"
    assert article(source, placeholder_hosts=("example.org",)).thumbnail is None
    assert article(source, placeholder_hosts=()).thumbnail == PIC


# --- excerpts ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("front", "body", "expected"),
    [
        ("excerpt: Short one", "Body <!-- more --> rest", "Short one"),
        ("description: Described", "Body", "Described"),
        ("summary: Summed", "Body", "Summed"),
        ("description: ''", "Intro\n<!-- more -->\nrest", "Intro"),
        ("", "Intro\n<!--more-->\nrest", "Intro"),
        ("", "No marker here", None),
    ],
)
def test_excerpts(front: str, body: str, expected: str | None) -> None:
    assert article(f"---\ntitle: t\ndate: 2022-01-01\n{front}\n---\n{body}").excerpt == expected


# --- links ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("front", "rel", "site", "pattern", "expected"),
    [
        ("link: https://elsewhere.example/x", "a.md", None, ":title/", "https://elsewhere.example/x"),
        ("url: post/my-post", "a.md", "https://s.example", ":title/", "https://s.example/post/my-post"),
        ("permalink: /p/1/", "a.md", "https://s.example/", ":title/", "https://s.example/p/1/"),
        ("", "a.md", None, ":title/", None),
        ("", "新媒体/观察者网/拜登 打包票.md", "https://s.example/", ":year/:month/:day/:title/",
         "https://s.example/2022/01/03/%E6%96%B0%E5%AA%92%E4%BD%93/%E8%A7%82%E5%AF%9F%E8%80%85%E7%BD%91/"
         "%E6%8B%9C%E7%99%BB%20%E6%89%93%E5%8C%85%E7%A5%A8/"),
        ("", "_posts/notes/hello.md", "https://s.example", ":i_month/:i_day/:hour-:minute-:second/:title.html",
         "https://s.example/1/3/17-56-49/notes/hello.html"),
        ("", "x/hello.md", "https://s.example", ":name/:post_title/:category/", "https://s.example/hello/T%25%7B%7D/A/B/"),
        ("slug: custom-slug", "x/hello.md", "https://s.example", ":year/:title/", "https://s.example/2022/custom-slug/"),
        ("abbrlink: 4a17b156", "x/hello.md", "https://s.example", "posts/:id/", "https://s.example/posts/4a17b156/"),
    ],
    ids=["absolute-link", "relative-url", "permalink", "no-site", "pattern-quoted", "pattern-parts",
         "name-post-title-category", "slug", "abbrlink-id"],
)
def test_links(front: str, rel: str, site: str | None, pattern: str, expected: str | None) -> None:
    source = f"---\ntitle: 'T%{{}}'\ndate: Mon, 03 Jan 2022 09:56:49 GMT\ncategories: [A, B]\n{front}\n---\nx"
    post = article(source, rel=rel, site_url=site, permalink=pattern, zone=SHANGHAI)
    assert post.url == expected


# --- drafts, keys and bookkeeping -------------------------------------------------------------

@pytest.mark.parametrize(
    ("front", "rel", "draft"),
    [
        ("draft: true", "a.md", True),
        ("draft: 'yes'", "a.md", True),
        ("published: false", "a.md", True),
        ("", "_drafts/a.md", True),
        ("", "blog/_drafts/a.md", True),
        ("draft: false", "a.md", False),
        ("published: true", "a.md", False),
        ("", "_drafts.md", False),
    ],
)
def test_drafts(front: str, rel: str, draft: bool) -> None:
    assert article(f"---\ntitle: t\ndate: 2022-01-01\n{front}\n---\nx", rel=rel).draft is draft


@pytest.mark.parametrize(
    ("front", "key"),
    [("", "dir/a.md"), ("id: 42", "id:42"), ("guid: abc-def", "guid:abc-def"), ("abbrlink: 4a17b156", "abbrlink:4a17b156")],
)
def test_keys(front: str, key: str) -> None:
    post = article(f"---\ntitle: t\ndate: 2022-01-01\n{front}\n---\nx", rel="dir/a.md")
    assert post.key == key and post.path == "dir/a.md" and post.id == 0


def test_bookkeeping_fields() -> None:
    post = article("---\ntitle: t\ndate: 2022-01-01\nlanguage: zh-CN\n---\nx")
    same = article("---\ntitle: t\ndate: 2022-01-01\nlanguage: zh-CN\n---\nx")
    edited = article("---\ntitle: t\ndate: 2022-01-01\nlanguage: zh-CN\n---\ny")
    assert post.lang == "zh-CN" and article("---\ntitle: t\nlang: en\n---\nx").lang == "en"
    assert post.mtime_ns == 1_600_000_000_000_000_000
    assert post.size == len(b"---\ntitle: t\ndate: 2022-01-01\nlanguage: zh-CN\n---\nx")
    assert post.digest == same.digest != edited.digest


def test_authors_list() -> None:
    post = article('+++\ntitle = "t"\nauthors = ["Ann", "Bo"]\npath = "2020/01/02/t"\n+++\nx')
    assert post.author == "Ann, Bo"
    assert post.date.date().isoformat() == "2020-01-02"


def test_impossible_yaml_date_is_a_warning_not_a_crash() -> None:
    result = load("---\ntitle: t\ndate: 2021-13-45\n---\nx", rel="2019-02-03-t.md")
    assert result.article is not None and result.article.date.date().isoformat() == "2019-02-03"
    assert ProblemKind.BAD_DATE in kinds(result) and not any(p.fatal for p in result.problems)


PIECES = ["---\n", "+++\n", ";;;\n", "{", "}", "title: ", "date: ", "'", '"', "&#123;", "- ", "\n", "[", "]",
          "categories:\n", " x", "Invalid Date", "<!-- more -->", "<img src=", "![](", "\r\n", "\ufeff", "%s{0}"]


@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=30).map("".join), st.sampled_from(
    ["utf-8", "utf-16", "gb18030"]))
@settings(max_examples=200, deadline=None)
def test_any_text_loads_or_is_reported(text: str, encoding: str) -> None:
    raw = text.encode(encoding, errors="ignore")
    result = load(raw)
    assert (result.article is not None) or any(p.fatal for p in result.problems)
    if result.article is not None:
        assert result.article.title and result.article.date.tzinfo is not None


@given(st.binary(max_size=200))
@settings(max_examples=200, deadline=None)
def test_any_bytes_load_or_are_reported(raw: bytes) -> None:
    result = load(raw)
    assert (result.article is not None) or any(p.fatal and p.reason for p in result.problems)
