"""The Discord transport of the delivery engine: post rendered payloads to a channel through
discord.py's HTTP client, with a nonce so a retried send never duplicates, images attached for
hosts that block hotlinking, and discord.py's errors mapped to the core's outcomes. Targets in
`HERALD_DISCORD_WEBHOOKS` are posted to through Herald's channel webhook (`adapters.discord.webhooks`)
under the site's name and avatar, and the bot's own sends where a channel refuses webhooks.
Edits follow the post (`edit`): the message is changed in place, and a forum post whose title
changed is renamed.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import io
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord

from adapters.discord.digest import render_digest
from adapters.discord.edits import Changeable, Reopen, delete_message, edit_message
from adapters.discord.forums import (
    NOT_TEXT,
    CardRequest,
    Forum,
    Forums,
    categories_of,
    earlier_post,
    fingerprint,
    thread_name,
)
from adapters.discord.images import EmbedImages
from adapters.discord.render import (
    SUPPRESS_EMBEDS,
    SUPPRESS_NOTIFICATIONS,
    render_plain_summary,
    render_summary,
)
from adapters.discord.template_fit import discord_templates
from adapters.discord.threads import ARCHIVED, rename, unarchive
from adapters.discord.webhooks import (
    Hook,
    WebhookMessage,
    Webhooks,
    Where,
    message_ref,
    parse_ref,
    recent_posts,
    unknown_webhook,
)
from bot.cardstyle import DEFAULT_STYLE, CardStyle
from bot.commands.i18n import Lang
from bot.delivery.errors import BadFormat, DeliveryError, Gone, RateLimited, Stale, Transient
from bot.delivery.ratelimit import Rate, RateLimits
from bot.digests import Digest
from bot.request import Request
from bot.summary.model import Summary
from bot.templating import CardTemplates, TemplateSource

log = logging.getLogger("herald.discord.outlet")

NONCE_LENGTH = 25
"""Discord accepts nonces of at most 25 characters."""
GONE_CODES = frozenset({10003, 10015, 50001, 50013})
"""Unknown Channel, Unknown Webhook, Missing Access, Missing Permissions: stop sending there."""
MISSING_PERMISSIONS = 50013
RENAME_WAIT = 10.0
"""Seconds renaming a forum post may take. Discord lets a thread be renamed about twice in ten
minutes and answers more with a 429 of minutes, which discord.py would sleep through while the
worker waits: past this the rename is given up (the message edit stands)."""

LIMITS = RateLimits(
    overall=Rate(50, 1.0, burst=10),  # 50 requests/second per bot (discord.py handles any 429)
    per_channel=Rate(5, 5.0, burst=5),  # Discord's usual bucket for messages in one channel
    classes=(),
    defer_after=2.0,
)

ClientGetter = Callable[[], Awaitable[discord.Client]]


def nonce_of(channel_id: str, index: int, payload: dict[str, Any]) -> str:
    """Return the nonce of one message of a delivery: the same channel and payload, the same nonce."""
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(f"{channel_id}\n{index}\n{body}".encode()).hexdigest()
    return digest[:NONCE_LENGTH]


def delivery_error(exc: BaseException) -> DeliveryError:
    """Map a discord.py (or network) error to the delivery outcome it means."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, discord.RateLimited):
        return RateLimited(exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        reason = f"discord {exc.status}/{exc.code}: {(exc.text or '').splitlines()[0][:200] if exc.text else ''}"
        if exc.code in GONE_CODES or isinstance(exc, discord.NotFound):
            return Gone(reason)
        if isinstance(exc, discord.Forbidden):
            return Gone(reason)
        if exc.status >= 500 or exc.status == 429:
            return Transient(reason)
        if exc.status == 400:
            return BadFormat(reason)
        return Transient(reason)
    if isinstance(exc, (aiohttp.ClientError, asyncio.TimeoutError, OSError, discord.ConnectionClosed)):
        return Transient(f"network: {type(exc).__name__}")
    return Transient(f"unexpected {type(exc).__name__}")


def message_kwargs(payload: dict[str, Any]) -> dict[str, Any]:
    """Turn a create_message payload into discord.py `send` keywords."""
    kwargs: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
    if payload.get("content"):
        kwargs["content"] = payload["content"]
    embeds = payload.get("embeds") or []
    if embeds:
        kwargs["embeds"] = [discord.Embed.from_dict(embed) for embed in embeds]
    flags = int(payload.get("flags") or 0)
    if flags & SUPPRESS_NOTIFICATIONS:
        kwargs["silent"] = True
    if flags & SUPPRESS_EMBEDS:
        kwargs["suppress_embeds"] = True
    return kwargs


class DiscordOutlet:
    """Send rendered requests to Discord channels for the delivery engine."""

    name = "discord"

    def __init__(self, client: ClientGetter, images: EmbedImages, webhooks: Webhooks | None = None) -> None:
        self._client = client
        self._images = images
        self._forums = Forums()
        self._webhooks = webhooks or Webhooks()
        self._unrenamed: set[int] = set()
        """Forum posts whose rename was refused (logged once each)."""

    _layouts: CardTemplates | None = None
    """The operator's card templates (`HERALD_TEMPLATES`), once `use_templates` set them."""

    def render(
        self, summary: Summary, *, plain: bool, lang: Lang = "en", style: CardStyle = DEFAULT_STYLE
    ) -> list[Request]:
        """Render a card as one embed, or as plain text when the embed was refused, both in the
        subscription's `style`. Each request also carries the title and categories a forum
        post is named and tagged with (`CardRequest`). The platform's template, when there is
        one, writes the embed's description."""
        return self.render_in("", summary, plain=plain, lang=lang, style=style)

    def use_templates(self, sources: Sequence[TemplateSource]) -> None:
        """Compile and keep the Discord templates among `sources`."""
        self._layouts = discord_templates(sources)

    def layout(self, channel_id: str) -> str:
        """Return the template file `channel_id`'s cards use ("" for the default card)."""
        return self._layouts.layout(channel_id) if self._layouts else ""

    def render_in(
        self, channel_id: str, summary: Summary, *, plain: bool, lang: Lang = "en", style: CardStyle = DEFAULT_STYLE
    ) -> list[Request]:
        """Render a card for one channel: with its own template, else the platform's, else the default."""
        template = self._layouts.layout_for(channel_id) if self._layouts else None
        requests = (
            render_summary(summary, lang=lang, style=style, template=template)
            if not plain
            else render_plain_summary(summary, style=style)
        )
        categories = tuple(summary.categories)
        return [CardRequest(r.method, r.params, summary.title, categories) for r in requests]

    def render_digest(
        self, digest: Digest, *, plain: bool, lang: Lang = "en", style: CardStyle = DEFAULT_STYLE
    ) -> list[Request]:
        """Render a digest as one message."""
        return render_digest(digest, lang=lang, plain=plain, style=style)

    def channel_class(self, channel_id: str) -> str:
        """Every Discord channel shares one per-channel rate."""
        return "channel"

    async def send(self, channel_id: str, requests: list[Request]) -> str:
        """Post each request to the channel (a text channel or a thread); in a forum channel start
        a post with the first and put the others in it. Return the first message's id (in a
        forum: the post's first message, whose id is the post's thread id)."""
        try:
            client = await self._client()
            target = int(channel_id)
            channel = client.get_partial_messageable(target)
        except DeliveryError:
            raise
        except ValueError:
            raise Gone(f"not a Discord channel id: {channel_id[:40]}") from None
        forum = self._forums.known(client, target)
        if forum is not None:
            return await self._post_in_forum(client, forum, requests)
        if self._webhooks.wanted(channel_id):
            through_webhook = await self._send_by_webhook(client, target, requests)
            if through_webhook is not None:
                return through_webhook
        first = ""
        for index, request in enumerate(requests):
            try:
                message_id = await self._send_one(client, channel, channel_id, index, request.params)
            except _NotText as exc:
                forum = await self._learn_forum(client, target, exc)
                return await self._post_in_forum(client, forum, requests)
            first = first or message_id
        return first

    async def _send_one(
        self, client: discord.Client, channel: discord.PartialMessageable, channel_id: str, index: int,
        payload: dict[str, Any],
    ) -> str:
        nonce = nonce_of(channel_id, index, payload)
        attached, files, linked = await self._attach(payload)
        unarchived = False
        while True:
            try:
                try:
                    message = await channel.send(**message_kwargs(attached), files=files or [], nonce=nonce)
                except discord.Forbidden as exc:
                    if not files or exc.code != MISSING_PERMISSIONS:
                        raise
                    # No Attach Files here: the hotlinked image is better than nothing.
                    log.info("channel %s refuses attachments; sending the image as a link", channel_id)
                    message = await channel.send(**message_kwargs(linked), nonce=nonce)
            except asyncio.CancelledError:
                raise
            except discord.HTTPException as exc:
                if exc.code == NOT_TEXT and index == 0:
                    raise _NotText(exc) from None
                if exc.code == ARCHIVED and not unarchived:
                    await self._unarchive(client, channel_id)
                    unarchived, files = True, _rewound(files)
                    continue
                if exc.code == ARCHIVED:  # archived again at once (a moderator, an auto-archive race)
                    raise Transient(f"discord {exc.status}/{exc.code}: the thread is archived") from None
                raise delivery_error(exc) from None
            except Exception as exc:  # noqa: BLE001 - every failure becomes a delivery outcome
                raise delivery_error(exc) from None
            return str(message.id)

    async def _send_by_webhook(self, client: discord.Client, target: int, requests: list[Request]) -> str | None:
        """Post the requests through Herald's webhook of the target's channel (in a thread: its
        parent's, with `thread_id`); return the first message's id (`webhook:<hook>:<message>`),
        or None when the target cannot take webhook posts (a forum, a channel that refuses
        webhooks): the bot sends then. A message the webhook already posted for the same card
        in the last 15 minutes (a resend after a crash: webhooks take no nonce) is not posted
        again. An Unknown Webhook (deleted by someone) is found or created again, once."""
        webhooks = self._webhooks
        try:
            where = await webhooks.where(client, target)
            hook = await webhooks.hook(client, where.channel_id) if where is not None else None
            if where is None or hook is None:
                return None
            posted = await recent_posts(client, target, hook)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure becomes a delivery outcome
            raise delivery_error(exc) from None
        first, renewed = "", False
        for request in requests:
            message_id = _take_posted(posted, request.params)
            while message_id is None:
                try:
                    message_id = await self._execute(client, hook, where, request.params)
                except _UnknownWebhook:
                    if renewed:
                        raise Transient("discord: the channel's webhook was deleted again at once") from None
                    log.info("discord channel %s: webhook %s was deleted; finding or creating it again",
                             where.channel_id, hook.id)
                    webhooks.forget(hook)
                    renewed = True
                    try:
                        renewal = await webhooks.hook(client, where.channel_id)
                    except asyncio.CancelledError:
                        raise
                    except Exception as exc:  # noqa: BLE001 - every failure becomes a delivery outcome
                        raise delivery_error(exc) from None
                    if renewal is None:  # refused now: the bot sends (what was posted is looked back for)
                        if first:
                            raise Transient("discord: the channel refused a new webhook") from None
                        return None
                    hook = renewal
            first = first or message_ref(hook.id, message_id)
        return first

    async def _execute(self, client: discord.Client, hook: Hook, where: Where, payload: dict[str, Any]) -> int:
        """Execute the webhook with `wait=true` (so the message comes back), under the site's
        name and avatar; an archived thread is unarchived once."""
        attached, files, _ = await self._attach(payload)
        webhook = hook.bound(client)
        unarchived = False
        missing: Any = discord.utils.MISSING
        while True:
            try:
                message = await webhook.send(
                    wait=True, username=self._webhooks.username or missing,
                    avatar_url=self._webhooks.avatar_url or missing, thread=where.thread or missing,
                    files=files or missing, **message_kwargs(attached),
                )  # fmt: skip
            except asyncio.CancelledError:
                raise
            except discord.HTTPException as exc:
                if unknown_webhook(exc):
                    raise _UnknownWebhook() from None
                if exc.code == ARCHIVED and not unarchived and where.thread_id:
                    await self._unarchive(client, str(where.thread_id))
                    unarchived, files = True, _rewound(files)
                    continue
                raise delivery_error(exc) from None
            except Exception as exc:  # noqa: BLE001 - every failure becomes a delivery outcome
                raise delivery_error(exc) from None
            if message is None:  # only without wait=true
                raise Transient("discord: the webhook returned no message")
            return message.id

    async def _unarchive(self, client: discord.Client, channel_id: str) -> None:
        """Unarchive a thread before sending again; a refusal stops the target (admins are told)."""
        log.info("thread %s is archived; unarchiving it", channel_id)
        try:
            await unarchive(client, int(channel_id))
        except asyncio.CancelledError:
            raise
        except discord.Forbidden as exc:
            raise Gone(f"discord {exc.status}/{exc.code}: the thread is archived and I may not unarchive it") from None
        except Exception as exc:  # noqa: BLE001 - every failure becomes a delivery outcome
            raise delivery_error(exc) from None

    async def _learn_forum(self, client: discord.Client, target: int, refused: _NotText) -> Forum:
        """Ask what a channel that refused a message is: a forum, or a channel nothing can be
        posted in (a voice or category channel: the target stops)."""
        try:
            forum = await self._forums.read(client, target)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure becomes a delivery outcome
            raise delivery_error(exc) from None
        if forum is None:
            raise Gone(delivery_error(refused.error).reason)
        log.info("channel %s is a forum: each card becomes a post", target)
        return forum

    async def _post_in_forum(self, client: discord.Client, forum: Forum, requests: list[Request]) -> str:
        """Start a forum post with the first request (named and tagged after the article), put
        the other requests in it, and return the post's id; a post already made for this card
        (a resend after a crash) is not made again."""
        if not requests:
            return ""
        head = requests[0]
        name = thread_name(head)
        try:
            if self._forums.stale(forum.id):
                forum = await self._forums.read(client, forum.id) or forum
            post_id = await earlier_post(client, forum, name, head.params)
            if post_id is None:
                post_id = await self._start_post(client, forum, name, forum.tags_for(categories_of(head)), head.params)
            else:
                log.info("forum %s already has post %s for %r: not posted again", forum.id, post_id, name)
        except asyncio.CancelledError:
            raise
        except DeliveryError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure becomes a delivery outcome
            raise delivery_error(exc) from None
        thread = client.get_partial_messageable(post_id)
        for index, request in enumerate(requests[1:], start=1):
            await self._send_one(client, thread, str(post_id), index, request.params)
        return str(post_id)

    async def _start_post(
        self, client: discord.Client, forum: Forum, name: str, tags: list[int], payload: dict[str, Any]
    ) -> int:
        """Create the forum post; without Attach Files the image is linked, without Manage
        Threads moderated tags are left off."""
        attached, files, linked = await self._attach(payload)
        try:
            return await _create_post(client, forum.id, name, tags, attached, files)
        except discord.Forbidden as exc:
            if exc.code != MISSING_PERMISSIONS or not (files or forum.has_moderated(tags)):
                raise
            if files:
                log.info("forum %s refuses attachments; posting the image as a link", forum.id)
                attached, files = linked, []
            if forum.has_moderated(tags):
                tags = forum.tags_for(tuple(tag.name for tag in forum.tags if tag.id in tags), moderated=False)
            return await _create_post(client, forum.id, name, tags, attached, files)

    async def _attach(
        self, payload: dict[str, Any]
    ) -> tuple[dict[str, Any], list[discord.File], dict[str, Any]]:
        """Attach the embed images Discord cannot hotlink; return the payload, its files, and the
        payload to send where attaching is not allowed.

        Images are attached for configured hosts and for hosts a probe finds blocking. A blocked
        image that cannot be downloaded either is dropped rather than shown broken; an image of a
        configured host stays a link then. No image ever fails the delivery.
        """
        embeds = payload.get("embeds") or []
        if not any((e.get("image") or {}).get("url") for e in embeds):
            return payload, [], payload
        attached, linked = copy.deepcopy(payload), copy.deepcopy(payload)
        files: dict[str, bytes] = {}
        for embed, fallback in zip(attached["embeds"], linked["embeds"], strict=True):
            url = (embed.get("image") or {}).get("url", "")
            if not url:
                continue
            forced = self._images.wants(url)
            if not forced and not await self._images.blocked(url):
                continue
            if not forced:
                fallback.pop("image")  # Discord would show it empty
            download = await self._images.fetch(url, embed.get("url"))
            if download is None:
                if not forced:
                    embed.pop("image")
                continue
            files.setdefault(download.filename, download.data)
            embed["image"] = {**embed["image"], "url": f"attachment://{download.filename}"}
        attached, linked = _without_empty_embeds(attached, payload), _without_empty_embeds(linked, payload)
        attached_files = [discord.File(io.BytesIO(data), filename=name) for name, data in files.items()]
        return attached, attached_files, linked

    async def edit(self, channel_id: str, message_id: str, requests: list[Request], *, media: bool = False) -> None:
        """Make a card already posted show the new render (`adapters.discord.edits`): the first
        request edits the message (in a forum, the post's first message, in the post's thread;
        in an archived thread, after unarchiving it). A forum post whose name is not the new
        title any more is renamed too (`_rename`). `Stale` when Discord will not change the
        message any more."""
        if not requests:
            return
        head = requests[0]
        post = await self._change(
            channel_id, message_id,
            lambda message, reopen: edit_message(
                message, head.params, attach=self._attach, to_outcome=delivery_error, reopen=reopen),
        )  # fmt: skip
        if post is not None:
            await self._rename(post, thread_name(head))

    async def delete(self, channel_id: str, message_id: str) -> None:
        """Delete a card already posted; `Stale` when it is gone already. A forum post keeps its name."""
        await self._change(
            channel_id, message_id, lambda message, reopen: delete_message(message, to_outcome=delivery_error, reopen=reopen)
        )

    async def _change(
        self, channel_id: str, message_id: str, act: Callable[[Changeable, Reopen | None], Awaitable[None]]
    ) -> _Post | None:
        """Run `act` on the message: in its channel, or (a forum's post) in the thread the post
        is, whose id is its first message's; a forum not known yet is asked about once the
        message is not found in the channel itself. A message a webhook posted is changed
        through that webhook. `act` is given how to unarchive the thread the message is in.
        Return the forum post when the message is a post's first message, else None."""
        ref = parse_ref(message_id)
        if ref is not None:
            await self._change_by_webhook(channel_id, *ref, act)
            return None
        try:
            client = await self._client()
            target, number = int(channel_id), int(message_id)
        except DeliveryError:
            raise
        except ValueError:
            raise Stale(f"not a Discord message: {channel_id[:40]}/{message_id[:40]}") from None
        forum = self._forums.known(client, target)
        where = number if forum is not None else target
        reopen = _Reopen(client, where)
        try:
            await act(client.get_partial_messageable(where).get_partial_message(number), reopen)
        except Stale:
            if forum is not None or number == target or reopen.used:  # found, or in a thread: not a forum's
                raise
            try:
                forum = await self._forums.read(client, target)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - cannot tell: the message stays out of reach
                forum = None
            if forum is None:
                raise
            reopen = _Reopen(client, number)
            await act(client.get_partial_messageable(number).get_partial_message(number), reopen)
        return _Post(client, number, reopen.name) if forum is not None else None

    async def _rename(self, post: _Post, name: str) -> None:
        """Give the forum post the new title as its name, when that is not its name already: as
        Discord answered the unarchiving, else as discord.py's cache has the thread (kept by
        the gateway's thread events), else unknown (then renamed without asking: one request).
        A refusal (locked, no Manage Threads, archived again, rate limited past `RENAME_WAIT`)
        leaves the old name: logged once per post, and the edit stands."""
        known = post.name
        if known is None:
            cached = post.client.get_channel(post.id)
            known = cached.name if isinstance(cached, discord.Thread) else None
        if known == name:
            return
        try:
            async with asyncio.timeout(RENAME_WAIT):
                await rename(post.client, post.id, name)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the message edit stands whatever happens here
            if post.id not in self._unrenamed:
                if len(self._unrenamed) >= _UNRENAMED_KEPT:
                    self._unrenamed.clear()
                self._unrenamed.add(post.id)
                detail = f"{exc.status}/{exc.code}" if isinstance(exc, discord.HTTPException) else type(exc).__name__
                log.warning("forum post %s keeps its old name: Discord refused renaming it (%s)", post.id, detail)
            return
        self._unrenamed.discard(post.id)
        log.info("forum post %s renamed after the article's new title", post.id)

    async def _change_by_webhook(
        self, channel_id: str, webhook_id: int, number: int, act: Callable[[Changeable, Reopen | None], Awaitable[None]]
    ) -> None:
        """Run `act` on a message the webhook `webhook_id` posted (`PATCH`/`DELETE
        /webhooks/{id}/{token}/messages/{id}`, in a thread with `thread_id`, which the bot
        unarchives when it must); `Stale` when the webhook is gone (its messages cannot be
        changed by anyone then)."""
        client = await self._client()
        try:
            target = int(channel_id)
            hook = await self._webhooks.by_id(client, webhook_id)
        except ValueError:
            raise Stale(f"not a Discord channel: {channel_id[:40]}") from None
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure becomes a delivery outcome
            raise delivery_error(exc) from None
        if hook is None:
            raise Stale(f"discord: webhook {webhook_id} that posted the message is gone")
        thread = discord.Object(target) if target != hook.channel_id else None
        message = WebhookMessage(hook.bound(client), number, thread, gone=lambda: self._webhooks.forget(hook))
        await act(message, _Reopen(client, target) if thread is not None else None)


class _Reopen:
    """Unarchive the thread a message to change is in, when Discord says it is archived; keeps
    the thread's name from Discord's answer (what a forum post's rename compares with)."""

    def __init__(self, client: discord.Client, thread_id: int) -> None:
        self._client, self._thread_id = client, thread_id
        self.name: str | None = None
        self.used = False
        """Whether Discord said the thread is archived (so the message is in a thread)."""

    async def __call__(self) -> None:
        self.used = True
        log.info("thread %s is archived; unarchiving it to change a card", self._thread_id)
        answer = await unarchive(self._client, self._thread_id)
        name = answer.get("name")
        self.name = name if isinstance(name, str) else None


@dataclass(frozen=True, slots=True)
class _Post:
    """A forum post whose first message was changed: its thread id, and its name when known."""

    client: discord.Client
    id: int
    name: str | None


_UNRENAMED_KEPT = 10_000
"""How many refused renames are remembered (to log each once) before the memory starts over."""


class _UnknownWebhook(Exception):
    """Discord no longer knows the webhook (10015): someone deleted it."""


def _take_posted(posted: list[dict[str, Any]], payload: dict[str, Any]) -> int | None:
    """Return (and take out of `posted`) the id of a message already posted showing this card."""
    wanted = fingerprint(payload)
    for index, message in enumerate(posted):
        if fingerprint(message) == wanted:
            del posted[index]
            log.info("discord: message %s already shows this card (a resend): not posted again", message["id"])
            return int(message["id"])
    return None


class _NotText(Exception):
    """The channel takes no messages (a forum, or a voice or category channel)."""

    def __init__(self, error: discord.HTTPException) -> None:
        super().__init__(error.text)
        self.error = error


def _rewound(files: list[discord.File]) -> list[discord.File]:
    """Return the files ready to be read again for a second attempt."""
    for file in files:
        file.reset()
    return files


async def _create_post(
    client: discord.Client, forum_id: int, name: str, tags: list[int], payload: dict[str, Any], files: list[discord.File]
) -> int:
    """Start a forum post (`POST /channels/{forum}/threads`) whose first message is `payload`;
    return its id (the thread's, which its first message shares)."""
    kwargs = message_kwargs(payload)
    flags = discord.MessageFlags._from_value(0)
    flags.suppress_notifications = bool(kwargs.pop("silent", False))
    flags.suppress_embeds = bool(kwargs.pop("suppress_embeds", False))
    params = discord.http.handle_message_parameters(
        content=kwargs.pop("content", discord.utils.MISSING),
        embeds=kwargs.pop("embeds", discord.utils.MISSING),
        files=files or discord.utils.MISSING,
        allowed_mentions=kwargs.pop("allowed_mentions"),
        flags=flags if flags.value else discord.utils.MISSING,
        channel_payload={"name": name, "applied_tags": [str(tag) for tag in tags]},
    )
    with params:
        data = await client.http.start_thread_in_forum(forum_id, params=params)
    return int(data["id"])


_VISIBLE = ("title", "description", "fields", "image", "thumbnail", "author", "footer")


def _without_empty_embeds(changed: dict[str, Any], original: dict[str, Any]) -> dict[str, Any]:
    """Drop embeds left with nothing to show (an image-only embed whose image was dropped)."""
    embeds = [e for e in changed.get("embeds") or [] if any(e.get(key) for key in _VISIBLE)]
    if not embeds and not changed.get("content"):
        return original  # a broken image is better than an empty message Discord refuses
    return {**changed, "embeds": embeds}
