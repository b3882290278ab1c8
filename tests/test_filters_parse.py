"""/filter's words → rules: signs, expressions with spaces, folding, every bound, and (property)
any input parses to rules within bounds that read back the same, or to a clean refusal."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands.i18n import message
from bot.filters import MAX_FILTERS, MAX_KEYWORD, MAX_PATTERN, FilterRule
from bot.filters.parse import MAX_REPEAT, FilterError, ParsedFilters, parse_filters

LANGS = ("en", "zh", "zh-Hant")


def rule(pattern: str, *, exclude: bool = False, regex: bool = False) -> FilterRule:
    return FilterRule(pattern, exclude=exclude, regex=regex)


def refusal(args: list[str]) -> FilterError:
    with pytest.raises(FilterError) as caught:
        parse_filters(args)
    return caught.value


def test_signs_keywords_and_expressions() -> None:
    parsed = parse_filters(["+python", "-Sponsored", "rust", "/go(lang)?/", "+/\\bai\\b/", "-/ad(vert)?s?/"])

    assert parsed == ParsedFilters(
        clear=False,
        rules=(
            rule("python"), rule("sponsored", exclude=True), rule("rust"), rule("go(lang)?", regex=True),
            rule("\\bai\\b", regex=True), rule("ad(vert)?s?", exclude=True, regex=True),
        ),
    )  # fmt: skip
    assert [r.shown for r in parsed.rules] == [
        "+python", "-sponsored", "+rust", "/go(lang)?/", "/\\bai\\b/", "-/ad(vert)?s?/"
    ]  # fmt: skip


def test_keywords_are_folded_like_categories_and_full_width_signs_count() -> None:
    parsed = parse_filters(["ＰＹＴＨＯＮ", "－ＡＤ", "＋Straße", "—promo"])

    assert parsed.rules == (rule("python"), rule("ad", exclude=True), rule("strasse"), rule("promo", exclude=True))


def test_an_expression_may_hold_spaces_and_one_option_may_hold_every_word() -> None:
    """Telegram splits words; a Discord option arrives as one string: both read the same."""
    split = parse_filters(["-/machine", "learning/", "+rust"])
    whole = parse_filters(["-/machine learning/ +rust"])

    assert split == whole == ParsedFilters(rules=(rule("machine learning", exclude=True, regex=True), rule("rust")))


def test_clear_first_replaces_and_clear_alone_clears() -> None:
    assert parse_filters(["clear"]) == ParsedFilters(clear=True)
    assert parse_filters(["Clear", "+go"]) == ParsedFilters(clear=True, rules=(rule("go"),))
    assert parse_filters(["+clear"]).rules == (rule("clear"),)
    assert parse_filters([]) == ParsedFilters()
    assert refusal(["+go", "clear"]).key == "filter.err.clear_first"


def test_repeated_rules_are_kept_once() -> None:
    assert parse_filters(["go", "+GO", "ｇｏ", "-go"]).rules == (rule("go"), rule("go", exclude=True))


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (["+"], "filter.err.empty"),
        (["-"], "filter.err.empty"),
        (["//"], "filter.err.empty"),
        (["/ /"], "filter.err.empty"),
        (["/python"], "filter.err.unclosed"),
        (["-/a", "b"], "filter.err.unclosed"),
        (["x" * (MAX_KEYWORD + 1)], "filter.err.keyword_long"),
        (["+／etc"], "filter.err.keyword_slash"),
        (["a\u00a8b"], "filter.err.keyword_space"),  # NFKC turns "¨" into a space and a mark
        (["/" + "a" * (MAX_PATTERN + 1) + "/"], "filter.err.pattern_long"),
        (["/(a/"], "filter.err.pattern_bad"),
        (["/a{1001}/"], "filter.err.pattern_costly"),
        (["/(?:(?:a{100}){100}){100}/"], "filter.err.pattern_costly"),  # compiling it takes gigabytes
        ([f"w{n}" for n in range(MAX_FILTERS + 1)], "filter.err.too_many"),
    ],
)
def test_refusals_name_a_catalogue_text(args: list[str], key: str) -> None:
    error = refusal(args)

    assert error.key == key
    for lang in LANGS:
        assert message(error.key, lang, **error.values)


def test_a_compile_error_is_shown_short() -> None:
    error = refusal(["/" + "(" * 150 + "/"])

    assert error.key == "filter.err.pattern_bad"
    assert 0 < len(str(error.values["error"])) <= 100


def test_reasonable_repetitions_and_escaped_braces_pass() -> None:
    parsed = parse_filters(["/\\d{4}-\\d{2}-\\d{2}/", "/x{1000}/", "/\\{10000\\}/", "/a{0,60000}/"])

    assert [r.pattern for r in parsed.rules] == ["\\d{4}-\\d{2}-\\d{2}", "x{1000}", "\\{10000\\}", "a{0,60000}"]
    assert MAX_REPEAT == 1000


def test_exactly_the_bounds_pass() -> None:
    parsed = parse_filters(["k" * MAX_KEYWORD, "/" + "p" * MAX_PATTERN + "/", *[f"w{n}" for n in range(MAX_FILTERS - 2)]])

    assert len(parsed.rules) == MAX_FILTERS


WORDS = st.one_of(
    st.text(max_size=12),
    st.text(alphabet="+-/－＋—clear ()[]{}\\.*?|^$ab1２ＡßΣ¨／\u3000", max_size=12),
    st.sampled_from(["clear", "+", "-", "/", "//", "/a/", "-/a", "b/", "/(a+)+$/", "a{3}", "/x{2000}/"]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(WORDS, max_size=25))
def test_any_words_give_bounded_rules_that_read_back_or_a_clean_refusal(args: list[str]) -> None:
    try:
        parsed = parse_filters(args)
    except FilterError as error:
        assert error.key.startswith("filter.err.")
        for lang in LANGS:
            assert message(error.key, lang, **error.values)
        return
    assert len(parsed.rules) <= MAX_FILTERS
    assert len(set(parsed.rules)) == len(parsed.rules)
    for found in parsed.rules:
        assert found.pattern.strip()
        if found.regex:
            assert len(found.pattern) <= MAX_PATTERN
        else:
            assert len(found.pattern) <= MAX_KEYWORD and not any(ch.isspace() for ch in found.pattern)
    shown = [found.shown for found in parsed.rules]
    assert parse_filters(shown).rules == parsed.rules
    assert parse_filters([" ".join(shown)]).rules == parsed.rules
