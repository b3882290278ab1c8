"""Render a command `Reply` as Discord message payloads: articles as embeds in at most
`Limits.read_messages` messages (`fit` cuts the reply and points to the rest), cards as one
embed with the reply's header line above it (an approval request says it waits), lists as one
embed under their header, everything else as escaped text.

Pure (no discord.py): the interaction code turns these payloads into discord.py objects and
adds the reply's buttons under the last message.
"""

from __future__ import annotations

from typing import Any

from adapters.card import cap_article, clean_text
from adapters.discord.limits import LIMITS, Limits
from adapters.discord.markdown import fit_markdown
from adapters.discord.render import CREATE_MESSAGE, DEFAULT_COLOUR, NO_MENTIONS, render_article, render_summary, render_text
from bot.commands import Reply
from bot.commands.i18n import Lang
from bot.request import Request


def _list_embed(reply: Reply, limits: Limits) -> dict[str, Any]:
    """Return one embed: the header as title, the rest of the answer as description."""
    text = clean_text(reply.text).strip()
    header = clean_text(reply.header).strip()
    body = text[len(header):].strip() if header and text.startswith(header) else text
    embed: dict[str, Any] = {"color": DEFAULT_COLOUR}
    title = fit_markdown(" ".join(header.split()), limits.title)
    if title:
        embed["title"] = title
    description = fit_markdown(body, min(limits.description, limits.total - len(title)))
    if description:
        embed["description"] = description
    return embed


def fit(reply: Reply, limits: Limits = LIMITS, lang: Lang = "en") -> Reply:
    """Return `reply` with an article part cut to `limits.read_messages` messages, its buttons
    then leading to the rest (render and buttons must both come from the fitted reply)."""
    summary = reply.summary
    if summary is None or not reply.blocks:
        return reply
    return cap_article(
        reply, lambda blocks: len(render_article(summary, blocks, limits, lang=lang)), limits.read_messages
    )


def _card(reply: Reply, limits: Limits, lang: Lang) -> list[Request]:
    """Return a card; a header that is not the title goes above it as the message content."""
    assert reply.summary is not None
    [request] = render_summary(reply.summary, limits, lang=lang)
    line = fit_markdown(" ".join(clean_text(reply.header).split()), limits.content)
    if not line or line == fit_markdown(" ".join(reply.summary.title.split()), limits.content):
        return [request]
    return [Request(request.method, {**request.params, "content": line})]


def render_reply(reply: Reply, limits: Limits = LIMITS, *, lang: Lang = "en") -> list[Request]:
    """Return the messages that show `reply`: articles natively, lists as an embed, else text."""
    match reply.shape:
        case "article":
            reply = fit(reply, limits, lang)
            assert reply.summary is not None
            return render_article(reply.summary, reply.blocks, limits, lang=lang)[: limits.read_messages]
        case "card":
            return _card(reply, limits, lang)
        case "list":
            return [Request(CREATE_MESSAGE, {"embeds": [_list_embed(reply, limits)], "allowed_mentions": NO_MENTIONS})]
        case "text":
            return render_text(reply.text, limits)
