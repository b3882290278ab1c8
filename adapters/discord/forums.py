"""Forum channels as targets: each card becomes a new forum post (`POST /channels/{forum}/threads`)
named after the article, its first message the card, tagged with the forum's tags that name one
of the article's categories.

A forum is recognised when Discord refuses a message there (400 / 50008) or the client's cache
says so, then remembered (its tags re-read every `TAGS_FOR` seconds), so ordinary channels cost
no extra request.

Discord takes no nonce for a forum post, so a resend after a crash (the post made, its id never
written to the outbox) is recognised instead: before posting, the forum's active threads are
read, and a thread the bot started in the last `RESEND_WINDOW` seconds with the same name whose
first message shows the same card (title and link, or text) *is* that post; its id is returned
and nothing is posted again. Two different articles with the same title differ by their link.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.card import clean_line
from bot.commands.i18n import message
from bot.filters import fold
from bot.request import Request
from bot.textfit import fit_text

THREAD_NAME = 100
"""A thread's name: 1–100 characters."""
APPLIED_TAGS = 5
"""A forum post carries at most 5 tags."""
FORUM_TYPES = frozenset({15, 16})
"""GUILD_FORUM and GUILD_MEDIA: channels whose messages live in posts (threads)."""
NOT_TEXT = 50008
""""Cannot send messages in a non-text channel": what a message to a forum itself answers."""
TAGS_FOR = 600.0
"""Seconds a forum's tag list is trusted before it is read again (admins add tags)."""
RESEND_WINDOW = 900.0
"""Seconds during which a post of the bot's with the same name and card counts as this one."""


@dataclass(frozen=True, slots=True)
class CardRequest(Request):
    """A card's create_message request that also knows what a forum post needs: the article's
    title (the post's name) and categories (its tags). Sent like any request elsewhere."""

    title: str = ""
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Tag:
    """One of a forum's available tags."""

    id: int
    name: str
    moderated: bool = False


@dataclass(frozen=True, slots=True)
class Forum:
    """A forum channel as a target: its guild and its available tags."""

    id: int
    guild_id: int
    tags: tuple[Tag, ...] = ()
    read_at: float = field(default=0.0, compare=False)

    def tags_for(self, categories: tuple[str, ...], *, moderated: bool = True) -> list[int]:
        """Return the ids of the tags named like one of `categories` (compared folded: case,
        width and spacing do not matter), in category order, at most `APPLIED_TAGS`;
        moderated tags only when `moderated`."""
        by_name: dict[str, Tag] = {}
        for tag in self.tags:
            by_name.setdefault(fold(tag.name), tag)
        chosen: list[int] = []
        for category in categories:
            found = by_name.get(fold(category))
            if found is None or found.id in chosen or (found.moderated and not moderated):
                continue
            chosen.append(found.id)
        return chosen[:APPLIED_TAGS]

    def has_moderated(self, tag_ids: list[int]) -> bool:
        """Whether any of these tags may only be applied with Manage Threads."""
        return any(tag.moderated and tag.id in tag_ids for tag in self.tags)


def forum_of(data: dict[str, Any], now: float) -> Forum | None:
    """Return the forum a channel object describes, or None when it is not a forum."""
    if int(data.get("type", 0)) not in FORUM_TYPES:
        return None
    tags = tuple(
        Tag(int(tag["id"]), str(tag.get("name") or ""), bool(tag.get("moderated")))
        for tag in data.get("available_tags") or []
    )
    return Forum(int(data["id"]), int(data.get("guild_id") or 0), tags, now)


def forum_from_cache(channel: object, now: float) -> Forum | None:
    """Return the forum a cached discord.py channel is, or None."""
    if not isinstance(channel, discord.ForumChannel):
        return None
    tags = tuple(Tag(tag.id, tag.name, tag.moderated) for tag in channel.available_tags)
    return Forum(channel.id, channel.guild.id, tags, now)


class Forums:
    """Which targets are forums, as far as this process has learnt."""

    def __init__(self) -> None:
        self._known: dict[int, Forum] = {}

    def known(self, client: discord.Client, channel_id: int) -> Forum | None:
        """Return the target as a forum when this process knows it is one (asked before, or in
        the client's cache); None when it is not known to be one."""
        now = time.monotonic()
        forum = self._known.get(channel_id)
        if forum is not None and now - forum.read_at < TAGS_FOR:
            return forum
        cached = forum_from_cache(client.get_channel(channel_id), now)
        if cached is not None:
            self._known[channel_id] = cached
            return cached
        return forum  # known to be a forum, its tags perhaps stale: `read` refreshes them

    async def read(self, client: discord.Client, channel_id: int) -> Forum | None:
        """Ask Discord what the channel is; remember and return it when it is a forum."""
        forum = forum_of(await client.http.get_channel(channel_id), time.monotonic())  # type: ignore[arg-type]
        if forum is None:
            self._known.pop(channel_id, None)
        else:
            self._known[channel_id] = forum
        return forum

    def stale(self, channel_id: int) -> bool:
        """Whether the forum's tags should be read again before posting."""
        forum = self._known.get(channel_id)
        return forum is None or time.monotonic() - forum.read_at >= TAGS_FOR


def thread_name(request: Request) -> str:
    """Return the forum post's name for a card: the article's title (or the embed's title, or the
    text's first line), on one line, at most `THREAD_NAME` characters."""
    title = request.title if isinstance(request, CardRequest) else ""
    if not title:
        embeds = request.params.get("embeds") or []
        title = str((embeds[0].get("title") if embeds else "") or "")
    if not clean_line(title):
        title = str(request.params.get("content") or "").strip().split("\n", 1)[0]
    return fit_text(clean_line(title), THREAD_NAME) or message("card.untitled", "en")


def categories_of(request: Request) -> tuple[str, ...]:
    """Return the article categories a card's request carries (none for other requests)."""
    return request.categories if isinstance(request, CardRequest) else ()


def fingerprint(payload: dict[str, Any]) -> tuple[str, str, str]:
    """Return what identifies a card among the bot's posts: its embed's title and link, or its text."""
    embeds = payload.get("embeds") or []
    first = embeds[0] if embeds else {}
    return str(first.get("title") or ""), str(first.get("url") or ""), str(payload.get("content") or "")[:200]


async def earlier_post(client: discord.Client, forum: Forum, name: str, payload: dict[str, Any]) -> int | None:
    """Return the id of a post the bot already made in `forum` for this card (a resend after a
    crash), or None. Reads the guild's active threads, and the first message of a candidate."""
    if client.user is None or not forum.guild_id:
        return None
    active = await client.http.get_active_threads(forum.guild_id)
    now = time.time()
    wanted = fingerprint(payload)
    for thread in active.get("threads") or []:
        thread_id = int(thread["id"])
        if (
            int(thread.get("parent_id") or 0) != forum.id
            or int(thread.get("owner_id") or 0) != client.user.id
            or thread.get("name") != name
            or now - discord.utils.snowflake_time(thread_id).timestamp() > RESEND_WINDOW
        ):
            continue
        try:
            first = await client.http.get_message(thread_id, thread_id)  # a post's first message has its id
        except discord.NotFound:
            continue
        if fingerprint(dict(first)) == wanted:
            return thread_id
    return None
