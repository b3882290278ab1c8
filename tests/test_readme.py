"""The README a newcomer reads stays true: its two commands, every chat command, every CLI command."""

from __future__ import annotations

import re
from pathlib import Path

from bot.commands import command_table

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_two_commands_come_first() -> None:
    first_block = README.split("```", 2)[1]
    assert "make run" in first_block and "make test" in first_block


def test_every_chat_command_is_documented() -> None:
    missing = [spec.name for spec in command_table() if not re.search(rf"`/{spec.name}\b", README)]
    assert not missing, f"README does not mention: {missing}"


def test_every_cli_command_is_documented() -> None:
    for command in (
        "herald run", "herald preview", "herald check", "herald config", "herald db upgrade", "herald index",
        "herald queue add", "herald queue list", "herald queue cancel", "herald broadcast",
    ):
        assert command in README, command
