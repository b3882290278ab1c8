"""The HTTP client for `getUpdates` that notices when Telegram refuses the bot token.

PTB's polling loop stops by itself on `InvalidToken` (a revoked token) and only logs it, so the
application would look connected while it no longer receives anything. This client reports the
refusal (HTTP 401, or 404 for a token Telegram does not recognise at all) so the runtime can stop.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from telegram.request import HTTPXRequest

REFUSED = frozenset({HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND})
"""What the Bot API answers for a token it refuses (the getUpdates endpoint itself always exists)."""


class UpdatesRequest(HTTPXRequest):
    """An `HTTPXRequest` that calls `on_refused` when the Bot API refuses the token."""

    __slots__ = ("_on_refused",)

    def __init__(self, on_refused: Callable[[], None], **options: Any) -> None:
        super().__init__(**options)
        self._on_refused = on_refused

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Make the request; report a refused token before PTB turns it into `InvalidToken`."""
        code, payload = await super().do_request(*args, **kwargs)
        if code in REFUSED:
            self._on_refused()
        return code, payload
