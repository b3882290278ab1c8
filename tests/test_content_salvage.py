"""A broken post is never published with garbled fields: the line reader salvages only values that
are unambiguous, and a post whose title, categories, tags, date or draft flag cannot be read is
held with a fatal problem that names the field and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import ContentConfig, LoadResult, ProblemKind, load_text
from bot.content.salvage import read_loosely
from bot.summary import summarize

CONFIG = ContentConfig(root=Path("/site"))


def load(source: str) -> LoadResult:
    return load_text(source.encode("utf-8"), "post.md", CONFIG, mtime_ns=1_600_000_000_000_000_000)


def held_reason(result: LoadResult) -> str:
    assert result.article is None and not result.publishable
    [problem] = result.problems
    assert problem.fatal and problem.kind is ProblemKind.FRONT_MATTER
    return problem.reason


def test_the_reported_post_is_held_not_sent_with_a_glued_hashtag() -> None:
    source = "---\ntitle: 'Unclosed quote\ncategories: [新媒体, 测试\n  date: 2022-1-3 4:5:9999\n---\nbody"
    reason = held_reason(load(source))
    assert "cannot read `title`" in reason and "never closed" in reason


@pytest.mark.parametrize(
    "source",
    ["---\ntitle: ok\ndate: 2026-01-01\ncategories: [a, b\n---\nbody",
     '+++\ntitle = "ok"\ndate = 2026-01-01\ncategories = ["a", "b"\n+++\nbody'],
    ids=["yaml", "toml"],
)
def test_an_unclosed_category_list_holds_the_post_instead_of_making_a_category_of_it(source: str) -> None:
    reason = held_reason(load(source))  # never a category "[a, b" published with a warning
    assert "cannot read `categories`" in reason and "never closed" in reason


@pytest.mark.parametrize(
    ("front", "field", "why"),
    [
        ("title: ok\ncategories: [新媒体, 测试\n  date: 2022-01-03", "categories", "never closed"),
        ("title: ok\ncategories: [a, 'b]\ndate: x: y", "categories", "unclosed quote"),
        ("title: ok\ncategories: [a, [b]]\ndate: x: y", "categories", "bracket"),
        ("title: ok\ntags:\n  - a\n  - 'b\ndate: x: y", "tags", "never closed"),
        ("title: ok\ncategories: 新媒体\n  - 测试\ndate: x: y", "categories", "list items"),
        ("title: \"closed\" and more\"\n  then: this\nx: [", "title", "follows"),
        ("title: 'a' 'b\nx: [", "title", "never closed"),
        ("title: 第一行\n  date: 2022-01-03\nx: [", "title", "follows the value"),
        ("title: ok\ndate: '2022-01-03\nx: [", "date", "never closed"),
        ("title: ok\ndraft: [true\nx: [", "draft", "never closed"),
        ("title: *anchor\nx: [", "title", "alias"),
    ],
    ids=["unclosed-list-and-key", "stray-quote-item", "nested-bracket", "unclosed-item", "scalar-then-items",
         "text-after-closing-quote", "unbalanced-quotes", "indented-key", "date", "draft", "alias"],
)
def test_fields_that_cannot_be_read_hold_the_post(front: str, field: str, why: str) -> None:
    reason = held_reason(load(f"---\n{front}\n---\nbody"))
    assert f"cannot read `{field}`" in reason and why in reason


@pytest.mark.parametrize(
    ("front", "title", "categories"),
    [
        ("title: \"He said \"no\" to 'it'\"\ncategories: [a, b]", "He said \"no\" to 'it'", ("a", "b")),
        ("title: \"\"\"\"\"'第1集'\"\"\"\"\"\ncategories:\n    - 二次元\n    - AGE", "第1集", ("二次元", "AGE")),
        ("title: 第一行\n\n\n第二行\ncategories: \n    - 二次元", "第一行 第二行", ("二次元",)),
        ("title: 'spans\n  two lines'\ncategories: ['x, y', z]\nbad: [", "spans two lines", ("x, y", "z")),
        ("title: |\n  block text\ncategories:\n  - [Diary, Games]\nbad: [", "block text", ("Diary", "Games")),
        ("title: Ken Follett's book\ncategories: []\nbad: [", "Ken Follett's book", ()),
    ],
    ids=["both-quote-kinds", "accumulated-quotes", "multi-line-unquoted", "multi-line-quoted", "block-scalar",
         "apostrophe"],
)
def test_unambiguous_values_are_salvaged(front: str, title: str, categories: tuple[str, ...]) -> None:
    result = load(f"---\n{front}\ndate: 2022-01-03\n---\nbody")
    assert result.publishable, result.problems
    assert result.article.title == title
    assert result.article.categories == categories
    assert any("read line by line" in p.reason for p in result.problems)


def test_an_unreadable_minor_field_is_dropped_with_a_warning() -> None:
    result = load("---\ntitle: ok\ndate: 2022-01-03\nthumbnail: 'https://e.com/a.png\ncategories: [a]\n---\nbody")
    assert result.publishable and result.article.thumbnail is None and result.article.categories == ("a",)
    assert any("cannot read `thumbnail`" in p.reason and not p.fatal for p in result.problems)


def test_a_nested_author_map_is_read_not_glued() -> None:
    result = load("---\ntitle: ok\ndate: 2022-01-03\nauthor:\n  name: Ann\n  url: https://a.example\nbad: [\n---\nb")
    assert result.publishable and result.article.author == "Ann"


def test_broken_toml_is_held_the_same_way() -> None:
    reason = held_reason(load('+++\ntitle = "unclosed\ntags = ["a", "b"\n+++\nbody'))
    assert "cannot read `title`" in reason


SYNTAX = st.sampled_from(["[", "]", "{", "}", "'", '"', ",", ": ", "\n", "\n  ", "\n- ", "\n  - ", "key: ", "date: ",
                          "#", "|", "*a", "&a "])
WORDS = st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=6)


@given(st.lists(SYNTAX | WORDS, max_size=25).map("".join))
@settings(max_examples=300, deadline=None)
def test_no_salvaged_value_is_a_fragment_of_syntax(text: str) -> None:
    """Whatever the broken lines are, a salvaged category or tag never carries a bracket or a
    dangling quote, and the title never starts with an unbalanced quote."""
    salvaged = read_loosely("title: " + text)
    for key, value in salvaged.fields.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str) and key != "title" and isinstance(value, list):
                assert not any(ch in item for ch in "[]{}"), (key, item)
    title = salvaged.fields.get("title")
    if isinstance(title, str) and title[:1] in ("'", '"'):
        assert title[-1:] == title[0], title
    result = load(f"---\ntitle: {text}\n---\nbody")
    if result.article is not None:
        summary = summarize(result.article)
        for tag in summary.hashtags:
            assert not any(ch in tag for ch in "[]{}'\""), tag
