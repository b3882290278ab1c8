"""Run a chat command: find it in the table, check who may run it, call its handler, and turn
bad input or a failure into a short reply. Nothing here raises on user input.

Arguments longer than `MAX_ARGS_CHARS` altogether are refused before any handler runs, and
characters no store or platform accepts are dropped; button data longer than any platform sends
is refused as expired. Handlers raise `UsageError` (answered with the usage line) or
`BadArgument` (answered with its catalogue text) for input out of bounds.
"""

from __future__ import annotations

import dataclasses
import logging
import re

from bot.commands import admin, reading, settings_cmd
from bot.commands.context import MAX_ARGS_CHARS, BadArgument, CommandContext, UsageError, lang_of
from bot.commands.i18n import message
from bot.commands.table import find_command
from bot.commands.types import Invocation, Reply

__all__ = ["CommandContext", "action_manages", "command_name", "dispatch", "dispatch_action"]

log = logging.getLogger("herald.commands")

_NAME_SHOWN = 32
"""Longest unknown command name echoed back (Telegram command names are at most 32 characters)."""
_ACTION_MAX = 100
"""Longest button data looked at (Telegram sends at most 64 bytes, Discord 100 characters)."""
# NUL, other C0 controls but tab/newline, and lone surrogates: no store or platform takes them.
_UNUSABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def _clean(inv: Invocation) -> Invocation:
    """Drop characters no database or chat platform accepts from the arguments."""
    if not any(_UNUSABLE.search(arg) for arg in inv.args):
        return inv
    args = tuple(part for part in (_UNUSABLE.sub("", arg) for arg in inv.args) if part.strip())
    return dataclasses.replace(inv, args=args)


def command_name(inv: Invocation) -> str:
    """Return the command word without `/` and `@bot`, lower-cased (`/Latest@mybot` → `latest`)."""
    word = inv.command.strip()
    if not word:
        words = inv.text.split()
        word = words[0] if words else ""
    return word.lstrip("/").split("@", 1)[0].casefold()


async def dispatch(ctx: CommandContext, inv: Invocation) -> Reply:
    """Answer one command; never raises on user input."""
    lang = lang_of(inv)
    name = command_name(inv)
    spec = find_command(name)
    if spec is None:
        return Reply(message("unknown_command", lang, command=name[:_NAME_SHOWN]), ephemeral=True, error=True)
    if spec.admin_only and not ctx.is_admin(inv):
        return Reply(message("perm.admin", lang, command=name), ephemeral=True, error=True)
    if spec.manages and not (spec.shows_freely and not inv.args) and not ctx.may_manage(inv):
        return Reply(message("perm.chat_admin", lang), ephemeral=True, error=True)
    if sum(len(arg) + 1 for arg in inv.args) > MAX_ARGS_CHARS + 1:
        return Reply(message("arg.too_long", lang, command=name, max=MAX_ARGS_CHARS), ephemeral=True, error=True)
    try:
        return await spec.handler(ctx, _clean(inv))
    except UsageError:
        return Reply(message("usage", lang, usage=spec.usage), ephemeral=True, error=True)
    except BadArgument as exc:
        return Reply(message(exc.key, lang, **exc.values), ephemeral=True, error=True)
    except Exception:
        log.exception("command /%s failed on %s:%s", name, inv.platform, inv.channel_id)
        return Reply(message("error.internal", lang), ephemeral=True, error=True)


def action_manages(action: str) -> bool:
    """Tell whether a button changes the chat's subscription (a `/settings` button): in groups
    and channels only chat admins may press it, so platforms say whether the presser is one."""
    return action.startswith(settings_cmd.ACTION_PREFIX)


async def dispatch_action(ctx: CommandContext, inv: Invocation, action: str) -> Reply:
    """Answer a button press carrying `action` (the next page of a list, an approval button, a
    setting)."""
    lang = lang_of(inv)
    if len(action) > _ACTION_MAX or _UNUSABLE.search(action):
        return Reply(message("action.expired", lang), ephemeral=True, error=True)
    try:
        reply = await admin.admin_action(ctx, inv, action)
        if reply is None:
            reply = await reading.page_action(ctx, inv, action)
        if reply is None:
            reply = await settings_cmd.settings_action(ctx, inv, action)
    except (ValueError, UsageError, BadArgument):
        reply = None
    except Exception:
        log.exception("button %r failed on %s:%s", action[:64], inv.platform, inv.channel_id)
        return Reply(message("error.internal", lang), ephemeral=True, error=True)
    if reply is None:
        return Reply(message("action.expired", lang), ephemeral=True, error=True)
    return reply
