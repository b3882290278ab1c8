"""Daily queue slots: validated, sorted, and one article per slot."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from manual_clock import ManualClock

from bot.schedule.slots import SlotError, next_free_slot, parse_slots

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = UTC


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_slots_are_sorted_and_deduplicated() -> None:
    assert parse_slots(("18:00", "09:00", " 13:00 ", "09:00", "9:00")) == (time(9), time(13), time(18))


def test_empty_setting_means_no_slots() -> None:
    assert parse_slots(()) == ()
    assert parse_slots(("",)) == ()


@pytest.mark.parametrize("bad", ["24:00", "9am", "09:60", "0900", "noon"])
def test_bad_slot_is_named_in_the_error(bad: str) -> None:
    with pytest.raises(SlotError, match=f"{bad!r}.*HH:MM"):
        parse_slots(("09:00", bad))


SLOTS = (time(9), time(13), time(18))


def test_next_slot_is_the_next_one_today() -> None:
    clock = ManualClock(utc(2026, 6, 1, 2, 0))  # 10:00 in Shanghai
    assert next_free_slot(SLOTS, set(), now=clock.now(), zone=SHANGHAI) == utc(2026, 6, 1, 5, 0)  # 13:00


def test_a_slot_exactly_now_is_still_free() -> None:
    now = utc(2026, 6, 1, 5, 0)
    assert next_free_slot(SLOTS, set(), now=now, zone=SHANGHAI) == now


def test_taken_slots_are_skipped_into_the_next_day() -> None:
    clock = ManualClock(utc(2026, 6, 1, 2, 0))
    taken = {utc(2026, 6, 1, 5, 0), utc(2026, 6, 1, 10, 0)}
    assert next_free_slot(SLOTS, taken, now=clock.now(), zone=SHANGHAI) == utc(2026, 6, 2, 1, 0)  # 09:00 next day


def test_queue_items_at_other_times_do_not_block_a_slot() -> None:
    now = utc(2026, 6, 1, 2, 0)
    taken = {utc(2026, 6, 1, 5, 0, 30)}  # queued with "+3h" a little after the slot
    assert next_free_slot(SLOTS, taken, now=now, zone=SHANGHAI) == utc(2026, 6, 1, 5, 0)


def test_taken_times_in_another_zone_still_match() -> None:
    now = utc(2026, 6, 1, 2, 0)
    taken = {datetime(2026, 6, 1, 13, 0, tzinfo=SHANGHAI)}
    assert next_free_slot(SLOTS, taken, now=now, zone=SHANGHAI) == utc(2026, 6, 1, 10, 0)


def test_slots_follow_daylight_saving() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    now = utc(2026, 3, 28, 12, 0)  # Saturday; clocks go forward on Sunday the 29th
    first = next_free_slot((time(9),), set(), now=now, zone=berlin)
    second = next_free_slot((time(9),), {first}, now=now, zone=berlin)
    assert first == utc(2026, 3, 29, 7, 0)  # 09:00 CEST
    assert second == utc(2026, 3, 30, 7, 0)


def test_no_slots_means_now() -> None:
    now = utc(2026, 6, 1, 2, 0)
    assert next_free_slot((), {now}, now=now, zone=SHANGHAI) == now


def test_all_slots_taken_is_an_error() -> None:
    now = utc(2026, 6, 1, 2, 0)
    taken = {next_free_slot((time(12),), set(), now=now, zone=SHANGHAI, horizon_days=0)}
    with pytest.raises(SlotError, match="taken"):
        next_free_slot((time(12),), taken, now=now, zone=SHANGHAI, horizon_days=0)
