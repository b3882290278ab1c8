"""`/digest`'s arguments and the next due time: what a chat types, and when its digest comes,
across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands.texts import CATALOGUE
from bot.digests import WEEKDAYS, DigestSchedule
from bot.digests.times import DigestError, next_digest_at, parse_digest

BERLIN = ZoneInfo("Europe/Berlin")
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Shanghai", "UTC",
         "America/Santiago", "Pacific/Chatham", "Asia/Kolkata"]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["daily", "08:00"], DigestSchedule("daily", 8, 0)),
        (["DAILY", "8:05"], DigestSchedule("daily", 8, 5)),
        (["weekly", "mon", "08:00"], DigestSchedule("weekly", 8, 0, 0)),
        (["weekly", "Sunday", "23:59"], DigestSchedule("weekly", 23, 59, 6)),
        (["weekly", "周三", "07:30"], DigestSchedule("weekly", 7, 30, 2)),
        (["weekly", "星期日", "07:30"], DigestSchedule("weekly", 7, 30, 6)),
        (["每周", "週五", "０８：００"], DigestSchedule("weekly", 8, 0, 4)),
        (["daily", "08:00", "Europe/Berlin"], DigestSchedule("daily", 8, 0, None, "Europe/Berlin")),
        (["daily", "08:00", "europe/berlin"], DigestSchedule("daily", 8, 0, None, "Europe/Berlin")),
        (["weekly", "fri", "18:00", "Asia/Shanghai"], DigestSchedule("weekly", 18, 0, 4, "Asia/Shanghai")),
        (["off"], None),
    ],
)
def test_the_forms_a_chat_types_are_read(words: list[str], expected: DigestSchedule | None) -> None:
    assert parse_digest(words) == expected


@pytest.mark.parametrize(
    ("words", "key"),
    [
        ([], "digest.err.usage"),
        (["hourly", "08:00"], "digest.err.usage"),
        (["daily"], "digest.err.time_missing"),
        (["daily", "24:00"], "digest.err.time"),
        (["daily", "8"], "digest.err.time"),
        (["daily", "08:60"], "digest.err.time"),
        (["weekly"], "digest.err.day_missing"),
        (["weekly", "someday", "08:00"], "digest.err.day"),
        (["weekly", "mon"], "digest.err.time_missing"),
        (["daily", "08:00", "Mars/Olympus"], "digest.err.zone"),
        (["daily", "08:00", "../../etc/passwd"], "digest.err.zone"),
        (["daily", "08:00", "A" * 65], "digest.err.zone"),
        (["daily", "08:00", "UTC", "extra"], "digest.err.extra"),
        (["off", "now"], "digest.err.extra"),
    ],
)
def test_what_cannot_be_used_is_refused_with_a_reason(words: list[str], key: str) -> None:
    with pytest.raises(DigestError) as caught:
        parse_digest(words)
    assert caught.value.key == key
    assert str(caught.value)  # the English text fills in without a missing value


def test_every_error_and_line_has_all_three_languages() -> None:
    keys = [key for key in CATALOGUE if key.startswith("digest.") and not key.startswith("digest.cmd.")]
    assert {"digest.err.usage", "digest.header", "digest.more"} <= set(keys)
    for key in keys:
        assert all(CATALOGUE[key])


_WORD = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["daily", "weekly", "off", "mon", "sun", "周一", "08:00", "23:59", "24:00", "7:5",
                     "Europe/Berlin", "UTC", "Etc/GMT+5", "/", "..", "\x00", "ｗｅｅｋｌｙ", "０８：００"]),
)


@given(st.lists(_WORD, max_size=6))
def test_any_words_give_a_schedule_off_or_the_digest_error(words: list[str]) -> None:
    try:
        schedule = parse_digest(words)
    except DigestError as exc:
        assert exc.key in CATALOGUE
        return
    if schedule is not None:
        again = [schedule.every]
        if schedule.weekday is not None:
            again.append(WEEKDAYS[schedule.weekday])
        again.append(schedule.time)
        if schedule.zone:
            again.append(schedule.zone)
        assert parse_digest(again) == schedule


@given(st.integers(0, 23), st.integers(0, 59), st.one_of(st.none(), st.integers(0, 6)))
def test_accepted_times_round_trip_through_hh_mm(hour: int, minute: int, weekday: int | None) -> None:
    words = ["daily"] if weekday is None else ["weekly", WEEKDAYS[weekday]]
    schedule = parse_digest([*words, f"{hour}:{minute:02d}"])
    assert schedule is not None and schedule.time == f"{hour:02d}:{minute:02d}"
    assert parse_digest([*words, schedule.time]) == schedule


def _gap_day(moment: datetime, zone: ZoneInfo) -> bool:
    """Whether the local day of `moment` has a daylight-saving change (its UTC offset moves)."""
    local = moment.astimezone(zone)
    start = datetime(local.year, local.month, local.day, tzinfo=zone)
    end = start + timedelta(days=1)
    return start.utcoffset() != end.utcoffset() or start.utcoffset() != local.utcoffset()


_AFTER = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC))


@given(
    st.integers(0, 23), st.integers(0, 59), st.one_of(st.none(), st.integers(0, 6)), st.sampled_from(ZONES), _AFTER
)
def test_the_next_time_is_later_and_shows_the_chosen_wall_time(
    hour: int, minute: int, weekday: int | None, zone_name: str, after: datetime
) -> None:
    schedule = DigestSchedule("daily" if weekday is None else "weekly", hour, minute, weekday, zone_name)
    zone = ZoneInfo(zone_name)
    due = next_digest_at(schedule, "UTC", after)
    assert due > after and due.tzinfo is not None and due.utcoffset() == timedelta(0)
    local = due.astimezone(zone)
    if not _gap_day(due, zone):
        assert (local.hour, local.minute) == (hour, minute)
    if weekday is not None:
        assert local.weekday() == weekday or _gap_day(due, zone)
        assert due - after <= timedelta(days=7, hours=2)
    else:
        following = next_digest_at(schedule, "UTC", due)
        assert timedelta(0) < following - due <= timedelta(hours=25)
        assert following.astimezone(zone).date() > local.date()


def test_berlin_daily_0800_is_0700_utc_before_the_march_change_and_0600_after() -> None:
    schedule = DigestSchedule("daily", 8, 0, None, "Europe/Berlin")
    moment = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    seen = []
    for _ in range(4):
        moment = next_digest_at(schedule, "UTC", moment)
        seen.append(moment)
    assert seen == [
        datetime(2026, 3, 28, 7, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 6, 0, tzinfo=UTC),
        datetime(2026, 3, 30, 6, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 6, 0, tzinfo=UTC),
    ]


def test_a_time_in_the_autumn_repeated_hour_comes_once_that_day() -> None:
    schedule = DigestSchedule("daily", 2, 30, None, "Europe/Berlin")
    first = next_digest_at(schedule, "UTC", datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    second = next_digest_at(schedule, "UTC", first)
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert second.astimezone(BERLIN).date().isoformat() == "2026-10-26"


def test_a_time_in_the_spring_gap_comes_just_after_it() -> None:
    schedule = DigestSchedule("daily", 2, 30, None, "Europe/Berlin")
    due = next_digest_at(schedule, "UTC", datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    assert due.astimezone(BERLIN).date().isoformat() == "2026-03-29"
    assert datetime(2026, 3, 29, 1, 0, tzinfo=UTC) <= due <= datetime(2026, 3, 29, 2, 0, tzinfo=UTC)


def test_no_zone_means_the_configured_one() -> None:
    schedule = DigestSchedule("weekly", 9, 0, 0)
    due = next_digest_at(schedule, ZoneInfo("Asia/Shanghai"), datetime(2026, 12, 2, tzinfo=UTC))
    assert due == datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
    assert next_digest_at(schedule, "Asia/Shanghai", datetime(2026, 12, 2, tzinfo=UTC)) == due
