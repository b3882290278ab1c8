"""Test-side validators of what Telegram and Discord accept, written from PLATFORM-FACTS.md.

They do not import the renderers' limits, so a wrong number in an adapter is caught. The fake
Bot API and Discord servers use them too: each returns a list of error strings (empty = valid).
"""

from .discord import assert_valid_discord_payload, validate_discord_payload
from .telegram import (
    assert_valid_telegram_request,
    telegram_plain_text,
    validate_telegram_call,
    validate_telegram_html,
    validate_telegram_request,
)

__all__ = [
    "assert_valid_discord_payload",
    "assert_valid_telegram_request",
    "telegram_plain_text",
    "validate_discord_payload",
    "validate_telegram_call",
    "validate_telegram_html",
    "validate_telegram_request",
]
