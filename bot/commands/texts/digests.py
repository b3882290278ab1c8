"""Digests: why `/digest`'s arguments cannot be used, and the digest message's own lines."""

from __future__ import annotations

from bot.commands.texts.model import Plural, T

TEXTS: dict[str, T] = {
    "digest.err.usage": T(
        "Send /digest daily HH:MM, /digest weekly DAY HH:MM (DAY: mon…sun) or /digest off; "
        "a time zone may follow, e.g. /digest daily 08:00 Europe/Berlin.",
        "请发送 /digest daily HH:MM、/digest weekly 星期 HH:MM（星期：mon…sun 或 周一…周日）或 /digest off；"
        "后面可加时区，例如 /digest daily 08:00 Asia/Shanghai。",
        "請傳送 /digest daily HH:MM、/digest weekly 星期 HH:MM（星期：mon…sun 或 週一…週日）或 /digest off；"
        "後面可加時區，例如 /digest daily 08:00 Asia/Taipei。",
    ),
    "digest.err.time_missing": T(
        "Which time? E.g. /digest daily 08:00.",
        "几点？例如 /digest daily 08:00。",
        "幾點？例如 /digest daily 08:00。",
    ),
    "digest.err.time": T(
        "“{text}” is not a time of day: use HH:MM from 00:00 to 23:59, e.g. 08:00.",
        "“{text}”不是有效的时刻：请用 00:00 到 23:59 之间的 HH:MM，例如 08:00。",
        "「{text}」不是有效的時刻：請用 00:00 到 23:59 之間的 HH:MM，例如 08:00。",
    ),
    "digest.err.day_missing": T(
        "Which day of the week? E.g. /digest weekly mon 08:00.",
        "每周哪一天？例如 /digest weekly mon 08:00 或 /digest weekly 周一 08:00。",
        "每週哪一天？例如 /digest weekly mon 08:00 或 /digest weekly 週一 08:00。",
    ),
    "digest.err.day": T(
        "“{text}” is not a day of the week: use mon, tue, wed, thu, fri, sat or sun.",
        "“{text}”不是星期几：请用 mon…sun 或 周一…周日。",
        "「{text}」不是星期幾：請用 mon…sun 或 週一…週日。",
    ),
    "digest.err.zone": T(
        "“{text}” is not a time zone: use an IANA name such as Europe/Berlin or Asia/Shanghai.",
        "“{text}”不是时区：请用 IANA 时区名，例如 Asia/Shanghai 或 Europe/Berlin。",
        "「{text}」不是時區：請用 IANA 時區名，例如 Asia/Taipei 或 Europe/Berlin。",
    ),
    "digest.err.extra": T(
        "Unexpected “{text}”. Send /digest daily HH:MM [zone], /digest weekly DAY HH:MM [zone] or /digest off.",
        "多余的“{text}”。请发送 /digest daily HH:MM [时区]、/digest weekly 星期 HH:MM [时区] 或 /digest off。",
        "多餘的「{text}」。請傳送 /digest daily HH:MM [時區]、/digest weekly 星期 HH:MM [時區] 或 /digest off。",
    ),
    "digest.header": T(
        Plural("count", "Digest · {count} new article", "Digest · {count} new articles"),
        "摘要 · {count} 篇新文章",
        "摘要 · {count} 篇新文章",
    ),
    "digest.more": T(
        "…and {count} more",
        "……另有 {count} 篇",
        "……另有 {count} 篇",
    ),
}
