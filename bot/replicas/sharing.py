"""How replicas share the deliveries: each sends to the targets its place among the live replicas
gives it, at that part of each platform's overall rate (`bot.delivery.shards`), wakes up when
another replica adds rows, and holds its sends when another was throttled platform-wide
(`bot.delivery.signals`). Nothing here runs on SQLite (one process)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from bot.delivery.engine import DeliveryEngine
from bot.delivery.shards import Partition
from bot.delivery.signals import OutboxSignals, notify_throttled
from bot.replicas.coordinator import Replicas
from bot.replicas.leases import Replica

log = logging.getLogger("herald.replicas")

__all__ = ["share_deliveries"]


def share_deliveries(
    delivery: DeliveryEngine, replicas: Replicas, *, database_url: str, platforms: Iterable[str], stop: asyncio.Event
) -> list[asyncio.Task[None]]:
    """Keep `delivery`'s part current as replicas come and go, and start listening to the others;
    return the listening task. Call before `replicas.start()`, so its first heartbeat sets the part."""

    def rebalance(live: list[Replica], index: int | None) -> None:
        if index is None:
            return  # not among the live ones yet (its first heartbeat failed): keep the last part
        partition = Partition(index, max(1, len(live)))
        if partition != delivery.partition:
            log.info("replica %s sends to part %d of %d of the targets", replicas.id, index + 1, partition.count)
            delivery.share(partition)

    replicas.on_change(rebalance)
    replicas.on_cut_off(lambda cut_off: delivery.suspend() if cut_off else delivery.resume())
    delivery.take_over_after(replicas.lease_time)
    pending: set[asyncio.Task[None]] = set()

    async def tell(platform: str, seconds: float) -> None:
        try:
            async with delivery.sessions.begin() as session:
                await notify_throttled(session, sender=replicas.id, platform=platform, seconds=seconds)
        except Exception as exc:  # noqa: BLE001 - the others find out from their own 429s
            log.warning("could not tell the other replicas about a %s throttle (%s)", platform, type(exc).__name__)

    for platform in set(platforms) & delivery.platforms:
        limiter = delivery.limiter(platform)

        def throttled(seconds: float, platform: str = platform) -> None:
            task = asyncio.get_running_loop().create_task(tell(platform, seconds))
            pending.add(task)
            task.add_done_callback(pending.discard)

        limiter.on_global = throttled

    def told(platform: str, seconds: float) -> None:
        if platform in delivery.platforms:
            log.warning("another replica saw %s throttle the bot: holding sends here for %gs", platform, seconds)
            delivery.limiter(platform).told_elsewhere(seconds)

    signals = OutboxSignals(database_url, me=replicas.id, added=delivery.wake, throttled=told)
    return [asyncio.create_task(signals.run(stop), name="outbox-signals")]
