"""A chat's subscription options from the shell: `herald subscription TARGET [COMMAND ARGS…]` runs
`/subscriptions`, `/filter`, `/digest` or `/settings` for that chat as a configured admin would,
through the same handlers (same bounds, same refusals, same words), and prints the answer.

It works on the database directly (migrating it first); a running `herald run` reads the options
at its next fan-out, digest run or send, so nothing needs restarting.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import SystemClock
from bot.commands.context import build_context
from bot.commands.dispatch import dispatch
from bot.commands.types import ChannelKind, Invocation, Reply
from bot.settings import Settings
from bot.store.engine import create_engine, session_factory
from bot.store.migrate import upgrade
from bot.store.subscriptions import get_subscription
from bot.targets import TargetError, parse_target

__all__ = ["COMMANDS", "ShellCommandError", "run_for_chat"]

COMMANDS = ("subscriptions", "filter", "digest", "settings")
"""The chat commands `herald subscription` runs."""
SHELL_USER = "shell"
"""The user id the shell acts as: it is never a chat member, so it is let in as a chat administrator."""


class ShellCommandError(Exception):
    """A target or command the shell cannot run; the message says why."""


async def run_for_chat(settings: Settings, target_text: str, command: str, args: list[str]) -> Reply:
    """Run one of `COMMANDS` for the chat `target_text` (`telegram:-100…`, `discord:<id>`)."""
    try:
        target = parse_target(target_text)
    except TargetError as exc:
        raise ShellCommandError(str(exc)) from None
    name = command.lstrip("/").lower()
    if name not in COMMANDS:
        raise ShellCommandError(f"unknown command {command!r}: one of {', '.join(COMMANDS)}")
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        return await _dispatch(session_factory(engine), settings, target.platform, target.channel_id, name, args)
    finally:
        await engine.dispose()


async def _dispatch(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, platform: str, channel_id: str,
    name: str, args: list[str],
) -> Reply:
    async def no_article(_: int) -> None:
        return None

    state = await get_subscription(sessions, platform, channel_id)
    kind: ChannelKind = "channel"
    if state is not None and state.kind in ("private", "group"):
        kind = "private" if state.kind == "private" else "group"
    ctx = build_context(settings, sessions=sessions, clock=SystemClock(), read_article=no_article)
    inv = Invocation(
        platform=platform, channel_id=channel_id, channel_kind=kind,
        user_id=SHELL_USER, command=name, args=tuple(args), text=" ".join([f"/{name}", *args]),
        user_is_chat_admin=True, lang="en",
    )  # fmt: skip
    return await dispatch(ctx, inv)
