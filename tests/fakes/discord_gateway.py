"""The fake Discord gateway: a websocket speaking Discord's gateway protocol (HELLO, IDENTIFY,
heartbeats, READY, GUILD_CREATE, RESUME, INVALID_SESSION and dispatched events) in plain JSON
text frames. discord.py asks for `compress=zlib-stream` but reads uncompressed text frames as is."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSCloseCode, WSMsgType, web

from tests.fakes import discord_payloads as payloads

if TYPE_CHECKING:
    from tests.fakes.discord_api import FakeDiscord

HELLO, HEARTBEAT, IDENTIFY, RESUME, INVALID_SESSION, HEARTBEAT_ACK, DISPATCH = 10, 1, 2, 6, 9, 11, 0
KNOWN_OPS = {1, 2, 3, 4, 6, 8}
# GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT: need a switch in the developer portal.
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)


@dataclass
class GatewaySession:
    """One identified gateway session: its sequence, sent dispatches (for RESUME) and socket."""

    session_id: str
    intents: int
    shard: list[int] | None
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    socket: web.WebSocketResponse | None = None


class Gateway:
    """Serve `/gateway` for a FakeDiscord and dispatch events to its connected client."""

    def __init__(self, fake: FakeDiscord, *, heartbeat_interval_ms: int = 41250) -> None:
        self._fake = fake
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.allowed_privileged_intents = 0
        self.sessions: dict[str, GatewaySession] = {}
        self.received: list[dict[str, Any]] = []
        self.identify_count = 0
        self.resume_count = 0
        self._sockets: set[web.WebSocketResponse] = set()
        self.refusing = False
        """While True, new gateway connections are refused (503 before the websocket upgrade)."""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Run one websocket connection until either side closes it."""
        if self.refusing:
            return web.Response(status=503, text="gateway unavailable")
        socket = web.WebSocketResponse(max_msg_size=0)
        await socket.prepare(request)
        self._sockets.add(socket)
        session: GatewaySession | None = None
        try:
            if request.query.get("encoding", "json") != "json":
                await socket.close(code=4002, message=b"Decode error.")
                return socket
            await self._send(socket, {"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
            async for frame in socket:
                if frame.type is not WSMsgType.TEXT:
                    await socket.close(code=4002, message=b"Decode error.")
                    break
                session = await self._receive(socket, session, json.loads(frame.data)) or session
        finally:
            self._sockets.discard(socket)
            if session is not None and session.socket is socket:
                session.socket = None
        return socket

    async def _receive(
        self, socket: web.WebSocketResponse, session: GatewaySession | None, frame: dict[str, Any]
    ) -> GatewaySession | None:
        op, data = frame.get("op"), frame.get("d")
        shown = dict(data, token="<redacted>") if isinstance(data, dict) and "token" in data else data
        self.received.append({"op": op, "d": shown})
        if op == HEARTBEAT:
            await self._send(socket, {"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            if session is not None:
                await socket.close(code=4005, message=b"Already authenticated.")
                return None
            return await self._identify(socket, data or {})
        elif op == RESUME:
            return await self._resume(socket, data or {})
        elif op not in KNOWN_OPS:
            await socket.close(code=4001, message=b"Unknown opcode.")
        elif session is None:
            await socket.close(code=4003, message=b"Not authenticated.")
        return None

    async def _identify(self, socket: web.WebSocketResponse, data: dict[str, Any]) -> GatewaySession | None:
        intents = data.get("intents")
        if data.get("token") != self._fake.token:
            await socket.close(code=4004, message=b"Authentication failed.")
        elif not isinstance(intents, int) or intents < 0:
            await socket.close(code=4013, message=b"Invalid intent(s).")
        elif intents & PRIVILEGED_INTENTS & ~self.allowed_privileged_intents:
            await socket.close(code=4014, message=b"Disallowed intent(s).")
        else:
            self.identify_count += 1
            session = GatewaySession(uuid.uuid4().hex, intents, data.get("shard"), socket=socket)
            self.sessions[session.session_id] = session
            await self._dispatch(session, "READY", self._ready(session))
            for guild in self._fake.guilds.values():
                await self._dispatch(session, "GUILD_CREATE", guild.create_event(self._fake.bot_user_id))
            return session
        return None

    def _ready(self, session: GatewaySession) -> dict[str, Any]:
        fake = self._fake
        ready = {
            "v": 10, "user": {**payloads.user(fake.bot_user_id, name="Herald", bot=True), "verified": True,
                              "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(guild_id), "unavailable": True} for guild_id in fake.guilds],
            "session_id": session.session_id, "session_type": "normal",
            "resume_gateway_url": fake.gateway_url, "private_channels": [], "relationships": [],
            "presences": [], "user_settings": {}, "geo_ordered_rtc_regions": ["local"],
            "application": {"id": str(fake.application_id), "flags": 0},
            "_trace": ["fake-discord-gateway"],
        }
        if session.shard is not None:
            ready["shard"] = session.shard
        return ready

    async def _resume(self, socket: web.WebSocketResponse, data: dict[str, Any]) -> GatewaySession | None:
        session = self.sessions.get(str(data.get("session_id")))
        if data.get("token") != self._fake.token:
            await socket.close(code=4004, message=b"Authentication failed.")
            return None
        if session is None:
            await self._send(socket, {"op": INVALID_SESSION, "d": False})
            return None
        self.resume_count += 1
        session.socket = socket
        last_seen = data.get("seq") or 0
        for frame in session.sent:
            if frame["s"] > last_seen:
                await self._send(socket, frame)
        await self._dispatch(session, "RESUMED", {"_trace": ["fake-discord-gateway"]})
        return session

    def live_sessions(self) -> list[GatewaySession]:
        """Return the sessions that currently have an open socket."""
        return [s for s in self.sessions.values() if s.socket is not None and not s.socket.closed]

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a dispatch event to every connected session; fail when none is connected."""
        sessions = self.live_sessions()
        if not sessions:
            raise RuntimeError("no gateway client is connected to the fake Discord")
        for session in sessions:
            await self._dispatch(session, event, data)

    async def _dispatch(self, session: GatewaySession, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        frame = {"op": DISPATCH, "s": session.seq, "t": event, "d": data}
        session.sent.append(frame)
        if session.socket is not None and not session.socket.closed:
            await self._send(session.socket, frame)

    async def wait_connected(self, timeout: float = 5.0) -> None:
        """Wait until a client has identified or resumed on an open socket."""
        async with asyncio.timeout(timeout):
            while not self.live_sessions():
                await asyncio.sleep(0.01)

    async def drop(self, code: int = 4000) -> None:
        """Close every open socket with a close code; discord.py then RESUMEs."""
        for socket in list(self._sockets):
            await socket.close(code=code, message=b"Unknown error.")

    async def close(self) -> None:
        """Close every socket as the server goes away."""
        for socket in list(self._sockets):
            await socket.close(code=WSCloseCode.GOING_AWAY, message=b"Server shutdown.")

    @staticmethod
    async def _send(socket: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        frame.setdefault("s", None)
        frame.setdefault("t", None)
        frame.setdefault("d", None)
        if not socket.closed:
            await socket.send_str(json.dumps(frame))
