"""Answer Discord interactions with the core: slash commands, option autocomplete, and button
presses (paging, approvals, the next part of an article), each turned into an `Invocation` and
its `Reply` into interaction responses. An article part is cut to the platform's message cap
(`replies.fit`) before it is rendered, so its buttons lead to the rest.

Buttons carry the reply's action as their custom_id and are handled here by custom_id, not by a
stored `View`, so pages keep working after a restart. Work slower than `defer_after` seconds is
deferred first, inside Discord's 3-second window.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import discord
from discord import app_commands

from adapters.discord.commands import PUBLIC_OPTION, has_public_option, invocation_args, option_values
from adapters.discord.outlet import message_kwargs
from adapters.discord.replies import fit, render_reply
from bot.commands import CommandSpec, Invocation, Reply
from bot.commands.i18n import language_of
from bot.platform import Services
from bot.request import Request

log = logging.getLogger("herald.discord.interactions")

PLATFORM = "discord"
DEFER_AFTER = 1.5
"""Seconds to wait for the core before deferring (Discord allows 3 for the first answer)."""
_LABEL_MAX = 80
_CHOICE_MAX = 100

# What the bot needs in a channel before it subscribes there, and how to say what is missing.
_NEEDED = (
    ("view_channel", "View Channel", "查看频道"),
    ("send_messages", "Send Messages", "发送消息"),
    ("embed_links", "Embed Links", "嵌入链接"),
)
_ATTACH = ("attach_files", "Attach Files", "附加文件")
_MISSING = (
    "I can't post in this channel yet: I'm missing {names}. Ask a server admin to give me "
    "these permissions here, then run /subscribe again.",
    "我还不能在这个频道发消息：缺少{names}权限。请服务器管理员在此频道授予这些权限，然后再运行 /subscribe。",
)
_EMPTY = ("Done.", "完成。")
_FAILED = ("Sorry, something went wrong. Please try again later.", "抱歉，出错了，请稍后再试。")


def missing_permissions(granted: discord.Permissions, *, attach: bool, lang: str | None) -> list[str]:
    """Return the names of the permissions the bot lacks to post articles here."""
    zh = language_of(lang) == "zh"
    needed = _NEEDED + ((_ATTACH,) if attach else ())
    return [zh_name if zh else en for flag, en, zh_name in needed if not getattr(granted, flag)]


def _say(pair: tuple[str, str], lang: str | None, **values: str) -> str:
    text = pair[1] if language_of(lang) == "zh" else pair[0]
    return text.format(**values) if values else text


def reply_view(reply: Reply) -> discord.ui.View | None:
    """Return the reply's buttons as a view (custom_id = action), or None without buttons."""
    if not reply.buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in reply.buttons[:25]:
        label = button.label[:_LABEL_MAX] or "…"
        if button.url is not None:
            view.add_item(discord.ui.Button(label=label, url=button.url))
        else:
            view.add_item(discord.ui.Button(label=label, custom_id=button.action, style=discord.ButtonStyle.secondary))
    # Presses are routed by custom_id in `on_interaction`; a stopped view is not kept in memory.
    view.stop()
    return view


async def send_to(channel: discord.abc.Messageable, reply: Reply) -> discord.Message | None:
    """Post a reply as ordinary messages (not an interaction answer), its buttons under the last;
    return the last message."""
    reply = fit(reply)
    requests = render_reply(reply)
    view = reply_view(reply)
    last = None
    for index, request in enumerate(requests):
        kwargs = message_kwargs(request.params)
        if view is not None and index == len(requests) - 1:
            kwargs["view"] = view
        last = await channel.send(**kwargs)
    return last


def settled_kwargs(reply: Reply) -> dict[str, Any]:
    """Return the `edit` keywords that turn a card into `reply` (the decision), without buttons."""
    requests = render_reply(reply) or [Request("create_message", {"content": reply.text[:2000]})]
    kwargs = message_kwargs(requests[0].params)
    kwargs.setdefault("content", None)
    kwargs.setdefault("embeds", [])
    kwargs["view"] = None
    return kwargs


def invocation(interaction: discord.Interaction, command: str, args: tuple[str, ...] = ()) -> Invocation:
    """Describe who asked what where, in the core's words."""
    in_guild = interaction.guild_id is not None
    return Invocation(
        platform=PLATFORM,
        channel_id=str(interaction.channel_id),
        channel_kind="group" if in_guild else "private",
        user_id=str(interaction.user.id),
        command=command,
        args=args,
        text=" ".join(("/" + command, *args)).strip(),
        user_is_chat_admin=interaction.permissions.manage_channels if in_guild else True,
        lang=interaction.locale.value if interaction.locale else None,
    )


class InteractionHandler:
    """Route every interaction to the core and answer it."""

    def __init__(self, services: Services, *, attach_images: bool = False, defer_after: float = DEFER_AFTER) -> None:
        self._services = services
        self._attach = attach_images
        self._defer_after = defer_after

    def _spec(self, name: str) -> CommandSpec | None:
        return next((spec for spec in self._services.commands if spec.name == name), None)

    async def handle(self, interaction: discord.Interaction) -> None:
        """Answer one interaction; failures are logged, never raised into discord.py."""
        try:
            if interaction.type is discord.InteractionType.application_command:
                await self._command(interaction)
            elif interaction.type is discord.InteractionType.autocomplete:
                await self._autocomplete(interaction)
            elif interaction.type is discord.InteractionType.component:
                await self._component(interaction)
        except discord.HTTPException as exc:
            log.warning("could not answer an interaction: %s %s", exc.status, exc.code)

    # -- slash commands --------------------------------------------------------------------

    async def _command(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        spec = self._spec(str(data.get("name", "")))
        values, _ = option_values(data)
        lang = interaction.locale.value if interaction.locale else None
        if spec is None:
            inv = invocation(interaction, str(data.get("name", "")))
            return await self._answer(interaction, await self._services.handle(inv), ephemeral=True)
        if spec.name == "subscribe" and interaction.guild_id is not None:
            missing = missing_permissions(interaction.app_permissions, attach=self._attach, lang=lang)
            if missing:
                text = _say(_MISSING, lang, names=("、" if language_of(lang) == "zh" else ", ").join(missing))
                return await self._answer(interaction, Reply(text, ephemeral=True, error=True), ephemeral=True)
        private = has_public_option(spec) and not values.get(PUBLIC_OPTION)
        if spec.admin_only:
            private = True
        inv = invocation(interaction, spec.name, invocation_args(spec, values))
        reply, deferred = await self._run(interaction, self._services.handle(inv), ephemeral=private, lang=lang)
        await self._answer(interaction, reply, ephemeral=private or reply.ephemeral or reply.error, deferred=deferred)

    async def _run(
        self, interaction: discord.Interaction, work: Any, *, ephemeral: bool, lang: str | None
    ) -> tuple[Reply, bool | None]:
        """Await the core, deferring first if it takes longer than `defer_after`; return the reply
        and how the response was deferred (None: not deferred, else whether privately)."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self._defer_after)
        deferred: bool | None = None
        if not done:
            if interaction.type is discord.InteractionType.component:
                await interaction.response.defer()
            else:
                await interaction.response.defer(ephemeral=ephemeral, thinking=True)
            deferred = ephemeral
        try:
            return await task, deferred
        except Exception:  # the core never raises on user input; this is a bug: log it, say sorry
            log.exception("interaction failed on discord:%s", interaction.channel_id)
            return Reply(_say(_FAILED, lang), ephemeral=True, error=True), deferred

    async def _answer(
        self, interaction: discord.Interaction, reply: Reply, *, ephemeral: bool, deferred: bool | None = None
    ) -> None:
        """Send the reply: as the response, or as followups after a deferral."""
        reply = fit(reply)
        lang = interaction.locale.value if interaction.locale else None
        requests = render_reply(reply, lang=language_of(lang))
        requests = requests or [Request("create_message", {"content": _say(_EMPTY, None)})]
        view = reply_view(reply)
        if deferred is not None:
            if ephemeral and not deferred:
                # Deferred in public, but the answer is private (an error): drop the placeholder.
                await interaction.delete_original_response()
            await self._followups(interaction, requests, view, ephemeral=ephemeral)
            return
        response = interaction.response
        first, rest = requests[0], requests[1:]
        await response.send_message(**self._kwargs(first, view if not rest else None), ephemeral=ephemeral)
        await self._followups(interaction, rest, view, ephemeral=ephemeral)

    async def _followups(
        self, interaction: discord.Interaction, requests: Sequence[Request], view: discord.ui.View | None, *,
        ephemeral: bool,
    ) -> None:
        for index, request in enumerate(requests):
            last = index == len(requests) - 1
            await interaction.followup.send(**self._kwargs(request, view if last else None), ephemeral=ephemeral)

    @staticmethod
    def _kwargs(request: Request, view: discord.ui.View | None) -> dict[str, Any]:
        kwargs = message_kwargs(request.params)
        if view is not None:
            kwargs["view"] = view
        return kwargs

    # -- autocomplete ----------------------------------------------------------------------

    async def _autocomplete(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        spec = self._spec(str(data.get("name", "")))
        values, focused = option_values(data)
        option = next((o for o in (spec.options if spec else ()) if o.name == focused), None)
        if focused is None or option is None or option.autocomplete is None:
            return await interaction.response.autocomplete([])
        try:
            suggestions = await self._services.complete(option.autocomplete, str(values.get(focused) or ""))
        except Exception:  # an empty list is a fine answer while the user types
            log.exception("autocomplete failed")
            suggestions = []
        choices: list[app_commands.Choice[Any]] = []
        for label, value in suggestions[:25]:
            label = label[:_CHOICE_MAX].strip() or value[:_CHOICE_MAX]
            if option.type is int:
                if not value.isdecimal():
                    continue
                choices.append(app_commands.Choice(name=label, value=int(value)))
            else:
                choices.append(app_commands.Choice(name=label, value=value[:_CHOICE_MAX]))
        await interaction.response.autocomplete(choices)

    # -- buttons ---------------------------------------------------------------------------

    async def _component(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        action = str(data.get("custom_id", ""))
        lang = interaction.locale.value if interaction.locale else None
        inv = invocation(interaction, "button")
        reply, _ = await self._run(interaction, self._services.handle_action(inv, action), ephemeral=True, lang=lang)
        if reply.error:
            await self._error_after_press(interaction, reply)
            return
        if reply.part is not None:
            # The next part of an article: new messages for the one who pressed, the pressed
            # message (the part before) stays as it was.
            deferred = True if interaction.response.is_done() else None
            await self._answer(interaction, reply, ephemeral=True, deferred=deferred)
            return
        requests = render_reply(reply) or [Request("create_message", {"content": _say(_EMPTY, lang)})]
        kwargs = message_kwargs(requests[0].params)
        kwargs.pop("allowed_mentions", None)
        kwargs.setdefault("content", None)
        kwargs.setdefault("embeds", [])
        kwargs["view"] = reply_view(reply)
        if interaction.response.is_done():
            await interaction.edit_original_response(**kwargs)
        else:
            await interaction.response.edit_message(**kwargs)
        await self._followups(interaction, requests[1:], None, ephemeral=True)

    async def _error_after_press(self, interaction: discord.Interaction, reply: Reply) -> None:
        [request, *_] = render_reply(reply) or [Request("create_message", {"content": reply.text})]
        kwargs = message_kwargs(request.params)
        if interaction.response.is_done():
            await interaction.followup.send(**kwargs, ephemeral=True)
        else:
            await interaction.response.send_message(**kwargs, ephemeral=True)
