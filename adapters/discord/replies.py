"""Render a command `Reply` as Discord message payloads: whole articles as embeds, cards as one
embed, lists as one embed under their header, everything else as escaped text.

Pure (no discord.py): the interaction code turns these payloads into discord.py objects and
adds the reply's buttons under the last message.
"""

from __future__ import annotations

from typing import Any

from adapters.card import clean_text
from adapters.discord.limits import LIMITS, Limits
from adapters.discord.markdown import fit_markdown
from adapters.discord.render import CREATE_MESSAGE, DEFAULT_COLOUR, NO_MENTIONS, render_article, render_summary, render_text
from bot.commands import Reply
from bot.platform import Request


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


def render_reply(reply: Reply, limits: Limits = LIMITS) -> list[Request]:
    """Return the messages that show `reply`: articles natively, lists as an embed, else text."""
    if reply.summary is not None and reply.blocks:
        return render_article(reply.summary, reply.blocks, limits)
    if reply.summary is not None and not reply.items:
        return render_summary(reply.summary, limits)
    if reply.items:
        return [Request(CREATE_MESSAGE, {"embeds": [_list_embed(reply, limits)], "allowed_mentions": NO_MENTIONS})]
    return render_text(reply.text, limits)
