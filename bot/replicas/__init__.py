"""Several `herald run` on one PostgreSQL database: the replica registry, role leases (one
receiver per platform, one scheduler) and, on SQLite, the one-process lock."""

from bot.replicas.coordinator import HEARTBEAT, LEASE_TIME, Replicas
from bot.replicas.leases import Lease, Replica, current_leases, live_replicas
from bot.replicas.role import SCHEDULER, Role, receiver

__all__ = [
    "HEARTBEAT", "LEASE_TIME", "SCHEDULER", "Lease", "Replica", "Replicas", "Role", "current_leases",
    "live_replicas", "receiver",
]
