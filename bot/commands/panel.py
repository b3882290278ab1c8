"""`/panel`: an admin gets a one-time sign-in link to the admin panel, in a private chat."""

from __future__ import annotations

from bot.commands.context import CommandContext, UsageError, lang_of
from bot.commands.i18n import message
from bot.commands.types import Invocation, Reply
from bot.panel.address import link_minutes, link_url
from bot.panel.auth import create_link


async def panel(ctx: CommandContext, inv: Invocation) -> Reply:
    """Admin: get a one-time sign-in link to the admin panel."""
    if inv.args:
        raise UsageError(" ".join(inv.args))
    lang = lang_of(inv)
    if inv.channel_kind != "private":
        return Reply(message("panel.private_only", lang), ephemeral=True, error=True)
    if ctx.panel_url is None:
        return Reply(message("panel.not_served", lang), ephemeral=True, error=True)
    token = await create_link(ctx.sessions, f"{inv.platform}:{inv.user_id}", ctx.clock.now())
    url = link_url(ctx.panel_url, token)
    return Reply(message("panel.link", lang, url=url, minutes=link_minutes()), ephemeral=True)
