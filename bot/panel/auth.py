"""Signing in to the admin panel without passwords: one-time sign-in links, sessions and CSRF tokens.

A token is 32 random bytes (URL-safe base64); only its SHA-256 is stored (`panel_tokens`), so a
copy of the database signs nobody in. A link is used once, by an UPDATE that marks it used only
while it is unused and unexpired (two browsers racing for one link: one wins). A session lasts
`SESSION_TTL` and ends at sign-out. Lookups go by the hash of a 256-bit random token, so their
timing tells nothing useful; the CSRF token is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.models import PanelToken, affected_rows, table_of

LINK_TTL = timedelta(minutes=10)
"""How long a sign-in link may be opened."""
SESSION_TTL = timedelta(hours=12)
"""How long a signed-in browser stays signed in."""
TOKEN_BYTES = 32
MAX_TOKEN_CHARS = 64
"""Longest token read from a link, a cookie or a form; anything longer is no token of ours."""
LINK = "link"
SESSION = "session"


def new_token() -> str:
    """Return a fresh random token (43 URL-safe characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """Return what is stored for `token`: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def plausible(token: str | None) -> bool:
    """Tell whether `token` could be one of ours (bounded, URL-safe characters only)."""
    return bool(token) and len(token or "") <= MAX_TOKEN_CHARS and all(
        c.isascii() and (c.isalnum() or c in "-_") for c in token or ""
    )


def csrf_token(session_token: str) -> str:
    """Return the CSRF token of a session: derived from the session's own secret, never stored."""
    return hmac.new(session_token.encode("utf-8"), b"herald-panel-csrf", hashlib.sha256).hexdigest()


def csrf_ok(session_token: str, given: str | None) -> bool:
    """Tell, in constant time, whether `given` is the session's CSRF token."""
    if not given or len(given) > MAX_TOKEN_CHARS * 2:
        return False
    return hmac.compare_digest(csrf_token(session_token).encode(), given.encode("utf-8", "replace"))


@dataclass(frozen=True, slots=True)
class PanelSession:
    """A signed-in browser: who, until when, and its token (from the cookie, never stored)."""

    admin: str
    expires_at: datetime
    token: str

    @property
    def csrf(self) -> str:
        """The CSRF token forms of this session carry."""
        return csrf_token(self.token)


async def _add(sessions: async_sessionmaker[AsyncSession], kind: str, admin: str, now: datetime, ttl: timedelta) -> str:
    token = new_token()
    async with sessions.begin() as session:
        # Expired links and sessions are of no use to anyone: forget them as new ones are made.
        await session.execute(delete(PanelToken).where(PanelToken.expires_at < now))
        await session.execute(
            insert(table_of(PanelToken)).values(
                token_hash=token_hash(token), kind=kind, admin=admin, created_at=now, expires_at=now + ttl,
            )
        )
    return token


async def create_link(sessions: async_sessionmaker[AsyncSession], admin: str, now: datetime) -> str:
    """Store a new one-time sign-in link for `admin` (`telegram:42`) and return its token."""
    return await _add(sessions, LINK, admin, now, LINK_TTL)


async def link_admin(sessions: async_sessionmaker[AsyncSession], token: str, now: datetime) -> str | None:
    """Return whom an unused, unexpired link is for (without using it), or None."""
    if not plausible(token):
        return None
    async with sessions() as session:
        row = await session.scalar(
            select(PanelToken).where(
                PanelToken.token_hash == token_hash(token), PanelToken.kind == LINK,
                PanelToken.used_at.is_(None), PanelToken.expires_at > now,
            )
        )
    return None if row is None else row.admin


async def redeem_link(sessions: async_sessionmaker[AsyncSession], token: str, now: datetime) -> PanelSession | None:
    """Use a sign-in link once: return a new session for its admin, or None when the link is
    unknown, used or expired."""
    if not plausible(token):
        return None
    digest = token_hash(token)
    async with sessions.begin() as session:
        admin = await session.scalar(
            select(PanelToken.admin).where(PanelToken.token_hash == digest, PanelToken.kind == LINK)
        )
        used = await session.execute(
            update(PanelToken)
            .where(
                PanelToken.token_hash == digest, PanelToken.kind == LINK,
                PanelToken.used_at.is_(None), PanelToken.expires_at > now,
            )
            .values(used_at=now)
        )
        if admin is None or affected_rows(used) != 1:
            return None
    return await start_session(sessions, admin, now)


async def start_session(sessions: async_sessionmaker[AsyncSession], admin: str, now: datetime) -> PanelSession:
    """Start a session for `admin` (after a link, or a verified Mini App) and return it."""
    token = await _add(sessions, SESSION, admin, now, SESSION_TTL)
    return PanelSession(admin=admin, expires_at=now + SESSION_TTL, token=token)


async def find_session(
    sessions: async_sessionmaker[AsyncSession], token: str | None, now: datetime
) -> PanelSession | None:
    """Return the live session of a cookie's token, or None (unknown, expired or signed out)."""
    if token is None or not plausible(token):
        return None
    async with sessions() as session:
        row = await session.scalar(
            select(PanelToken).where(
                PanelToken.token_hash == token_hash(token), PanelToken.kind == SESSION, PanelToken.expires_at > now,
            )
        )
    return None if row is None else PanelSession(admin=row.admin, expires_at=row.expires_at, token=token)


async def end_session(sessions: async_sessionmaker[AsyncSession], token: str) -> None:
    """Sign out: forget the session, so its cookie signs nobody in again."""
    async with sessions.begin() as session:
        await session.execute(
            delete(PanelToken).where(PanelToken.token_hash == token_hash(token), PanelToken.kind == SESSION)
        )
