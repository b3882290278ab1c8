"""Front matter is parsed with bounds: an alias bomb, deep nesting, huge front matter or a flood of
categories is reported as a fatal problem with a clear reason, at once and in little memory,
while ordinary posts (and Hexo's nested categories) load as before."""

from __future__ import annotations

import json
import time
import tracemalloc
from pathlib import Path

import pytest

from bot.content import ContentConfig, LoadResult, ProblemKind, load_text
from bot.content.bounds import MAX_DEPTH, MAX_FRONT_MATTER_BYTES, MAX_TERM_CHARS, MAX_TERMS

CONFIG = ContentConfig(root=Path("/site"))


def load(source: str) -> LoadResult:
    return load_text(source.encode("utf-8"), "post.md", CONFIG, mtime_ns=1_600_000_000_000_000_000)


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs" shape: each anchor is a list of `width` aliases to the one before."""
    names = "abcdefghijklmnop"
    lines = ["---", "title: bomb", "date: 2022-01-03", f"a: &a [{','.join(['lol'] * width)}]"]
    for i in range(1, levels):
        lines.append(f"{names[i]}: &{names[i]} [{','.join([f'*{names[i - 1]}'] * width)}]")
    lines += [f"categories: [{','.join([f'*{names[levels - 1]}'] * width)}]", "---", "body", ""]
    return "\n".join(lines)


def fatal_reason(result: LoadResult) -> str:
    assert result.article is None and not result.publishable
    [problem] = result.problems
    assert problem.fatal and problem.kind is ProblemKind.FRONT_MATTER
    return problem.reason


def test_the_408_byte_alias_bomb_is_refused_fast_and_small() -> None:
    source = alias_bomb()
    assert len(source.encode()) < 410
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = load(source)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "expands to more than" in fatal_reason(result)
    assert elapsed < 0.5
    assert peak < 5_000_000


def test_a_smaller_bomb_used_as_categories_is_still_refused() -> None:
    # 9**4 = 6,561 category names would reach every subscriber's hashtag line before.
    reason = fatal_reason(load(alias_bomb(levels=3)))
    assert "more than" in reason


def test_aliases_that_stay_small_are_fine() -> None:
    source = "---\ntitle: t\ndate: 2022-01-03\nbase: &cats [新闻, 国际]\ncategories: *cats\n---\nx"
    result = load(source)
    assert result.publishable and result.article.categories == ("新闻", "国际")


def test_a_recursive_alias_is_refused() -> None:
    reason = fatal_reason(load("---\ntitle: t\ncategories: &a [x, *a]\n---\nx"))
    assert "itself" in reason or "nests deeper" in reason


@pytest.mark.parametrize(
    "source",
    [
        "---\ntitle: t\ndeep: " + "[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2) + "\n---\nx",
        "---\ntitle: t\ndeep:\n" + "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 2)) + "---\nx",
        '+++\ntitle = "t"\ndeep = ' + "[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2) + "\n+++\nx",
        '+++\ntitle = "t"\ndeep = ' + "[" * 5000 + "]" * 5000 + "\n+++\nx",
        ';;;\n"title": "t", "deep": ' + "[" * 5000 + "]" * 5000 + "\n;;;\nx",
        '{"title": "t", "deep": ' + "[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2) + "}\nx",
        '{"title": "t", "deep": ' + "[" * 5000 + "]" * 5000 + "}\nx",
    ],
    ids=["yaml-flow", "yaml-block", "toml", "toml-recursion", "json-semicolons", "json-object", "json-recursion"],
)
def test_deep_nesting_is_refused(source: str) -> None:
    assert "nests deeper" in fatal_reason(load(source))


@pytest.mark.parametrize(
    "source",
    [
        "---\ntitle: t\nfiller: '" + "x" * MAX_FRONT_MATTER_BYTES + "'\n---\nx",
        '+++\ntitle = "t"\nfiller = "' + "x" * MAX_FRONT_MATTER_BYTES + '"\n+++\nx',
        '{"title": "t", "filler": "' + "x" * MAX_FRONT_MATTER_BYTES + '"}\nx',
        "---\ntitle: 'broken\nfiller: " + "x" * MAX_FRONT_MATTER_BYTES + "\n---\nx",
    ],
    ids=["yaml", "toml", "json", "not-yaml-either"],
)
def test_oversized_front_matter_is_refused(source: str) -> None:
    assert "larger than" in fatal_reason(load(source))


def test_a_long_preamble_without_opening_delimiter_is_prose_not_front_matter() -> None:
    text = "Note: this is a long article\n" + "words " * 20_000 + "\n---\nmore"
    result = load(text)
    assert result.publishable and result.article.body.startswith("Note:")


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        (f"categories: [{', '.join(f'c{i}' for i in range(MAX_TERMS + 1))}]", f"more than {MAX_TERMS} categories"),
        (f"tags: [{', '.join(f't{i}' for i in range(MAX_TERMS + 1))}]", f"more than {MAX_TERMS} tags"),
        (f"tags: [{'x' * (MAX_TERM_CHARS + 1)}]", "longer than"),
        (f"categories:\n  - [a, {'y' * (MAX_TERM_CHARS + 1)}]", "longer than"),
    ],
    ids=["categories", "tags", "long-tag", "long-nested-category"],
)
def test_too_many_or_too_long_terms_are_refused(front: str, reason: str) -> None:
    assert reason in fatal_reason(load(f"---\ntitle: t\ndate: 2022-01-03\n{front}\n---\nx"))


def test_ordinary_rich_front_matter_still_loads() -> None:
    data = {
        "title": "t", "date": "2022-01-03", "categories": [["Diary", "PlayStation"], ["Diary", "Games"]],
        "tags": [f"t{i}" for i in range(MAX_TERMS)], "extra": {"a": {"b": {"c": [1, 2, 3]}}},
    }
    result = load(";;;\n" + json.dumps(data)[1:-1] + "\n;;;\nx")
    assert result.publishable
    assert result.article.category_paths == (("Diary", "PlayStation"), ("Diary", "Games"))
    assert len(result.article.tags) == MAX_TERMS
