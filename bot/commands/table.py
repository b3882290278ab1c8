"""The one table of chat commands. Dispatch runs it; adapters generate the Telegram command
menu and Discord slash commands from it; `/help` is written from it.

A command's English description is the first line of its handler's docstring; the Chinese ones
(Simplified and Traditional) are the catalogue's `cmd.<name>`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from bot.commands import (
    admin,
    digest_cmd,
    filters_cmd,
    panel,
    read,
    reading,
    settings_cmd,
    sources_cmd,
    subscribing,
)
from bot.commands.context import MAX_PAGE, CommandContext, UsageError, lang_of
from bot.commands.i18n import Lang, message
from bot.commands.types import Invocation, Reply

Handler = Callable[[CommandContext, Invocation], Awaitable[Reply]]
Completion = Literal["category", "article"]


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One typed argument, for platforms with structured commands (Discord slash options)."""

    name: str
    type: type
    """`int` or `str`."""
    required: bool
    description_key: str
    autocomplete: Completion | None = None

    def description(self, lang: Lang) -> str:
        """Return the option's description in `lang`."""
        return message(self.description_key, lang, max=MAX_PAGE)


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One chat command."""

    name: str
    handler: Handler
    usage: str
    options: tuple[OptionSpec, ...] = ()
    admin_only: bool = False
    """Only configured admins (HERALD_ADMINS) may run it."""
    manages: bool = False
    """It changes the chat's subscription: in groups and channels only chat admins may run it."""
    shows_freely: bool = False
    """Without arguments it only shows the chat's options, which anyone in the chat may do
    (with `manages`: changing them stays for chat admins)."""

    def description(self, lang: Lang) -> str:
        """Return the one-line description in `lang` (English: the handler's docstring)."""
        if lang == "en":
            return (self.handler.__doc__ or self.name).strip().splitlines()[0]
        return message(f"cmd.{self.name}", lang)


async def start(ctx: CommandContext, inv: Invocation) -> Reply:
    """Say hello and show how to begin."""
    lang = lang_of(inv)
    if ctx.site_name:
        return Reply(message("start.site", lang, site=ctx.site_name))
    return Reply(message("start", lang))


async def help_(ctx: CommandContext, inv: Invocation) -> Reply:
    """List every command."""
    if inv.args:
        raise UsageError(" ".join(inv.args))
    lang = lang_of(inv)
    header = message("help.header", lang)
    lines = [header]
    lines += [_help_line(spec, lang) for spec in COMMANDS if not spec.admin_only]
    if ctx.is_admin(inv):
        lines += ["", message("help.admin_header", lang)]
        lines += [_help_line(spec, lang) for spec in COMMANDS if spec.admin_only]
    lines += ["", message("help.notes", lang)]
    return Reply("\n".join(lines), header=header)


def _help_line(spec: CommandSpec, lang: Lang) -> str:
    return f"{spec.usage} — {spec.description(lang)}"


_CATEGORIES = OptionSpec("categories", str, False, "opt.categories", "category")
_COUNT = OptionSpec("count", int, False, "opt.n")
_ARTICLE = OptionSpec("id", int, True, "opt.id", "article")

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", start, "/start"),
    CommandSpec("help", help_, "/help"),
    CommandSpec("latest", reading.latest, "/latest [n]", (_COUNT,)),
    CommandSpec(
        "category", reading.category, "/category <name> [n]",
        (OptionSpec("name", str, True, "opt.name", "category"), _COUNT),
    ),
    CommandSpec("categories", reading.categories, "/categories"),
    CommandSpec("read", read.read, "/read <id>", (_ARTICLE,)),
    CommandSpec("subscribe", subscribing.subscribe, "/subscribe [category…]", (_CATEGORIES,), manages=True),
    CommandSpec(
        "unsubscribe", subscribing.unsubscribe, "/unsubscribe [category…|all]",
        (OptionSpec("categories", str, False, "opt.unsubscribe.categories", "category"),), manages=True,
    ),
    CommandSpec("subscriptions", subscribing.subscriptions, "/subscriptions"),
    CommandSpec(
        "filter", filters_cmd.filter_, "/filter [+word|-word|/regex/|clear]…",
        (OptionSpec("filters", str, False, "opt.filters"),), manages=True, shows_freely=True,
    ),
    CommandSpec(
        "digest", digest_cmd.digest, "/digest daily HH:MM|weekly DAY HH:MM|off",
        (OptionSpec("schedule", str, False, "opt.digest"),), manages=True, shows_freely=True,
    ),
    CommandSpec(
        "settings", settings_cmd.settings, "/settings [name value]",
        (OptionSpec("name", str, False, "opt.setting"), OptionSpec("value", str, False, "opt.setting_value")),
        manages=True, shows_freely=True,
    ),
    CommandSpec(
        "queue", admin.queue, "/queue [id] [when]",
        (OptionSpec("id", int, False, "opt.id", "article"), OptionSpec("when", str, False, "opt.when")),
        admin_only=True,
    ),
    CommandSpec(
        "unqueue", admin.unqueue, "/unqueue <queue id>",
        (OptionSpec("queue_id", int, True, "opt.queue_id"),), admin_only=True,
    ),
    CommandSpec("broadcast", admin.broadcast, "/broadcast <id>", (_ARTICLE,), admin_only=True),
    CommandSpec("approve", admin.approve, "/approve <id>", (_ARTICLE,), admin_only=True),
    CommandSpec("stats", admin.stats, "/stats", admin_only=True),
    CommandSpec("panel", panel.panel, "/panel", admin_only=True),
    CommandSpec("sources", sources_cmd.sources, "/sources", admin_only=True),
)
"""Every command, in the order menus and /help show them."""


def command_table() -> tuple[CommandSpec, ...]:
    """Return every command, in menu order."""
    return COMMANDS


def find_command(name: str) -> CommandSpec | None:
    """Return the command called `name` (already without `/` and `@bot`), or None."""
    for spec in COMMANDS:
        if spec.name == name:
            return spec
    return None
