"""What is not worth reading in a chat: "Read more" links, tables of contents, image captions.

Captions are recognised by where and how they appear, the way feed HTML writes them: a short
line right after an image that is centred, greyed/italic/small, a `<figcaption>`, or the
image's own alt text; boilerplate by its words, whole or trailing a paragraph.
"""

from __future__ import annotations

import re

CAPTION_MAX = 80
"""Longest text (code points) taken for an image caption."""

# Whole-paragraph boilerplate, compared after dropping everything but letters and digits.
_BOILERPLATE = frozenset(
    {
        "阅读全文", "点击阅读全文", "阅读原文", "查看原文", "点击查看", "点击查看原文", "点击查看大图",
        "查看大图", "展开全文", "继续阅读", "全文", "更多", "查看更多", "点击阅读原文",
        "readmore", "continuereading", "readthefullarticle", "readfullarticle", "readthefullstory",
        "more", "toc", "readon", "viewmore", "seemore", "clickhere", "sourcelink",
    }
)
# The same words trailing a paragraph ("… Continue reading →", "…[阅读全文]").
_TRAILING = re.compile(
    r"[\s(（\[【]*(?:阅读全文|点击阅读全文|阅读原文|查看原文|点击查看原文|展开全文|继续阅读"
    r"|read more|continue reading|read the full (?:article|story)|\(more…\))"
    r"[\s)）\]】»›>→.…]*$",
    re.IGNORECASE,
)
_TRAILING_HINTS = re.compile("全文|原文|阅读|read|more")
_KEY_DROP = re.compile(r"[\W_]+")
_SENTENCE_FINAL = frozenset("。！？!?…；;.")
_CAPTION_CLASS = re.compile(r"caption|credit|pic-?info|img-?desc|image-?desc|figure", re.IGNORECASE)
_CENTRED = re.compile(r"text-align\s*:\s*center", re.IGNORECASE)
_MUTED = re.compile(r"color\s*:|font-size\s*:", re.IGNORECASE)
_CAPTION_WORDS = re.compile(
    r"^(?:图片?来源|图源|资料图|配图|摄影|photo(?:graph)?\s*(?:by|via|credit|:)|image\s*(?:by|via|credit|:)"
    r"|source\s*:|credit\s*:)"
    r"|[（(](?:资料图片?|图源[^）)]*|图片来源[^）)]*|网络图片|视频截图|截图|供图|摄|图)[）)]$",
    re.IGNORECASE,
)


def text_key(text: str) -> str:
    """Compare texts by letters and digits only, case-folded ("Read more »" ~ "read more")."""
    return _KEY_DROP.sub("", text).casefold()


def is_boilerplate(text: str) -> bool:
    """Tell whether a whole paragraph is navigation boilerplate ("Read more", "[toc]", "阅读全文")."""
    return len(text) <= 40 and text_key(text) in _BOILERPLATE


def strip_trailing_boilerplate(text: str) -> str:
    """Remove a "Read more"/"阅读全文"-style link from the end of a paragraph."""
    cut = max(0, len(text) - 80)
    tail = text[cut:]
    lowered = tail.lower()
    if not _TRAILING_HINTS.search(lowered):
        return text
    return (text[:cut] + _TRAILING.sub("", tail)).rstrip()


def marks_caption(tag: str, attributes: dict[str, str | None]) -> bool:
    """Tell whether an element looks like caption styling (centred, greyed, small, caption class)."""
    if tag in ("figcaption", "small", "em", "i", "cite"):
        return True
    if attributes.get("align", "") in ("center", "middle"):
        return True
    style = attributes.get("style") or ""
    if style and (_CENTRED.search(style) or _MUTED.search(style)):
        return True
    cls = attributes.get("class") or ""
    return bool(cls) and _CAPTION_CLASS.search(cls) is not None


def is_caption(text: str, styled: bool, image_alt: str) -> bool:
    """Tell whether `text`, right after an image, is that image's caption rather than prose."""
    if len(text) > CAPTION_MAX:
        return False
    if image_alt and text_key(text) == text_key(image_alt):
        return True
    if _CAPTION_WORDS.search(text):
        return True
    return styled and text[-1] not in _SENTENCE_FINAL
