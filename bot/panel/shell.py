"""`herald panel link`: a one-time sign-in link to the admin panel, made on the host."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.panel.address import link_minutes, link_url, panel_url
from bot.panel.auth import create_link
from bot.store.engine import create_engine, session_factory
from bot.store.migrate import upgrade
from bot.targets import TargetError, parse_target, parse_targets


class PanelLinkError(Exception):
    """The link cannot be made; the message says why and what to do."""


def pick_admin(settings: Any, wanted: str | None) -> str:
    """Return the admin the link is for: `wanted`, or the only admin configured."""
    admins = [str(target) for target in parse_targets(settings.admins)]
    if wanted is None:
        if len(admins) == 1:
            return admins[0]
        if not admins:
            raise PanelLinkError("no admin is configured: set HERALD_ADMINS (e.g. telegram:123456)")
        raise PanelLinkError(f"several admins are configured; name one with --admin ({', '.join(admins)})")
    try:
        target = str(parse_target(wanted))
    except TargetError as exc:
        raise PanelLinkError(str(exc)) from exc
    if target not in admins:
        raise PanelLinkError(f"{target} is not one of HERALD_ADMINS ({', '.join(admins) or 'none set'})")
    return target


async def make_link(settings: Any, wanted: str | None, now: datetime | None = None) -> str:
    """Store a sign-in link for an admin and return the line to print."""
    admin = pick_admin(settings, wanted)
    base = panel_url(settings)
    if base is None:
        raise PanelLinkError("the panel is off: HERALD_HTTP_PORT is 0 (set it, and HERALD_PANEL_URL)")
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        token = await create_link(session_factory(engine), admin, now or datetime.now(UTC))
    finally:
        await engine.dispose()
    return f"sign-in link for {admin} (works once, for {link_minutes()} minutes):\n{link_url(base, token)}"
