"""/filter and /digest replies (their argument errors are `filter.err.*` and `digest.err.*`)."""

from __future__ import annotations

from bot.commands.texts.model import Plural, T

TEXTS: dict[str, T] = {
    "filter.none": T(
        "This chat has no filters: it gets every new article it is subscribed to.",
        "本聊天没有设置过滤：会收到订阅范围内的所有新文章。",
        "此聊天室沒有設定過濾：會收到訂閱範圍內的所有新文章。",
    ),
    "filter.header": T(
        Plural(by="count", one="This chat's filter ({count}):", other="This chat's filters ({count}):"),
        "本聊天的过滤（{count} 条）：",
        "此聊天室的過濾（{count} 條）：",
    ),
    "filter.added": T(
        "Filters saved. This chat's filters now ({count}):",
        "过滤已保存，本聊天现有 {count} 条：",
        "過濾已儲存，此聊天室現有 {count} 條：",
    ),
    "filter.cleared": T(
        "Filters cleared: this chat gets every new article it is subscribed to.",
        "已清除过滤：本聊天将收到订阅范围内的所有新文章。",
        "已清除過濾：此聊天室將收到訂閱範圍內的所有新文章。",
    ),
    "filter.usage": T(
        "/filter +word keeps only articles that mention a word, -word drops those that do, /regex/ and -/regex/ do the "
        "same with a regular expression, /filter clear removes them all. Titles, categories, tags and excerpts are "
        "searched, whatever the case or width; an exclude wins over an include. A phrase is written as /an expression/.",
        "/filter +词 只接收提到该词的文章，-词 排除提到它的文章，/正则/ 和 -/正则/ 用正则表达式做同样的事，"
        "/filter clear 清除全部过滤。匹配标题、分类、标签和摘要，不区分大小写和全半角；排除优先于包含。"
        "含空格的短语请写成 /正则/。",
        "/filter +詞 只接收提到該詞的文章，-詞 排除提到它的文章，/正規/ 和 -/正規/ 用正規表示式做同樣的事，"
        "/filter clear 清除全部過濾。比對標題、分類、標籤和摘要，不區分大小寫和全形半形；排除優先於包含。"
        "含空格的片語請寫成 /正規/。",
    ),
    "filter.too_many": T(
        "A chat has at most {max} filters; this would make {count}. Send /filter clear to start again.",
        "每个聊天最多 {max} 条过滤，这样会有 {count} 条。发送 /filter clear 可重新设置。",
        "每個聊天室最多 {max} 條過濾，這樣會有 {count} 條。傳送 /filter clear 可重新設定。",
    ),
    "filter.subscriptions": T("Filters: {filters}", "过滤：{filters}", "過濾：{filters}"),
    "digest.cmd.off": T(
        "No digest: new articles arrive here as they are published.",
        "未开启摘要：新文章发布后即推送到这里。",
        "未開啟摘要：新文章發布後即推播到這裡。",
    ),
    "digest.cmd.stopped": T(
        "Digest off: new articles arrive here as they are published again.",
        "摘要已关闭：新文章将在发布后即推送到这里。",
        "摘要已關閉：新文章將在發布後即推播到這裡。",
    ),
    "digest.cmd.daily": T("every day at {time} ({zone})", "每天 {time}（{zone}）", "每天 {time}（{zone}）"),
    "digest.cmd.weekly": T("every {day} at {time} ({zone})", "每{day} {time}（{zone}）", "每{day} {time}（{zone}）"),
    "digest.cmd.days": T(
        "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday",
        "周一,周二,周三,周四,周五,周六,周日",
        "週一,週二,週三,週四,週五,週六,週日",
    ),
    "digest.cmd.current": T(
        "Digest {schedule}: one message lists the new articles instead of each one as it comes. Next: {next}.",
        "摘要{schedule}：用一条消息列出新文章，不再逐篇推送。下一次：{next}。",
        "摘要{schedule}：用一則訊息列出新文章，不再逐篇推播。下一次：{next}。",
    ),
    "digest.cmd.set": T(
        "Digest set {schedule}: new articles are collected and listed in one message. The first one comes {next}; "
        "it is skipped when there is nothing new.",
        "已设置摘要{schedule}：新文章会汇总在一条消息中。第一次在 {next}；没有新文章时不发送。",
        "已設定摘要{schedule}：新文章會彙整在一則訊息中。第一次在 {next}；沒有新文章時不傳送。",
    ),
    "digest.cmd.usage": T(
        "Send /digest daily 08:00, /digest weekly mon 08:00 (a zone such as Europe/Berlin may follow), or /digest off.",
        "发送 /digest daily 08:00、/digest weekly mon 08:00（后面可加时区，如 Asia/Shanghai），或 /digest off。",
        "傳送 /digest daily 08:00、/digest weekly mon 08:00（後面可加時區，如 Asia/Taipei），或 /digest off。",
    ),
    "digest.cmd.subscriptions": T(
        "Digest: {schedule}, next {next}", "摘要：{schedule}，下一次 {next}", "摘要：{schedule}，下一次 {next}"
    ),
}
