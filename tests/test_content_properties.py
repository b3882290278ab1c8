"""Property: whatever the front matter holds — YAML-ish text, or arbitrary nested data written as
YAML, TOML or JSON — loading never raises, and what a loaded post becomes (its summary card and
whole-article messages) is a request every platform accepts."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.console import render as console
from adapters.discord import render as discord
from adapters.telegram import render as telegram
from bot.content import ContentConfig, LoadResult, load_text
from bot.summary import article_blocks, summarize
from tests.test_content_bounds import alias_bomb
from tests.validators import assert_valid_discord_payload, assert_valid_telegram_request

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CONFIG = ContentConfig(root=Path("/site"), site_url="https://s.example/blog/")
KEYS = st.sampled_from(["title", "Title", "date", "categories", "category", "tags", "tag", "thumbnail", "cover",
                        "author", "authors", "slug", "permalink", "url", "path", "draft", "published", "excerpt",
                        "description", "id", "lang", "updated", "extra", "topics", "link", "images"])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["", " ", "&#123;", "<b>x</b>", "Invalid Date", "2022-01-03", "2021-13-45", "/:title/",
                     "https://e.com/a.png", "javascript:alert(1)", "@everyone", "#tag", "x" * 300, "中文" * 50]),
)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(KEYS | st.text(min_size=1, max_size=8), inner, max_size=5),
    max_leaves=40,
)
FRONT = st.dictionaries(KEYS, DATA, max_size=8)
BODY = st.sampled_from(["", "正文内容。", "<div><img src='a.png'><p>Hello <b>world</b></p></div>",
                        "# Heading\n\ntext with *markup* and a [link](https://e.com)", "x" * 5000])

YAMLISH = st.lists(
    st.sampled_from(["title: ", "categories:", "tags: ", "date: ", "\n", "\n  ", "\n- ", "\n  - ", "[", "]",
                     "{", "}", "'", '"', ",", ": ", "&a ", "*a", "!!str ", "|", ">", "#", "---x", "\t"])
    | st.text(max_size=10),
    max_size=40,
).map("".join)


def _toml_value(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if abs(value) < 2**63 else None
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        items = [v for v in (_toml_value(item) for item in value) if v is not None]
        return "[" + ", ".join(items) + "]"
    pairs = [f"{json.dumps(str(k))} = {v}" for k, v in ((k, _toml_value(x)) for k, x in value.items()) if v is not None]
    return "{" + ", ".join(pairs) + "}"


def as_toml(data: dict[str, Any]) -> str:
    lines = [f"{json.dumps(key)} = {value}" for key, value in ((k, _toml_value(v)) for k, v in data.items())
             if value is not None]
    return "+++\n" + "\n".join(lines) + "\n+++\n"


def as_yaml(data: dict[str, Any]) -> str:
    return "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n"


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False) + "\n"


def load_quickly(source: str, rel: str = "post.md") -> LoadResult:
    started = time.perf_counter()
    result = load_text(source.encode(), rel, CONFIG)
    assert time.perf_counter() - started < 1.0, "loading one post must be bounded"
    return result


def check_everything_is_sendable(result: LoadResult) -> None:
    assert result.article is not None or any(p.fatal and p.reason for p in result.problems)
    if result.article is None:
        return
    summary = summarize(result.article)
    blocks = article_blocks(result.article)
    for request in telegram.render_summary(summary) + telegram.render_article(summary, blocks):
        assert_valid_telegram_request(request)
    for request in discord.render_summary(summary) + discord.render_article(summary, blocks):
        assert_valid_discord_payload(request.params)
    for request in console.render_summary(summary) + console.render_article(summary, blocks):
        assert isinstance(request.params["text"], str)


@SETTINGS
@given(FRONT, BODY, st.sampled_from([as_yaml, as_toml, as_json]))
def test_any_front_matter_data_becomes_valid_requests(data: dict[str, Any], body: str, dump: Any) -> None:
    check_everything_is_sendable(load_quickly(dump(data) + body))


@SETTINGS
@given(YAMLISH, BODY)
def test_any_yamlish_front_matter_becomes_valid_requests(front: str, body: str) -> None:
    for source in (f"---\n{front}\n---\n{body}", f"title: x\n{front}\n---\n{body}", f"+++\n{front}\n+++\n{body}"):
        check_everything_is_sendable(load_quickly(source, "_posts/2022-01-03-post.md"))


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 6), st.integers(2, 9), FRONT)
def test_alias_bombs_mixed_into_front_matter_are_bounded(levels: int, width: int, data: dict[str, Any]) -> None:
    bomb = alias_bomb(levels, width)
    source = bomb.replace("---\nbody", as_yaml(data)[4:] + "body") if data else bomb
    result = load_quickly(source)
    check_everything_is_sendable(result)
    if width ** levels > 20_000:
        assert result.article is None
