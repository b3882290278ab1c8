"""A worker killed with SIGKILL while edits go out loses no edit: the edits were planned in the
index's transaction, so they are in the outbox; a new worker sends the rest, with the new text,
and only edits in flight at the kill can be made twice (an edit made twice shows the same)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from delivery_support import T0, add_article, add_subscription, deliveries, kill_after, start_worker
from sqlalchemy import select, update

from bot.delivery import fan_out
from bot.delivery.edits import EditPolicy, plan_edits
from bot.store.models import ArticleRow, Delivery

CHANNELS = 300


def _edits(log: Path) -> list[str]:
    lines = log.read_text().split("\n") if log.exists() else []
    return [line for line in lines if line.startswith("edit:")]


async def test_kill_minus_nine_while_edits_go_out_loses_no_edit(db_url: str, sessions, tmp_path: Path) -> None:
    log = tmp_path / "sent.log"
    article = await add_article(sessions, title="Old title")
    for n in range(CHANNELS):
        await add_subscription(sessions, f"chat{n}")
    assert await fan_out(sessions, article, now=T0) == CHANNELS
    async with sessions.begin() as session:  # every card went out a minute ago
        await session.execute(
            update(Delivery).values(status="sent", message_id=Delivery.channel_id, sent_at=T0)
        )
    # The index's pass: the article changes and its edits are planned in one transaction.
    async with sessions.begin() as session:
        row = await session.get(ArticleRow, article)
        row.title, row.summary = "New title", {**row.summary, "title": "New title"}
        now = T0 + timedelta(minutes=1)
        assert await plan_edits(session, {article: False}, now=now, policy=EditPolicy()) == CHANNELS

    first = start_worker(db_url, log, "first", lease=0.5)
    kill_after(first, lambda: len(_edits(log)), CHANNELS // 4)
    async with sessions() as session:
        in_flight = set((await session.scalars(
            select(Delivery.channel_id).where(Delivery.status == "sending", Delivery.action == "edit")
        )).all())  # fmt: skip
    assert len(_edits(log)) < CHANNELS, "the first worker finished before it could be killed"

    time.sleep(0.6)  # the dead worker's leases run out
    second = start_worker(db_url, log, "second", lease=30)
    _, errors = second.communicate(timeout=120)
    assert second.returncode == 0, errors.decode()

    counts = Counter(_edits(log))
    assert set(counts) == {f"edit:chat{n}:New title" for n in range(CHANNELS)}
    assert max(counts.values()) <= 2
    assert {line.split(":")[1] for line, n in counts.items() if n > 1} <= in_flight
    rows = await deliveries(sessions)
    assert {(r.action, r.status) for r in rows} == {("send", "sent"), ("edit", "sent")}
    assert "chat" not in "".join(line for line in log.read_text().split("\n") if not line.startswith("edit:"))
