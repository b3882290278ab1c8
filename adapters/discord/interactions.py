"""Answer Discord interactions with the core: slash commands, option autocomplete, and button
presses (paging, approvals, the next part of an article), each turned into an `Invocation` and
its `Reply` into interaction responses. An article part is cut to the platform's message cap
(`replies.fit`) before it is rendered, so its buttons lead to the rest.

A reply becomes discord.py keywords in one place (`Outgoing`: cut, rendered in the reader's
language, "Done." when there is nothing to show, buttons under the last message); each way of
answering (a response, followups, an edit of the pressed message, a plain send) only sends them.

Buttons carry the reply's action as their custom_id and are handled here by custom_id, not by a
stored `View`, so pages keep working after a restart. Work slower than `defer_after` seconds is
deferred first, inside Discord's 3-second window.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from adapters.discord.commands import PUBLIC_OPTION, has_public_option, invocation_args, option_values
from adapters.discord.outlet import message_kwargs
from adapters.discord.render import CREATE_MESSAGE
from adapters.discord.replies import fit, render_reply
from adapters.discord.threads import is_thread, permission_name, thread_permissions
from bot.commands import CommandSpec, Invocation, Reply
from bot.commands.i18n import Lang, language_of, message
from bot.platform import Services
from bot.request import Request
from bot.waits import first_of

log = logging.getLogger("herald.discord.interactions")

PLATFORM = "discord"
DEFER_AFTER = 1.5
"""Seconds to wait for the core before deferring (Discord allows 3 for the first answer)."""
_LABEL_MAX = 80
_CHOICE_MAX = 100

# What the bot needs in a channel before it subscribes there (discord.py's flag names).
_NEEDED = ("view_channel", "send_messages", "embed_links")
_ATTACH = "attach_files"


def missing_permissions(
    granted: discord.Permissions, *, attach: bool, lang: Lang, thread: bool = False
) -> list[str]:
    """Return the names (in `lang`, as Discord shows them) of the permissions the bot lacks to
    post articles here (in a thread: `granted` as `thread_permissions` made it)."""
    needed = _NEEDED + ((_ATTACH,) if attach else ())
    return [
        message(f"discord.perm.{permission_name(flag, thread=thread)}", lang)
        for flag in needed if not getattr(granted, flag)
    ]


def reader_language(interaction: discord.Interaction) -> Lang:
    """The language to answer the one who interacted in: their Discord client's locale."""
    return language_of(interaction.locale.value if interaction.locale else None)


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


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A reply as discord.py keywords, one dict per message (an article part cut to the message
    cap first), and its buttons; a reply with nothing to show says "Done."."""

    messages: list[dict[str, Any]]
    view: discord.ui.View | None

    @classmethod
    def of(cls, reply: Reply, lang: Lang = "en") -> Outgoing:
        """Render `reply` for a reader of `lang`."""
        reply = fit(reply, lang=lang)
        requests = render_reply(reply, lang=lang)
        requests = requests or [Request(CREATE_MESSAGE, {"content": message("reply.done", lang)})]
        return cls([message_kwargs(request.params) for request in requests], reply_view(reply))

    def sent(self) -> list[dict[str, Any]]:
        """The messages to send, the buttons under the last."""
        if self.view is None:
            return self.messages
        return [*self.messages[:-1], {**self.messages[-1], "view": self.view}]

    def replacing(self, *, buttons: bool) -> dict[str, Any]:
        """The keywords that edit a message into the first message (what it had and this has not
        is cleared), with the buttons or without any."""
        return {"content": None, "embeds": [], **self.messages[0], "view": self.view if buttons else None}


async def send_to(channel: discord.abc.Messageable, reply: Reply) -> discord.Message | None:
    """Post a reply as ordinary messages (not an interaction answer), its buttons under the last;
    return the last message."""
    last = None
    for kwargs in Outgoing.of(reply).sent():
        last = await channel.send(**kwargs)
    return last


def settled_kwargs(reply: Reply) -> dict[str, Any]:
    """Return the `edit` keywords that turn a card into `reply` (the decision), without buttons."""
    return Outgoing.of(reply).replacing(buttons=False)


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
        lang = reader_language(interaction)
        if spec is None:
            inv = invocation(interaction, str(data.get("name", "")))
            return await self._answer(interaction, await self._services.handle(inv), ephemeral=True)
        if spec.name == "subscribe" and interaction.guild_id is not None:
            granted = interaction.app_permissions
            thread = is_thread(interaction.channel)
            if thread:  # a thread: Send Messages in Threads is what counts
                granted = thread_permissions(granted)
            missing = missing_permissions(granted, attach=self._attach, lang=lang, thread=thread)
            if missing:
                names = message("names.sep", lang).join(missing)
                text = message("discord.missing_permissions", lang, names=names)
                return await self._answer(interaction, Reply(text, ephemeral=True, error=True), ephemeral=True)
        private = has_public_option(spec) and not values.get(PUBLIC_OPTION)
        if spec.admin_only:
            private = True
        inv = invocation(interaction, spec.name, invocation_args(spec, values))
        reply, deferred = await self._run(interaction, self._services.handle(inv), ephemeral=private, lang=lang)
        await self._answer(interaction, reply, ephemeral=private or reply.ephemeral or reply.error, deferred=deferred)

    async def _run(
        self, interaction: discord.Interaction, work: Awaitable[Reply], *, ephemeral: bool, lang: Lang
    ) -> tuple[Reply, bool | None]:
        """Await the core, deferring first if it takes longer than `defer_after`; return the reply
        and how the response was deferred (None: not deferred, else whether privately)."""
        task = asyncio.ensure_future(work)
        deferred: bool | None = None
        if not await first_of(asyncio.wait({task}), timeout=self._defer_after):  # the task runs on
            if interaction.type is discord.InteractionType.component:
                await interaction.response.defer()
            else:
                await interaction.response.defer(ephemeral=ephemeral, thinking=True)
            deferred = ephemeral
        try:
            return await task, deferred
        except Exception:  # the core never raises on user input; this is a bug: log it, say sorry
            log.exception("interaction failed on discord:%s", interaction.channel_id)
            return Reply(message("error.internal", lang), ephemeral=True, error=True), deferred

    async def _answer(
        self, interaction: discord.Interaction, reply: Reply, *, ephemeral: bool, deferred: bool | None = None
    ) -> None:
        """Send the reply: as the response, or as followups after a deferral."""
        messages = Outgoing.of(reply, reader_language(interaction)).sent()
        if deferred is not None:
            if ephemeral and not deferred:
                # Deferred in public, but the answer is private (an error): drop the placeholder.
                await interaction.delete_original_response()
            await self._followups(interaction, messages, ephemeral=ephemeral)
            return
        await interaction.response.send_message(**messages[0], ephemeral=ephemeral)
        await self._followups(interaction, messages[1:], ephemeral=ephemeral)

    @staticmethod
    async def _followups(
        interaction: discord.Interaction, messages: Iterable[dict[str, Any]], *, ephemeral: bool
    ) -> None:
        for kwargs in messages:
            await interaction.followup.send(**kwargs, ephemeral=ephemeral)

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
        lang = reader_language(interaction)
        inv = invocation(interaction, "button")
        reply, _ = await self._run(interaction, self._services.handle_action(inv, action), ephemeral=True, lang=lang)
        if reply.part is not None and not reply.error:
            # The next part of an article: new messages for the one who pressed, the pressed
            # message (the part before) stays as it was.
            deferred = True if interaction.response.is_done() else None
            await self._answer(interaction, reply, ephemeral=True, deferred=deferred)
            return
        outgoing = Outgoing.of(reply, lang)
        if reply.error:
            # Said to the one who pressed; the pressed message stays as it was.
            await self._answer_press(interaction, outgoing.messages[0])
            return
        # The pressed message becomes the answer's first message, with the answer's buttons.
        kwargs = outgoing.replacing(buttons=True)
        kwargs.pop("allowed_mentions", None)
        if interaction.response.is_done():
            await interaction.edit_original_response(**kwargs)
        else:
            await interaction.response.edit_message(**kwargs)
        await self._followups(interaction, outgoing.messages[1:], ephemeral=True)

    @staticmethod
    async def _answer_press(interaction: discord.Interaction, kwargs: dict[str, Any]) -> None:
        if interaction.response.is_done():
            await interaction.followup.send(**kwargs, ephemeral=True)
        else:
            await interaction.response.send_message(**kwargs, ephemeral=True)
