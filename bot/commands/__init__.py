"""Chat commands, the same on every platform: one table, handlers that return `Reply` values
and never send. Adapters turn platform updates into `Invocation`s and render the replies."""

from bot.commands.context import CommandContext, build_context
from bot.commands.dispatch import command_name, dispatch, dispatch_action
from bot.commands.table import CommandSpec, OptionSpec, command_table, find_command
from bot.commands.types import Button, Invocation, ListItem, Reply

__all__ = [
    "Button",
    "CommandContext",
    "CommandSpec",
    "Invocation",
    "ListItem",
    "OptionSpec",
    "Reply",
    "build_context",
    "command_name",
    "command_table",
    "dispatch",
    "dispatch_action",
    "find_command",
]
