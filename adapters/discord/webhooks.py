"""Channel webhooks as a way to post cards (`HERALD_DISCORD_WEBHOOKS`): the card shows the site's
name (`HERALD_SITE_NAME`) and avatar (`HERALD_SITE_AVATAR`) instead of the bot's.

One webhook per channel, Herald's own (made by this application, named `WEBHOOK_NAME`): found
with `GET /channels/{id}/webhooks` or created with `POST /channels/{id}/webhooks` (Manage
Webhooks), then kept in memory only. A thread target is posted to through its parent channel's
webhook with `?thread_id=`. A forum channel itself keeps the bot's posts (`adapters.discord.forums`:
naming, tags and the crash look-back rely on the bot owning the post).

Executing is discord.py's `Webhook` machinery on the client's own HTTP session, so the
webhook's rate-limit bucket (`X-RateLimit-*`, a 429's `retry_after`) is kept per webhook.

A webhook's token is a secret like the bot's token: it is never stored (a delivery's message id
names the webhook by id only: `webhook:<webhook id>:<message id>`, see `message_ref`), never put in
an error, and discord.py's log lines that quote it (the execute URL; at debug level the webhook
objects Discord answers) have it replaced by `[REDACTED]` (`_TokenFilter`).

Webhooks take no nonce, so before posting, the target's latest `LOOK_BACK` messages are read
(`recent_posts`, needs Read Message History): a message this webhook posted in the last 15
minutes showing the same card (embed title and link, or text) is that card, posted before a
crash; it is not posted again.

A channel where the bot may not manage webhooks (or Discord refuses to create one) gets the
bot's own sends; that is logged once, and asked again after `REFUSED_FOR` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.discord.forums import RESEND_WINDOW

__all__ = [
    "REFUSED_FOR",
    "WEBHOOK_NAME",
    "Hook",
    "WebhookMessage",
    "Webhooks",
    "message_ref",
    "parse_ref",
]

log = logging.getLogger("herald.discord.webhooks")

WEBHOOK_NAME = "Herald"
"""The name Herald gives the webhooks it creates (what cards show when `HERALD_SITE_NAME` is unset)."""
REFUSED_FOR = 3600.0
"""Seconds a channel that refused webhooks gets the bot's sends before it is asked again."""
INCOMING = 1
"""Webhook type 1: an incoming webhook (one that has a token and can post)."""
WEBHOOK_CHANNEL_TYPES = frozenset({0, 5})
"""Text and announcement channels: the channels that have webhooks."""
THREAD_CHANNEL_TYPES = frozenset({10, 11, 12})
UNKNOWN_WEBHOOK = 10015
REF_PREFIX = "webhook:"
LOOK_BACK = 50
"""How many of a target's latest messages a send through a webhook looks through for its own."""


def message_ref(webhook_id: int, message_id: int) -> str:
    """Return the message id stored for a message a webhook posted: `webhook:<hook>:<message>`
    (≤ 50 characters, well within the column's 128; the token is never part of it)."""
    return f"{REF_PREFIX}{webhook_id}:{message_id}"


def parse_ref(stored: str) -> tuple[int, int] | None:
    """Return (webhook id, message id) of a stored webhook message id, or None for a bot message's."""
    if not stored.startswith(REF_PREFIX):
        return None
    hook, _, number = stored.removeprefix(REF_PREFIX).partition(":")
    if not (hook.isdecimal() and number.isdecimal()) or len(hook) > 20 or len(number) > 20:
        return None
    return int(hook), int(number)


def wanted_targets(entries: Iterable[str]) -> tuple[bool, frozenset[str]]:
    """Read `HERALD_DISCORD_WEBHOOKS`: (every Discord target, the channel ids listed)."""
    every, ids = False, set()
    for entry in entries:
        entry = entry.strip()
        if entry == "*":
            every = True
        elif entry.lower().startswith("discord:") and entry[8:].strip().isdecimal():
            ids.add(entry[8:].strip())
    return every, frozenset(ids)


@dataclass(frozen=True, slots=True)
class Hook:
    """One of Herald's channel webhooks: its id, channel, and token (kept out of `repr`)."""

    id: int
    channel_id: int
    token: str = field(repr=False)

    def bound(self, client: discord.Client) -> discord.Webhook:
        """Return discord.py's webhook on the client's HTTP session (and so its base URL)."""
        return discord.Webhook.partial(self.id, self.token, client=client)


@dataclass(frozen=True, slots=True)
class Where:
    """Where a target's webhook messages go: the channel owning the webhook, and the thread."""

    channel_id: int
    thread_id: int | None = None

    @property
    def thread(self) -> discord.Object | None:
        """The `thread=` discord.py takes (None outside threads)."""
        return discord.Object(self.thread_id) if self.thread_id else None


class WebhookMessage:
    """A message a webhook posted, with the `edit`/`delete` a `discord.PartialMessage` has, so
    `adapters.discord.edits` changes it through `PATCH`/`DELETE /webhooks/{id}/{token}/messages/{id}`.
    `gone` is called when Discord says the webhook no longer exists."""

    def __init__(
        self, webhook: discord.Webhook, message_id: int, thread: discord.Object | None,
        *, gone: Callable[[], None] = lambda: None,
    ) -> None:
        self._webhook, self._id, self._thread, self._gone = webhook, message_id, thread, gone

    async def edit(self, **kwargs: Any) -> None:
        """Edit the message (content, embeds, attachments, allowed_mentions)."""
        if self._thread is not None:
            kwargs["thread"] = self._thread
        try:
            await self._webhook.edit_message(self._id, **kwargs)
        except discord.HTTPException as exc:
            if unknown_webhook(exc):
                self._gone()
            raise

    async def delete(self) -> None:
        """Delete the message."""
        try:
            if self._thread is not None:
                await self._webhook.delete_message(self._id, thread=self._thread)
            else:
                await self._webhook.delete_message(self._id)
        except discord.HTTPException as exc:
            if unknown_webhook(exc):
                self._gone()
            raise


class Webhooks:
    """Which targets post through a webhook, and Herald's webhook of each channel (in memory)."""

    def __init__(self, targets: Iterable[str] = (), *, name: str | None = None, avatar: str | None = None) -> None:
        self._every, self._ids = wanted_targets(targets)
        self.username = (name or "").strip()[:80] or None
        """What cards are posted under (None: the webhook's own name)."""
        self.avatar_url = (avatar or "").strip() or None
        self._hooks: dict[int, Hook] = {}
        """Channel id → its webhook."""
        self._by_id: dict[int, Hook] = {}
        self._refused: dict[int, float] = {}
        """Channel id → when it refused webhooks (monotonic)."""
        self._warned: set[int] = set()
        self._where: dict[int, Where | None] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    def wanted(self, channel_id: str) -> bool:
        """Whether this target is to be posted to through a webhook."""
        return self._every or channel_id in self._ids

    async def where(self, client: discord.Client, target: int) -> Where | None:
        """Return the channel whose webhook posts to `target` (and the thread), or None when the
        target has no webhooks (a forum itself, a direct message, a voice channel). From the
        client's cache, else asked once (`GET /channels/{id}`)."""
        if target in self._where:
            return self._where[target]
        cached = client.get_channel(target)
        if cached is not None:
            kind = getattr(getattr(cached, "type", None), "value", -1)
            parent = getattr(cached, "parent_id", None)
        else:
            data = await client.http.get_channel(target)
            kind, parent = int(data.get("type", -1)), data.get("parent_id")
        if kind in WEBHOOK_CHANNEL_TYPES:
            where: Where | None = Where(target)
        elif kind in THREAD_CHANNEL_TYPES and parent:
            where = Where(int(parent), target)
        else:
            where = None
        self._where[target] = where
        return where

    async def hook(self, client: discord.Client, channel_id: int) -> Hook | None:
        """Return Herald's webhook in the channel, found or created; None when the channel
        refuses (no Manage Webhooks, too many webhooks): its targets get the bot's sends.
        Other failures (network, 5xx) raise discord.py's errors."""
        known = self._hooks.get(channel_id)
        if known is not None:
            return known
        refused = self._refused.get(channel_id)
        if refused is not None and time.monotonic() - refused < REFUSED_FOR:
            return None
        lock = self._locks.setdefault(channel_id, asyncio.Lock())
        async with lock:
            known = self._hooks.get(channel_id)
            if known is not None:
                return known
            try:
                hook = await self._find(client, channel_id) or await self._create(client, channel_id)
            except discord.HTTPException as exc:
                if exc.status >= 500 or exc.status == 429 or exc.code in (10003, UNKNOWN_WEBHOOK):
                    raise
                self._refuse(channel_id, exc)
                return None
            self._refused.pop(channel_id, None)
            self._hooks[channel_id] = self._by_id[hook.id] = hook
            return hook

    def _refuse(self, channel_id: int, exc: discord.HTTPException) -> None:
        self._refused[channel_id] = time.monotonic()
        if channel_id not in self._warned:
            self._warned.add(channel_id)
            log.warning(
                "discord channel %s: cannot use a webhook (%s/%s, Manage Webhooks needed); cards go out as the bot",
                channel_id, exc.status, exc.code,
            )  # fmt: skip

    async def _find(self, client: discord.Client, channel_id: int) -> Hook | None:
        """Herald's webhook among the channel's: made by this application, incoming, named ours first."""
        mine = [
            data for data in await client.http.channel_webhooks(channel_id)
            if int(data.get("type") or 0) == INCOMING and data.get("token")
            and str(data.get("application_id") or "") == str(client.application_id or "")
        ]  # fmt: skip
        mine.sort(key=lambda data: data.get("name") != WEBHOOK_NAME)
        return _hook(mine[0], channel_id) if mine else None

    async def _create(self, client: discord.Client, channel_id: int) -> Hook:
        data = await client.http.create_webhook(channel_id, name=WEBHOOK_NAME, reason="Herald posts cards here")
        hook = _hook(data, channel_id)
        log.info("discord channel %s: created webhook %s", channel_id, hook.id)
        return hook

    def forget(self, hook: Hook) -> None:
        """Drop a webhook Discord no longer knows (deleted by someone: 10015)."""
        if self._hooks.get(hook.channel_id) == hook:
            del self._hooks[hook.channel_id]
        self._by_id.pop(hook.id, None)

    async def by_id(self, client: discord.Client, webhook_id: int) -> Hook | None:
        """Return one of Herald's webhooks by id (for editing what it posted): from memory, else
        `GET /webhooks/{id}` (the bot owns it, so the token comes back); None when it is gone or
        has no token."""
        known = self._by_id.get(webhook_id)
        if known is not None:
            return known
        try:
            data = await client.http.get_webhook(webhook_id)
        except (discord.NotFound, discord.Forbidden):
            return None
        if not data.get("token") or not data.get("channel_id"):
            return None
        hook = _hook(data, int(data["channel_id"]))
        self._by_id[hook.id] = hook
        self._hooks.setdefault(hook.channel_id, hook)
        return hook


def _hook(data: object, channel_id: int) -> Hook:
    payload = dict(data)  # type: ignore[call-overload]
    token = str(payload["token"])
    _TOKENS.add(token)
    return Hook(int(payload["id"]), channel_id, token)


def unknown_webhook(exc: BaseException) -> bool:
    """Whether discord.py's error says the webhook is gone (10015 Unknown Webhook)."""
    return isinstance(exc, discord.HTTPException) and exc.code == UNKNOWN_WEBHOOK


async def recent_posts(client: discord.Client, target: int, hook: Hook) -> list[dict[str, Any]]:
    """Return what the webhook posted in `target` in the last `RESEND_WINDOW` seconds, among its
    latest `LOOK_BACK` messages: where a resend after a crash finds the message it already made
    (a webhook takes no nonce). Nothing when the history cannot be read."""
    try:
        messages = await client.http.logs_from(target, LOOK_BACK)
    except (discord.Forbidden, discord.NotFound):
        return []
    now = time.time()
    return [
        dict(message) for message in messages
        if str(message.get("webhook_id") or "") == str(hook.id)
        and now - discord.utils.snowflake_time(int(message["id"])).timestamp() <= RESEND_WINDOW
    ]  # fmt: skip


_TOKENS: set[str] = set()
"""Every webhook token this process has seen: what `_TokenFilter` takes out of discord.py's logs."""
_TOKEN_SHAPES = re.compile(
    r"(/webhooks/[0-9]+/)[A-Za-z0-9_.-]+"  # an execute or message URL
    r"|((['\"])token\3\s*:\s*)(['\"])[^'\"]*\4"  # a webhook object's token, JSON or repr
)
REDACTED = "[REDACTED]"
_LOGGERS = ("discord.webhook.async_", "discord.http")
"""discord.py's loggers that can quote a webhook token: the execute URL, and (at debug level)
the webhook objects Discord answers."""


def redact(text: str) -> str:
    """Return `text` with webhook tokens (known ones, and token-shaped URL parts and fields) replaced."""
    for token in _TOKENS:
        if token in text:
            text = text.replace(token, REDACTED)
    return _TOKEN_SHAPES.sub(lambda m: (m.group(1) or m.group(2)) + REDACTED, text)


class _TokenFilter(logging.Filter):
    """Replace webhook tokens in discord.py's log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        cleaned = redact(text)
        if cleaned != text:
            record.msg, record.args = cleaned, ()
        return True


def _install_filter() -> None:
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _TokenFilter) for f in logger.filters):
            logger.addFilter(_TokenFilter())


_install_filter()
