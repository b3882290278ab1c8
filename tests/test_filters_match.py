"""Matching an article's text: what the text holds (folded, bounded), keyword and expression
semantics, and a hostile or broken expression that only ever counts as no match."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.filters import FilterRule, fold
from bot.filters.regex_match import Searcher, compiled, matches, search
from bot.filters.text import MATCH_TEXT_MAX, PART_MAX, match_text

HOSTILE = "(a+)+$"
LONG = match_text("a" * 5000 + "!", [], [], "Text.")


def kw(pattern: str, *, exclude: bool = False) -> FilterRule:
    return FilterRule(fold(pattern), exclude=exclude)


def rx(pattern: str, *, exclude: bool = False) -> FilterRule:
    return FilterRule(pattern, exclude=exclude, regex=True)


def test_match_text_is_folded_one_part_a_line() -> None:
    text = match_text("Ｐｙｔｈｏｎ  Tips", ["Tech", "观察者网"], ["AI"], "Hello\n  World")

    assert text == "python tips\ntech\n观察者网\nai\nhello world"


def test_a_huge_title_or_tag_list_never_pushes_the_excerpt_out() -> None:
    text = match_text("t" * 50_000, [f"c{n}" * 50 for n in range(64)], [], "the excerpt")

    assert len(text) <= MATCH_TEXT_MAX and text.endswith("\nthe excerpt")
    assert text.startswith("t" * PART_MAX + "\n")


def test_include_exclude_and_expression_semantics() -> None:
    text = match_text("Rust 1.80 released", [], ["Sponsored"], "Faster builds.")

    assert matches([], text)
    assert matches([kw("RUST")], text) and not matches([kw("python")], text)
    assert matches([kw("python"), rx(r"\brust\b")], text)  # any include
    assert not matches([kw("rust"), kw("SPONSORED", exclude=True)], text)  # exclude wins
    assert not matches([kw("rust"), rx("spons", exclude=True)], text)
    assert matches([rx("^RUST \\d")], text)  # case-insensitive
    assert not matches([rx("^released")], text)


def test_a_timed_out_expression_counts_as_no_match_for_includes_and_excludes() -> None:
    assert search(HOSTILE, LONG, 0.02) is None
    searcher = Searcher(LONG, timeout=0.02, label=1)

    assert not searcher.matches([rx(HOSTILE)])
    assert searcher.matches([rx(HOSTILE, exclude=True)])
    assert searcher.matches([kw("zzz"), rx(HOSTILE), rx("^a{3}")])
    assert (searcher.searches, searcher.timeouts) == (2, 1)  # each distinct pattern searched once


def test_expressions_too_costly_to_compile_are_refused_even_from_the_store() -> None:
    assert compiled("(?:(?:(?:a{1000}){1000}){1000})") is None  # never compiled: it would take gigabytes
    assert compiled("(unclosed") is None
    assert search("(unclosed", "anything") is False
    assert compiled("a{3}") is not None


PARTS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)


@settings(max_examples=200, deadline=None)
@given(PARTS, st.lists(PARTS, max_size=5), st.lists(PARTS, max_size=5), PARTS)
def test_any_article_gives_a_bounded_text_in_which_its_title_words_are_found(title, categories, tags, excerpt) -> None:
    text = match_text(title, categories, tags, excerpt)

    assert len(text) <= MATCH_TEXT_MAX
    assert "" not in text.split("\n") if text else True  # no empty lines: empty parts are left out
    for word in fold(title)[: PART_MAX // 2].split():
        assert matches([FilterRule(word)], text)
