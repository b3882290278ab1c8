"""The shape of a catalogue entry: one text per language, English plurals chosen by a count."""

from __future__ import annotations

from typing import NamedTuple


class Plural(NamedTuple):
    """English forms chosen by the whole number passed as `by` ("1 draft", "2 drafts").
    Chinese has no plural forms: its columns are plain templates."""

    by: str
    one: str
    other: str

    def pick(self, values: dict[str, object]) -> str:
        """Return the form for the count in `values` (`other` when it is missing or not 1)."""
        return self.one if values.get(self.by) == 1 else self.other


class T(NamedTuple):
    """One catalogue entry: English (or its plural forms), Simplified and Traditional Chinese.
    Templates are `str.format` strings filled with keyword arguments only."""

    en: str | Plural
    zh_hans: str
    zh_hant: str
