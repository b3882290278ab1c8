"""Fitting text into platform limits: whole sentences, "…" when cut, nothing lost when split."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.textfit import ELLIPSIS, fit_text, split_text, utf16_len


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", 0), ("abc", 3), ("中文", 2), ("a😀b", 4), ("👨‍👩‍👧", 8), ("é", 1)],
)
def test_utf16_len_counts_code_units(text: str, expected: int) -> None:
    assert utf16_len(text) == expected


def test_short_text_is_untouched() -> None:
    assert fit_text("Hello.", 10) == "Hello."


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("第一句话很长很长。第二句话也很长，还有更多内容。", 20, "第一句话很长很长。…"),
        ("他说：“好的。”然后离开了这里，再也没有回来过。", 16, "他说：“好的。”…"),
        ("One sentence here. Another sentence follows on.", 30, "One sentence here. …"),
        ("Short title\n\nA paragraph that goes on and on.", 25, "Short title…"),
        ("words without any sentence end at all here", 20, "words without any…"),
        ("汉" * 50, 10, "汉" * 9 + ELLIPSIS),
    ],
)
def test_fit_text_cuts_at_the_nicest_boundary(text: str, limit: int, expected: str) -> None:
    assert fit_text(text, limit) == expected


def test_fit_text_with_utf16_measure_never_splits_surrogates() -> None:
    fitted = fit_text("😀" * 100, 11, utf16_len)
    assert utf16_len(fitted) <= 11
    assert fitted == "😀" * 5 + ELLIPSIS


def test_split_text_prefers_paragraphs() -> None:
    text = "First paragraph.\n\nSecond paragraph.\n\nThird."
    assert list(split_text(text, 20)) == ["First paragraph.", "Second paragraph.", "Third."]


def test_split_text_rejects_non_positive_limit() -> None:
    with pytest.raises(ValueError):
        list(split_text("x", 0))


texts = st.text(
    st.characters(blacklist_categories=("Cs",)), max_size=600
) | st.lists(st.sampled_from(["句子。", "Word ", "😀", "\n\n", "长" * 30, ". ", "x" * 200]), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=texts, limit=st.integers(1, 300), utf16=st.booleans())
def test_fit_text_respects_the_limit(text: str, limit: int, utf16: bool) -> None:
    measure = utf16_len if utf16 else len
    fitted = fit_text(text, limit, measure)
    assert measure(fitted) <= limit
    if measure(text) <= limit:
        assert fitted == text
    elif limit > 1:
        assert fitted.endswith(ELLIPSIS)
        assert text.startswith(fitted[: -len(ELLIPSIS)].rstrip()[:5])


@settings(max_examples=300, deadline=None)
@given(text=texts, limit=st.integers(2, 300), utf16=st.booleans())
def test_split_text_loses_nothing(text: str, limit: int, utf16: bool) -> None:
    measure = utf16_len if utf16 else len
    pieces = list(split_text(text, limit, measure))
    assert all(measure(piece) <= limit for piece in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())
