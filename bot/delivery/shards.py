"""Which replica sends to which chat: outbox rows carry a shard, and each live replica claims the
shards its place among the replicas gives it, so one chat is paced by one replica at a time.

Every row takes its target's shard (`bot.store.shard_key`): a hash of the platform and the chat,
kept on the subscription, or computed for a configured channel without one, so every row for one
chat — and for every forum topic of one group — has the same shard. With one replica (SQLite
always) the partition is whole and no filter is applied.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, true

from bot.store.shard_key import SHARDS, shard_of

__all__ = ["SHARDS", "WHOLE", "Partition", "shard_of"]

@dataclass(frozen=True, slots=True)
class Partition:
    """This replica's part of the shards: those with `shard % count == index`."""

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ValueError(f"no partition {self.index} of {self.count}")

    def owns(self, shard: int) -> bool:
        """Tell whether rows of this shard are this replica's to send."""
        return shard % self.count == self.index

    def where(self, column: ColumnElement[int]) -> ColumnElement[bool]:
        """The SQL condition selecting this partition's rows by their shard column."""
        if self.count == 1:
            return true()
        return (column % self.count) == self.index


WHOLE = Partition()
"""Every shard: one replica alone."""
