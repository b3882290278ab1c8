"""Telegram Mini App sign-in: verifying `initData` as Telegram documents it.

https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app:
secret_key = HMAC-SHA256(key="WebAppData", msg=bot token); the hash is
HMAC-SHA256(secret_key, data-check-string), where the data-check-string is every received field
but `hash`, as `key=value`, sorted by key, joined by newlines. `auth_date` must be recent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

MAX_INIT_DATA_CHARS = 8192
"""Longest initData read (Telegram's are a few hundred characters)."""
MAX_FIELDS = 32
MAX_AGE = timedelta(hours=1)
"""How old `auth_date` may be."""
FUTURE_SKEW = timedelta(minutes=5)
"""How far ahead of our clock `auth_date` may be (clocks differ a little)."""


@dataclass(frozen=True, slots=True)
class MiniAppUser:
    """Who opened the Mini App, as Telegram signed it."""

    user_id: str
    auth_date: datetime


def _secret(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode("utf-8"), hashlib.sha256).digest()


def sign_init_data(fields: dict[str, str], bot_token: str) -> str:
    """Return the `hash` Telegram would put in initData with these fields (for tests and tools)."""
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    return hmac.new(_secret(bot_token), check.encode("utf-8"), hashlib.sha256).hexdigest()


def verify_init_data(init_data: str, bot_token: str, now: datetime) -> MiniAppUser | None:
    """Return the signed user of a Mini App's initData, or None when it is malformed, not signed
    with this bot's token (compared in constant time), stale or without a user."""
    if not init_data or len(init_data) > MAX_INIT_DATA_CHARS:
        return None
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        return None
    fields = dict(pairs)
    if len(fields) != len(pairs):  # a key given twice: which one was signed?
        return None
    given = fields.pop("hash", "")
    expected = sign_init_data(fields, bot_token)
    if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
        return None
    try:
        auth_date = datetime.fromtimestamp(int(fields.get("auth_date", "")), tz=now.tzinfo)
        user = json.loads(fields.get("user", ""))
    except (ValueError, OverflowError, OSError):
        return None
    if not now - MAX_AGE <= auth_date <= now + FUTURE_SKEW:
        return None
    user_id = user.get("id") if isinstance(user, dict) else None
    if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id <= 0:
        return None
    return MiniAppUser(user_id=str(user_id), auth_date=auth_date)
