"""Admin times: absolute, next-occurrence and relative forms, in the configured zone, DST-correct."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from manual_clock import ManualClock

from bot.schedule.when import WhenError, format_when, parse_when

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
UTC = UTC


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(utc(2026, 6, 1, 2, 0))  # 10:00 in Shanghai


def test_absolute_time_is_read_in_the_admin_zone(clock: ManualClock) -> None:
    moment = parse_when("2026-12-01 09:00", now=clock.now(), zone=SHANGHAI)
    assert moment == utc(2026, 12, 1, 1, 0)
    assert moment.tzinfo == UTC


def test_clock_time_later_today_means_today(clock: ManualClock) -> None:
    assert parse_when("18:30", now=clock.now(), zone=SHANGHAI) == utc(2026, 6, 1, 10, 30)


def test_clock_time_already_gone_means_tomorrow(clock: ManualClock) -> None:
    assert parse_when("09:00", now=clock.now(), zone=SHANGHAI) == utc(2026, 6, 2, 1, 0)
    assert parse_when("10:00", now=clock.now(), zone=SHANGHAI) == utc(2026, 6, 2, 2, 0)


def test_clock_time_uses_the_local_date_not_the_utc_date() -> None:
    now = utc(2026, 6, 1, 20, 0)  # already 04:00 on June 2nd in Shanghai
    assert parse_when("09:00", now=now, zone=SHANGHAI) == utc(2026, 6, 2, 1, 0)


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("+30m", timedelta(minutes=30)),
        ("+2h", timedelta(hours=2)),
        ("+1d", timedelta(days=1)),
        ("+90s", timedelta(seconds=90)),
        ("+1h30m", timedelta(hours=1, minutes=30)),
        ("+ 1d 2h", timedelta(days=1, hours=2)),
        ("+2H", timedelta(hours=2)),
    ],
)
def test_relative_times(clock: ManualClock, text: str, delta: timedelta) -> None:
    assert parse_when(text, now=clock.now(), zone=SHANGHAI) == clock.now() + delta


def test_full_width_input_from_a_cjk_keyboard_works(clock: ManualClock) -> None:
    assert parse_when("１８：３０", now=clock.now(), zone=SHANGHAI) == utc(2026, 6, 1, 10, 30)


def test_next_occurrence_across_the_spring_forward_change() -> None:
    # 2026-03-08: New York clocks jump from 02:00 EST to 03:00 EDT.
    now = utc(2026, 3, 7, 18, 0)  # 13:00 EST on the 7th
    assert parse_when("09:00", now=now, zone=NEW_YORK) == utc(2026, 3, 8, 13, 0)  # 09:00 EDT
    gap = parse_when("02:30", now=now, zone=NEW_YORK)
    assert gap == utc(2026, 3, 8, 7, 30)  # a time that does not exist lands just after the jump
    assert format_when(gap, NEW_YORK) == "2026-03-08 03:30 EDT"


def test_absolute_time_across_the_autumn_change() -> None:
    now = utc(2026, 10, 1, 0, 0)
    assert parse_when("2026-11-02 09:00", now=now, zone=NEW_YORK) == utc(2026, 11, 2, 14, 0)  # EST
    assert parse_when("2026-10-30 09:00", now=now, zone=NEW_YORK) == utc(2026, 10, 30, 13, 0)  # EDT


def test_past_time_is_refused_with_the_current_time(clock: ManualClock) -> None:
    with pytest.raises(WhenError, match="is in the past") as caught:
        parse_when("2020-01-01 09:00", now=clock.now(), zone=SHANGHAI)
    assert "2026-06-01 10:00 CST" in str(caught.value)


@pytest.mark.parametrize("text", ["tomorrow", "9am", "25:00", "12:61", "2026-02-30 09:00", "+", "+5x", "", "-30m"])
def test_bad_input_explains_what_works(clock: ManualClock, text: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(text, now=clock.now(), zone=SHANGHAI)
    message = str(caught.value)
    assert "09:00" in message or "+30m" in message


def test_absurdly_far_ahead_is_refused(clock: ManualClock) -> None:
    for text in ("+9999999999d", "+400d", "2099-01-01 09:00"):
        with pytest.raises(WhenError, match="too far ahead"):
            parse_when(text, now=clock.now(), zone=SHANGHAI)


def test_errors_are_value_errors(clock: ManualClock) -> None:
    with pytest.raises(ValueError):
        parse_when("soon", now=clock.now(), zone=SHANGHAI)


def test_format_when_shows_the_admin_zone() -> None:
    assert format_when(utc(2026, 12, 1, 1, 0), SHANGHAI) == "2026-12-01 09:00 CST"
    assert format_when(utc(2026, 12, 1, 1, 0), ZoneInfo("UTC")) == "2026-12-01 01:00 UTC"


def test_parsed_time_formats_back_to_what_was_typed(clock: ManualClock) -> None:
    for zone in (SHANGHAI, NEW_YORK, ZoneInfo("Europe/Berlin")):
        moment = parse_when("2026-12-01 09:00", now=clock.now(), zone=zone)
        assert format_when(moment, zone).startswith("2026-12-01 09:00 ")


def test_days_are_calendar_days_and_hours_are_elapsed_time_across_dst() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.schedule.when import format_when, parse_when

    zone = ZoneInfo("America/New_York")
    now = datetime(2026, 3, 7, 14, 0, tzinfo=UTC)  # 09:00 EST, the day before clocks go forward
    assert format_when(parse_when("+1d", now=now, zone=zone), zone) == "2026-03-08 09:00 EDT"
    assert format_when(parse_when("+24h", now=now, zone=zone), zone) == "2026-03-08 10:00 EDT"
