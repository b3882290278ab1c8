"""Turn Telegram message texts into commands: the word, the arguments, and whom it addresses.

`/latest@herald_bot 3` is ours, `/latest@otherbot` is not; `/start read_42` (the deep link
`t.me/<bot>?start=read_42`) and the tappable `/read_42` both mean `/read 42`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.commands.types import ChannelKind

_READ_SHORT = re.compile(r"read_(\d+)", re.IGNORECASE)
_CHAT_REF = re.compile(r"(?:@[A-Za-z][A-Za-z0-9_]{3,31}|-\d{5,20})(?::\d{1,10}){0,1}")


@dataclass(frozen=True, slots=True)
class Command:
    """A command in a message."""

    name: str
    """Lower-case, without `/` and `@bot`."""
    args: tuple[str, ...]
    addressed: bool
    """Named this bot explicitly (`/cmd@thisbot`)."""


def parse_command(text: str, bot_username: str) -> Command | None:
    """Return the command in `text`, or None when it is no command or is for another bot."""
    if not text.startswith("/"):
        return None
    word, *args = text.split()
    name, _, target = word[1:].partition("@")
    if target and target.casefold() != bot_username.casefold():
        return None
    name = name.casefold()
    if not name:
        return None
    if name == "start" and len(args) == 1 and (deep := _READ_SHORT.fullmatch(args[0])):
        return Command("read", (deep.group(1),), bool(target))
    if short := _READ_SHORT.fullmatch(name):
        return Command("read", (short.group(1), *args), bool(target))
    return Command(name, tuple(args), bool(target))


def channel_kind(chat_type: str) -> ChannelKind:
    """Map a Telegram chat type to the core's channel kind."""
    if chat_type == "private":
        return "private"
    if chat_type == "channel":
        return "channel"
    return "group"


def is_chat_ref(text: str) -> bool:
    """Tell whether an argument names a chat (`@name` or a negative chat id, either perhaps with
    `:<thread>` for one forum topic), not a category."""
    return _CHAT_REF.fullmatch(text) is not None
