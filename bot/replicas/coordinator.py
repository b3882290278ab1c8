"""This replica among the others: its registry row, the roles it holds, and the heartbeat that
renews both.

On PostgreSQL every `HEARTBEAT` seconds one transaction renews the replica's row and takes or
renews the leases of its roles (`bot.replicas.leases`), each until `LEASE_TIME` seconds after the
database's now. A replica that cannot renew (the database unreachable, a network split) gives
its roles up `STOP_MARGIN` seconds before the leases could expire, by its own monotonic clock
counted from when the last renewal that succeeded was sent, so its receivers have stopped before
another replica may take over. A replica killed outright is replaced once its leases expire:
within `LEASE_TIME + HEARTBEAT` seconds.

On SQLite there is one process (`bot.replicas.sqlite_lock`): it holds every role from the start
and needs no heartbeat.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterable

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.metrics import Metrics
from bot.replicas.leases import Replica, beat, leave, live_replicas
from bot.replicas.role import Role
from bot.waits import pause

log = logging.getLogger("herald.replicas")

LEASE_TIME = 6.0
"""Seconds a role's lease lasts after its last renewal (the database's clock)."""
HEARTBEAT = 1.5
"""Seconds between two renewals (and two tries to take a free role)."""
STOP_MARGIN = 2.5
"""Seconds before its leases could expire by which a replica that cannot renew them stops the
roles: the time its receivers get to stop before another replica may start."""


def replica_id(host: str | None = None, pid: int | None = None) -> str:
    """A new replica's id: host, process id and a random tail (a restarted process is new)."""
    host = (host or socket.gethostname())[:40]
    return f"{host}-{pid if pid is not None else os.getpid()}-{secrets.token_hex(3)}"


class Replicas:
    """The roles this replica holds and the live replicas it sees, kept current by `run`."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        roles: Iterable[str],
        *,
        solo: bool,
        metrics: Metrics | None = None,
        lease_time: float = LEASE_TIME,
        heartbeat: float = HEARTBEAT,
        stop_margin: float = STOP_MARGIN,
        clock: Callable[[], float] = time.monotonic,
        id: str | None = None,
    ) -> None:
        self.id = id or replica_id()
        """This replica's id (its delivery engine's worker id: rows it holds name it)."""
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.solo = solo
        """One process (SQLite): every role held from the start, no heartbeat."""
        self.roles = {name: Role(name, held=solo) for name in dict.fromkeys(roles)}
        self.live: list[Replica] = []
        """The live replicas, oldest first, as of the last heartbeat (empty when solo)."""
        self._sessions = sessions
        self._metrics = metrics
        self._lease_time = lease_time
        self._heartbeat = heartbeat
        self._margin = min(stop_margin, lease_time / 2)
        self._clock = clock
        self._confirmed = clock()
        self._failing = False
        self._listeners: list[Callable[[list[Replica], int | None], None]] = []
        self._cut_off_listeners: list[Callable[[bool], None]] = []
        self.cut_off = False
        """Whether this replica gave its roles up for want of renewing them (until it renews again)."""
        if metrics is not None:
            metrics.set_replicas(1 if solo else 0)
            for name in self.roles:
                metrics.set_role(name, held=solo)

    @property
    def lease_time(self) -> float:
        """Seconds a replica stays live (and its roles leased) after its last heartbeat."""
        return self._lease_time

    def role(self, name: str) -> Role:
        """The role `name` (a receiver of a platform this replica runs, or the scheduler)."""
        return self.roles[name]

    @property
    def held(self) -> list[str]:
        """The roles this replica holds now, by name."""
        return [name for name, role in self.roles.items() if role.held]

    @property
    def index(self) -> int | None:
        """This replica's place among the live replicas (0 when solo; None when not seen yet)."""
        if self.solo:
            return 0
        ids = [replica.id for replica in self.live]
        return ids.index(self.id) if self.id in ids else None

    def on_change(self, listener: Callable[[list[Replica], int | None], None]) -> None:
        """Call `listener(live, index)` after a heartbeat that saw a replica join or leave (or
        this one's place move): what shares work out between replicas rebalances on. Never
        called when solo (one process: `index` 0, everything is this replica's)."""
        self._listeners.append(listener)

    def on_cut_off(self, listener: Callable[[bool], None]) -> None:
        """Call `listener(True)` when this replica gives its roles up because it could not renew
        them (others will soon take it for dead), and `listener(False)` once it renews again."""
        self._cut_off_listeners.append(listener)

    async def start(self) -> None:
        """Register and take the free roles now, before anything runs (once; errors are logged)."""
        if not self.solo:
            await self._tick()

    async def run(self, stop: asyncio.Event) -> None:
        """Renew every `heartbeat` seconds until `stop`; give the roles up in time when renewing fails."""
        if self.solo:
            return
        while True:
            wait = min(self._heartbeat, max(0.0, self._deadline() - self._clock()))
            if await pause(stop, wait):
                return
            self._give_up_if_late()
            await self._tick()

    async def leave(self) -> None:
        """Stop holding every role and tell the database (a clean stop: others take over at once)."""
        for role in self.roles.values():
            role.revoke()
        if self.solo:
            return
        try:
            async with asyncio.timeout(self._heartbeat * 2):
                await leave(self._sessions, self.id)
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            log.warning("could not give up this replica's leases (%s); they expire by themselves",
                        type(exc).__name__)

    def _deadline(self) -> float:
        """When held roles must be given up if no renewal succeeds before."""
        return self._confirmed + self._lease_time - self._margin

    def _give_up_if_late(self) -> None:
        if self._clock() < self._deadline():
            return
        for role in self.roles.values():
            if role.revoke():
                log.error("replica %s: could not renew the lease of %s for %.0f s; stopping it before "
                          "another replica takes it", self.id, role.name, self._lease_time - self._margin)
                self._count(role, held=False)
        self._set_cut_off(True)

    def _set_cut_off(self, cut_off: bool) -> None:
        if cut_off == self.cut_off:
            return
        self.cut_off = cut_off
        for listener in self._cut_off_listeners:
            try:
                listener(cut_off)
            except Exception:
                log.exception("a cut-off listener failed")

    async def _tick(self) -> None:
        sent = self._clock()
        limit = min(self._heartbeat, max(0.1, self._deadline() - sent)) if self.held else self._heartbeat
        try:
            async with asyncio.timeout(limit):
                held = await beat(self._sessions, self.id, self.host, self.pid, self.roles, self._lease_time)
                async with self._sessions() as session:
                    live = await live_replicas(session, self._lease_time)
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            if not self._failing:
                log.warning("replica %s: heartbeat failed (%s); retrying", self.id, type(exc).__name__)
            self._failing = True
            self._give_up_if_late()
            return
        if self._failing:
            log.info("replica %s: heartbeat renewed again", self.id)
            self._failing = False
        self._confirmed = sent
        self._set_cut_off(False)
        for name, role in self.roles.items():
            if name in held:
                if role.grant():
                    log.info("replica %s now holds %s", self.id, name)
                    self._count(role, held=True)
            elif role.revoke():
                log.warning("replica %s lost %s to another replica", self.id, name)
                self._count(role, held=False)
        changed = [r.id for r in live] != [r.id for r in self.live]
        self.live = live
        if self._metrics is not None:
            self._metrics.set_replicas(len(live))
        if changed:
            for listener in self._listeners:
                try:
                    listener(live, self.index)
                except Exception:
                    log.exception("a replica-change listener failed")

    def _count(self, role: Role, *, held: bool) -> None:
        if self._metrics is None:
            return
        self._metrics.set_role(role.name, held=held)
        if held:
            self._metrics.leadership_change(role.name)
