"""Render command replies natively for Telegram: lists compact with paging buttons, articles
as at most `Limits.read_messages` messages (then the link to the rest and a Continue button),
cards with the line above them (an approval request says it waits), everything else as plain
text; and the edits a button press makes (a list's next page, a settled approval card).

A list line links the title to the bot's deep link (`?start=read_<id>`) and shows `/read_<id>`,
which Telegram makes tappable; both lead to `/read <id>`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import tzinfo
from html import escape
from typing import Any

from adapters.card import cap_article, clean_text
from adapters.telegram.limits import LIMITS, Limits
from adapters.telegram.render import NO_PREVIEW, render_article, render_summary, render_text
from bot.commands.i18n import Lang
from bot.commands.types import Button, Reply
from bot.request import Request
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


def render_reply(
    reply: Reply, *, bot_username: str, zone: tzinfo, limits: Limits = LIMITS, lang: Lang = "en"
) -> list[Request]:
    """Return the messages that answer a command."""
    markup = keyboard(reply.buttons)
    match reply.shape:
        case "article":
            return _article(reply, limits, lang)
        case "card":
            return _with_markup(_card(reply, limits, lang), markup)
        case "list":
            body = list_html(reply, bot_username=bot_username, zone=zone)
            if body is not None:
                params: dict[str, Any] = {"text": body, "parse_mode": "HTML", "link_preview_options": NO_PREVIEW}
                if markup:
                    params["reply_markup"] = markup
                return [Request("sendMessage", params)]
    return _with_markup(render_text(reply.text), markup)  # text, or a list too long for one message


def _article(reply: Reply, limits: Limits, lang: Lang) -> list[Request]:
    """Return an article part in at most `limits.read_messages` messages, the reply's buttons
    (the site, and Continue when more is left) under the last one."""
    summary = reply.summary
    assert summary is not None
    reply = cap_article(reply, lambda blocks: len(render_article(summary, blocks, limits)), limits.read_messages)
    requests = render_article(summary, reply.blocks, limits)[: limits.read_messages]
    markup = keyboard(reply.buttons)
    last = requests[-1]
    params = {key: value for key, value in last.params.items() if key != "reply_markup"}
    if markup:
        params["reply_markup"] = markup
    requests[-1] = Request(last.method, params)
    return requests


def _card(reply: Reply, limits: Limits, lang: Lang) -> list[Request]:
    """Return a card; a header that is not the title (an approval request's "waiting" line)
    goes above it, in bold, within the same message."""
    summary = reply.summary
    assert summary is not None
    line = " ".join(clean_text(reply.header).split())
    if not line or line == " ".join(summary.title.split()):
        return render_summary(summary, limits, lang=lang)
    line = fit_text(line, limits.caption // 4, limits.measure)
    room = limits.measure(line) + 2
    [request] = render_summary(summary, replace(limits, caption=limits.caption - room, text=limits.text - room), lang=lang)
    key = "caption" if request.method == "sendPhoto" else "text"
    body = f"<b>{escape(line, quote=False)}</b>\n\n{request.params[key]}"
    return [Request(request.method, {**request.params, key: body})]


def settle(reply: Reply, message_id: int, *, photo: bool, limits: Limits = LIMITS) -> Request:
    """Return the edit that turns a pressed card (an approval request) into its decision, with no
    buttons left: the caption of a photo, else the text."""
    text = clean_text(reply.text).strip() or "…"
    if photo:
        shown = fit_text(text, limits.caption, limits.measure)
        return Request("editMessageCaption", {"message_id": message_id, "caption": escape(shown, quote=False),
                                               "parse_mode": "HTML"})
    shown = fit_text(text, limits.text, limits.measure)
    return Request("editMessageText", {"message_id": message_id, "text": escape(shown, quote=False),
                                       "parse_mode": "HTML", "link_preview_options": NO_PREVIEW})


def edit_reply(reply: Reply, message_id: int, *, bot_username: str, zone: tzinfo) -> Request | None:
    """Return the edit that shows a button's answer in place of the pressed message: a list's
    other page, or the categories again; None when it does not fit one text message."""
    match reply.shape:
        case "list":
            return edit_list(reply, message_id, bot_username=bot_username, zone=zone)
        case "text" if reply.buttons:
            requests = render_text(reply.text)
        case _:
            return None
    if len(requests) != 1:
        return None
    params: dict[str, Any] = {"message_id": message_id, **requests[0].params}
    markup = keyboard(reply.buttons)
    if markup:
        params["reply_markup"] = markup
    return Request("editMessageText", params)


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
