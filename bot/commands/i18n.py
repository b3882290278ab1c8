"""Looking texts up in the message catalogue (bot/commands/texts): in English, Simplified or
Traditional Chinese, for the language a platform reports.

Catalogue strings are `str.format` templates filled with keyword arguments only; user text is
only ever a value, never a template.
"""

from __future__ import annotations

from typing import Literal

from bot.commands.texts import CATALOGUE, Plural

Lang = Literal["en", "zh", "zh-Hant"]
"""Reply languages: English, Simplified Chinese ("zh") and Traditional Chinese ("zh-Hant")."""

_TAG_CHARS = 64
"""Longest language tag read; the rest of a longer one is ignored."""
_TRADITIONAL_REGIONS = frozenset({"tw", "hk", "mo"})
"""Regions whose readers write Traditional Chinese when a tag names no script."""


def language_of(tag: str | None) -> Lang:
    """Pick the reply language for a platform's language tag (BCP 47 or `zh_TW` style, any case).

    Chinese with the Hant script, or from Taiwan, Hong Kong or Macau, gives "zh-Hant"; any other
    Chinese gives "zh" (Simplified); everything else, missing or unreadable gives "en".
    """
    if not tag:
        return "en"
    subtags = tag[:_TAG_CHARS].strip().replace("_", "-").casefold().split("-")
    if subtags[0] != "zh":
        return "en"
    rest = subtags[1:]
    if "hant" in rest:
        return "zh-Hant"
    if "hans" in rest:
        return "zh"
    return "zh-Hant" if _TRADITIONAL_REGIONS.intersection(rest) else "zh"


def message(key: str, lang: Lang, /, **values: object) -> str:
    """Return the catalogue text for `key` in `lang`, filled with `values`.

    English plurals are picked by the value their `Plural` names ("1 draft", "2 drafts").
    """
    entry = CATALOGUE[key]
    if lang == "zh-Hant":
        template = entry.zh_hant
    elif lang == "zh":
        template = entry.zh_hans
    else:
        template = entry.en.pick(values) if isinstance(entry.en, Plural) else entry.en
    return template.format(**values) if values else template


def join_names(names: list[str] | tuple[str, ...], lang: Lang) -> str:
    """Quote and join category names the way `lang` writes lists."""
    sep = message("names.sep", lang)
    return sep.join(message("quoted", lang, name=name) for name in names)
