"""Where the admin panel is reached, and its sign-in links' addresses."""

from __future__ import annotations

from typing import Any

from bot.panel.auth import LINK_TTL


def panel_url(settings: Any) -> str | None:
    """Return the panel's public address: HERALD_PANEL_URL, else the HTTP server's own `/panel`
    (None when HERALD_HTTP_PORT is 0: there is no server)."""
    if settings.panel_url:
        return str(settings.panel_url).rstrip("/")
    if settings.http_port == 0:
        return None
    host = settings.http_host
    host = "127.0.0.1" if host in ("0.0.0.0", "") else (f"[{host}]" if ":" in host and not host.startswith("[") else host)
    return f"http://{host}:{settings.http_port}/panel"


def link_url(base: str, token: str) -> str:
    """Return the sign-in link for `token` under the panel's address `base`."""
    return f"{base.rstrip('/')}/login/{token}"


def link_minutes() -> int:
    """How many minutes a sign-in link works."""
    return int(LINK_TTL.total_seconds() // 60)
