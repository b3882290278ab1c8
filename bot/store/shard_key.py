"""The shard of a target: which replica paces it (`bot.delivery.shards` splits shards between replicas).

A target's shard is a hash of its platform and the chat it belongs to: a channel id `chat:part`
(a Telegram forum topic, `-1001234:7`) is part of chat `chat`, whose limits its parts share, so
every part of one chat is paced by the same replica. Subscriptions keep their target's shard
(`subscriptions.shard`, written with the row); the outbox copies it.
"""

from __future__ import annotations

import zlib

__all__ = ["SHARDS", "shard_of"]

SHARDS = 1024
"""Shards over all targets: far more than replicas, so they split evenly between any few."""


def shard_of(platform: str, channel_id: str) -> int:
    """Return the shard of a target: the same for every part (`chat:part`) of one chat."""
    chat = channel_id.partition(":")[0]
    return zlib.crc32(f"{platform}:{chat}".encode()) % SHARDS
