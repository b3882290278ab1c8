"""Times and slots admins type (why one cannot be used, and what would work), and the admins'
notice about queued broadcasts Herald missed while it was down."""

from __future__ import annotations

from bot.commands.texts.model import Plural, T

_FORMS = T(
    "2026-12-01 09:00, 09:00 (the next time it is 09:00), +30m, +2h, +1d or +1h30m",
    "2026-12-01 09:00、09:00（下一个 09:00）、+30m、+2h、+1d 或 +1h30m",
    "2026-12-01 09:00、09:00（下一個 09:00）、+30m、+2h、+1d 或 +1h30m",
)
"""The time forms admins may type, shown after every refusal that is about the form."""


def _with_forms(en: str, zh_hans: str, zh_hant: str) -> T:
    return T(f"{en}{_FORMS.en}", f"{zh_hans}{_FORMS.zh_hans}", f"{zh_hant}{_FORMS.zh_hant}")


TEXTS: dict[str, T] = {
    "when.empty": _with_forms("no time given; write one of: ", "没有给出时间；可以这样写：", "沒有給出時間；可以這樣寫："),
    "when.not_date": _with_forms(
        "{text!r} is not a real date; write one of: ",
        "「{text}」不是有效的日期；可以这样写：",
        "「{text}」不是有效的日期；可以這樣寫：",
    ),
    "when.not_time": _with_forms(
        "{text!r} is not a time; write one of: ",
        "「{text}」不是时间；可以这样写：",
        "「{text}」不是時間；可以這樣寫：",
    ),
    "when.not_time_of_day": _with_forms(
        "{text!r} is not a time of day (00:00 to 23:59); write one of: ",
        "「{text}」不是一天中的时间（00:00 到 23:59）；可以这样写：",
        "「{text}」不是一天中的時間（00:00 到 23:59）；可以這樣寫：",
    ),
    "when.not_duration": T(
        "{text!r} is not a duration; write it like +30m, +2h, +1d or +1h30m",
        "「{text}」不是时长；请写成 +30m、+2h、+1d 或 +1h30m",
        "「{text}」不是時長；請寫成 +30m、+2h、+1d 或 +1h30m",
    ),
    "when.past": T(
        "{text} is in the past (it is now {now})",
        "{text} 已经过去了（现在是 {now}）",
        "{text} 已經過去了（現在是 {now}）",
    ),
    "when.too_far": T(
        "{text} is too far ahead (at most {days} days)",
        "{text} 太远了（最多 {days} 天之后）",
        "{text} 太遠了（最多 {days} 天之後）",
    ),
    "slots.bad": T(
        "queue slot {text!r} is not a time of day; write slots as HH:MM, e.g. 09:00,13:00,18:00",
        "排期时段「{text}」不是一天中的时间；时段请写成 HH:MM，例如 09:00,13:00,18:00",
        "排程時段「{text}」不是一天中的時間；時段請寫成 HH:MM，例如 09:00,13:00,18:00",
    ),
    "slots.full": T(
        "every queue slot in the next {days} days is taken; give a time instead",
        "未来 {days} 天的排期时段都已占满；请指定时间",
        "未來 {days} 天的排程時段都已佔滿；請指定時間",
    ),
    "queue.missed.header": T(
        Plural(by="count", one="Queued broadcast not sent ({count}):", other="Queued broadcasts not sent ({count}):"),
        "以下排期广播未发出（{count} 条）：",
        "以下排程廣播未發出（{count} 筆）：",
    ),
    "queue.missed.line": T(
        "#{qid} · article #{id}: {note}",
        "#{qid} · 文章 {id}：{note}",
        "#{qid} · 文章 {id}：{note}",
    ),
    "queue.missed.note": T(
        "missed by {late} (more than the {grace} grace); not sent",
        "错过了 {late}（超过 {grace} 的宽限）；未发出",
        "錯過了 {late}（超過 {grace} 的寬限）；未發出",
    ),
}
