"""Turn a post body (Markdown with raw HTML, or plain HTML) into HTML, cheaply.

Only as much of the body as the caller asks for is converted: `prefix` cuts the source at a
paragraph (Markdown) or tag (HTML) boundary, and keeps the Markdown link reference definitions
from the rest so `[text][ref]` still renders as a link. Site-generator template tags (Hexo/Liquid
`{% … %}`, Hugo `{{< … >}}` / `{{% … %}}`, Liquid `{{ … }}`) are removed first; code-block tags
become Markdown fences so their code stays code.

Markdown goes through cmark-gfm (C, via `cmarkgfm`): CommonMark with tables and strikethrough,
raw HTML passed through.
"""

from __future__ import annotations

import re

import cmarkgfm
from cmarkgfm.cmark import Options

# `{% … %}` (Hexo, Jekyll/Liquid), `{{< … >}}` / `{{% … %}}` (Hugo), `{{ var }}` (Liquid output).
# Bounded lengths keep an unclosed `{%` from scanning the rest of a long body.
_TEMPLATE_TAG = re.compile(
    r"\{%-?\s*(?P<liquid>[^%\n]{0,400}?)\s*-?%\}"
    r"|\{\{[<%]\s*(?P<hugo>[^\n]{0,400}?)\s*[%>]\}\}"
    r"|\{\{-?\s[^{}\n]{0,200}?-?\}\}"
)
_CODE_OPEN = re.compile(r"(?:codeblock|code|highlight|include_code)\b", re.IGNORECASE)
_CODE_CLOSE = re.compile(r"(?:endcodeblock|endcode|endhighlight|/highlight|/code)\b", re.IGNORECASE)
_OPENING_TAG = re.compile(r"\s*<([A-Za-z][A-Za-z0-9-]*)[\s/>]")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]\n]{1,200}\]:[ \t]*\S.*$", re.MULTILINE)


def _template_tag(match: re.Match[str]) -> str:
    """Replace one template tag: code-block tags become fences, everything else disappears."""
    inner = match.group("liquid") or match.group("hugo")
    if inner is None:
        return ""
    if inner.startswith("post_link "):  # Hexo: {% post_link slug [title] [escape] %} shows the title
        parts = inner.split(None, 2)
        title = parts[2].removesuffix(" false").removesuffix(" true").strip(" \"'") if len(parts) > 2 else ""
        return title or (parts[1].rstrip("/").rsplit("/", 1)[-1] if len(parts) > 1 else "")
    if _CODE_CLOSE.match(inner):
        return "\n```\n"
    if _CODE_OPEN.match(inner):
        return "\n```\n"
    return ""


def strip_template_tags(text: str) -> str:
    """Remove Hexo/Jekyll/Liquid/Hugo template tags, turning code-block tags into fences."""
    if "{%" not in text and "{{" not in text:
        return text
    return _TEMPLATE_TAG.sub(_template_tag, text)


def is_html(source: str) -> bool:
    """Tell whether `source` is one HTML fragment (starts with a tag and ends with its closing tag).

    Such bodies skip Markdown rendering: indentation in HTML would otherwise become code blocks.
    A Markdown post that merely starts with an HTML block (a notice box) is not HTML.
    """
    opening = _OPENING_TAG.match(source)
    if opening is None:
        return False
    tail = source[-256:].rstrip()
    return tail.endswith(">") and tail.lower().endswith(f"</{opening.group(1).lower()}>")


def prefix(source: str, size: int, html: bool) -> tuple[str, bool]:
    """Return about `size` characters from the start of `source`, cut at a safe boundary, and
    whether that is the whole source."""
    if len(source) <= size:
        return source, True
    if html:
        cut = source.find("<", size)
        return (source, True) if cut < 0 else (source[:cut], False)
    cut = source.find("\n\n", size)
    if cut < 0 or cut > 2 * size:
        cut = source.find("\n", size)
    if cut < 0:
        return source, True
    head = source[:cut]
    references = _REFERENCE.findall(source, cut)
    if references:
        head = head + "\n\n" + "\n".join(references) + "\n"
    return head, False


def _render(text: str) -> str:
    """Render CommonMark with tables and strikethrough, raw HTML passed through."""
    return cmarkgfm.markdown_to_html_with_extensions(
        text, options=Options.CMARK_OPT_UNSAFE, extensions=["table", "strikethrough"]
    )


def to_html(source: str, html: bool) -> str:
    """Return `source` as HTML: template tags removed, Markdown rendered unless already HTML."""
    text = strip_template_tags(source)
    if html:
        return text
    return _render(text)
