"""Properties: `summarize` never fails, stays within its length and never leaks markup."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.content.article import Article
from bot.summary import Paragraph, SummaryConfig, article_blocks, hashtag, normalize_category, summarize

TAGS = ["p", "div", "span", "b", "i", "a", "img", "br", "ul", "li", "ol", "pre", "code", "blockquote",
        "h2", "table", "tr", "td", "figure", "figcaption", "script", "style", "iframe", "strong", "em"]
TAG_IN_TEXT = re.compile(r"</?(?:" + "|".join(TAGS) + r")\b[^>]*>", re.IGNORECASE)

words = st.one_of(
    st.text(min_size=1, max_size=30),
    st.sampled_from(["<", "&", "&amp;", "& x", "<3", "a < b", "1 > 0", "…", "。", ". ", "！", "\n\n", "\n", " "]),
    st.text(st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), min_size=1, max_size=5),
    st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=200),
    st.integers(1, 10_000).map(lambda n: "w" * n),
    st.sampled_from(["阅读全文", "Read more", "[toc]", "{% raw %}", "{{< x >}}", "{{% y %}}", "{{ z }}"]),
)


@st.composite
def fragments(draw: st.DrawFn, depth: int = 0) -> str:
    """Random, often malformed, HTML."""
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 4 if depth < 4 else 1))
        if kind <= 1:
            parts.append(draw(words))
        elif kind == 2:
            tag = draw(st.sampled_from(TAGS))
            attrs = draw(st.sampled_from(['', ' style="text-align:center"', ' src="https://x.org/a.jpg"',
                                          ' href="https://x.org"', ' class="caption"', ' alt="a"']))
            parts.append(f"<{tag}{attrs}>")
        elif kind == 3:
            parts.append(f"</{draw(st.sampled_from(TAGS))}>")
        else:
            tag = draw(st.sampled_from(TAGS))
            parts.append(f"<{tag}>{draw(fragments(depth + 1))}</{tag}>")
    return "".join(parts)


def make(body: str, excerpt: str | None = None) -> Article:
    return Article(key="k", path="k.md", title="Title", date=datetime(2024, 1, 1, tzinfo=UTC),
                   body=body, excerpt=excerpt)


def check(excerpt: str, limit: int) -> None:
    assert len(excerpt) <= limit + 1
    assert TAG_IN_TEXT.search(excerpt) is None, excerpt
    assert "\n\n\n" not in excerpt
    assert excerpt == excerpt.strip()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=fragments(), wrap=st.booleans(), limit=st.integers(1, 700))
def test_summarize_never_raises_on_html(body: str, wrap: bool, limit: int) -> None:
    # A backslash-escaped tag in Markdown (`\\<p>`) is literal text the author wrote: allowed.
    assume("\\<" not in body)
    if wrap:
        body = f"\n<div>   \n{body}  \n</div>\n            "
    summary = summarize(make(body), SummaryConfig(excerpt_chars=limit))
    check(summary.excerpt, limit)
    for block in article_blocks(make(body)):
        if isinstance(block, Paragraph):
            assert block.text and TAG_IN_TEXT.search(block.text) is None


@settings(max_examples=200, deadline=None)
@given(body=st.text(max_size=3000), excerpt=st.none() | st.text(max_size=200), limit=st.integers(1, 700))
def test_summarize_never_raises_on_arbitrary_markdown(body: str, excerpt: str | None, limit: int) -> None:
    summary = summarize(make(body, excerpt), SummaryConfig(excerpt_chars=limit))
    assert len(summary.excerpt) <= limit + 1
    article_blocks(make(body))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_hashtags_hold_only_letters_digits_and_underscore(text: str) -> None:
    tag = hashtag(text)
    if tag is not None:
        assert tag and not tag.isdecimal()
        assert all(ch == "_" or unicodedata.category(ch)[0] in "LM" or unicodedata.category(ch) == "Nd" for ch in tag)
        assert not any(ch.isspace() for ch in tag)
        assert hashtag(tag) == tag  # stable


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_normalize_category_is_idempotent(text: str) -> None:
    key = normalize_category(text)
    assert normalize_category(key) == key
    if text.isascii():
        assert normalize_category(text.upper()) == normalize_category(text.lower())


def test_every_corpus_post_summarizes_within_limits(corpus_dir: Path) -> None:
    from bot.content import ContentConfig, load_article

    count = 0
    for folder in ("real", "other", "seed"):
        root = corpus_dir / folder
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".md", ".markdown", ".txt")):
            article = load_article(path, ContentConfig(root=root)).article
            if article is None:
                continue
            summary = summarize(article, SummaryConfig(hidden_categories=("首页",)))
            check(summary.excerpt, 600)
            assert "{%" not in summary.excerpt and "{{" not in summary.excerpt, path
            assert "首页" not in summary.hashtags
            assert all(" " not in tag for tag in summary.hashtags)
            count += 1
    assert count > 150
