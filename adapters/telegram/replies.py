"""Render command replies natively for Telegram: lists compact with paging buttons, whole
articles as several messages, everything else as plain text.

A list line links the title to the bot's deep link (`?start=read_<id>`) and shows `/read_<id>`,
which Telegram makes tappable; both lead to `/read <id>`.
"""

from __future__ import annotations

from datetime import tzinfo
from html import escape
from typing import Any

from adapters.telegram.limits import LIMITS, Limits
from adapters.telegram.render import NO_PREVIEW, render_article, render_summary, render_text
from bot.commands.types import Button, Reply
from bot.platform import Request
from bot.textfit import fit_text

_TITLE_ROOM = 100
"""UTF-16 units of a title in a list line: 20 lines of this always fit one message."""


def keyboard(buttons: tuple[Button, ...]) -> dict[str, Any] | None:
    """Return the inline keyboard for `buttons`: one row for two or fewer, else one per row."""
    keys = [
        {"text": b.label, "url": b.url} if b.url is not None else {"text": b.label, "callback_data": b.action}
        for b in buttons
    ]
    if not keys:
        return None
    rows = [keys] if len(keys) <= 2 else [[key] for key in keys]
    return {"inline_keyboard": rows}


def deep_link(bot_username: str, article_id: int) -> str:
    """Return the link that opens the bot and reads one article."""
    return f"https://t.me/{bot_username}?start=read_{article_id}"


def list_html(reply: Reply, *, bot_username: str, zone: tzinfo, limits: Limits = LIMITS) -> str | None:
    """Return a list reply as one message's HTML, or None when it would not fit one message."""
    lines = [f"<b>{escape(reply.header, quote=False)}</b>"] if reply.header else []
    visible = limits.measure(reply.header) if reply.header else 0
    for item in reply.items:
        title = fit_text(item.title, _TITLE_ROOM, limits.measure)
        day = item.date.astimezone(zone).strftime("%Y-%m-%d")
        link = escape(deep_link(bot_username, item.article_id), quote=True)
        lines.append(f'{day} · <a href="{link}">{escape(title, quote=False)}</a> · /read_{item.article_id}')
        visible += 1 + limits.measure(f"{day} · {title} · /read_{item.article_id}")
    # The plain text carries the hint and notes after the header and the item lines.
    for extra in reply.text.split("\n")[1 + len(reply.items) :]:
        if extra.strip():
            lines.append(escape(extra, quote=False))
            visible += 1 + limits.measure(extra)
    if visible > limits.text or 2 * len(reply.items) + 1 > limits.entities:
        return None
    return "\n".join(lines)


def render_reply(reply: Reply, *, bot_username: str, zone: tzinfo) -> list[Request]:
    """Return the messages that answer a command."""
    markup = keyboard(reply.buttons)
    if reply.summary is not None and reply.blocks:
        return render_article(reply.summary, reply.blocks)
    if reply.summary is not None and not reply.items:
        return _with_markup(render_summary(reply.summary), markup)
    if reply.items:
        body = list_html(reply, bot_username=bot_username, zone=zone)
        if body is not None:
            params: dict[str, Any] = {"text": body, "parse_mode": "HTML", "link_preview_options": NO_PREVIEW}
            if markup:
                params["reply_markup"] = markup
            return [Request("sendMessage", params)]
    return _with_markup(render_text(reply.text), markup)


def _with_markup(requests: list[Request], markup: dict[str, Any] | None) -> list[Request]:
    """Put the buttons under the last message (a card's photo or text, or a text reply)."""
    if requests and markup:
        last = requests[-1]
        requests[-1] = Request(last.method, {**last.params, "reply_markup": markup})
    return requests


def edit_list(reply: Reply, message_id: int, *, bot_username: str, zone: tzinfo) -> Request | None:
    """Return the edit that turns a list message into another page of it (None if it cannot)."""
    body = list_html(reply, bot_username=bot_username, zone=zone)
    if body is None:
        return None
    params: dict[str, Any] = {
        "message_id": message_id, "text": body, "parse_mode": "HTML", "link_preview_options": NO_PREVIEW,
    }
    markup = keyboard(reply.buttons)
    if markup:
        params["reply_markup"] = markup
    return Request("editMessageText", params)
