"""/queue, /unqueue and /broadcast: the broadcast queue as admins see it."""

from __future__ import annotations

from bot.commands.texts.model import T

TEXTS: dict[str, T] = {
    "queue.added": T(
        "Queued #{qid}: article #{id} “{title}” goes out at {when}.",
        "已排期 #{qid}：文章 {id}“{title}”将于 {when} 发出。",
        "已排程 #{qid}：文章 {id}「{title}」將於 {when} 發出。",
    ),
    "queue.added_now": T(
        "Queued #{qid}: article #{id} “{title}” goes out now.",
        "已排期 #{qid}：文章 {id}“{title}”立即发出。",
        "已排程 #{qid}：文章 {id}「{title}」立即發出。",
    ),
    "queue.header": T(
        "Queue ({count}), times in {zone}:",
        "排期（共 {count} 条，时区 {zone}）：",
        "排程（共 {count} 筆，時區 {zone}）：",
    ),
    "queue.line": T(
        "#{qid} · {when} · article #{id} “{title}”",
        "#{qid} · {when} · 文章 {id}“{title}”",
        "#{qid} · {when} · 文章 {id}「{title}」",
    ),
    "queue.to": T(" → {target}", " → {target}", " → {target}"),
    "queue.hint": T(
        "Send /unqueue <number> to cancel one.",
        "发送 /unqueue <编号> 取消一条排期。",
        "傳送 /unqueue <編號> 取消一筆排程。",
    ),
    "queue.empty": T(
        "The queue is empty. Send /queue <article> [when] to add one.",
        "排期为空。发送 /queue <文章编号> [时间] 添加。",
        "排程為空。傳送 /queue <文章編號> [時間] 新增。",
    ),
    "unqueue.done": T(
        "Cancelled #{qid}: article #{id} “{title}” (was due {when}).",
        "已取消 #{qid}：文章 {id}“{title}”（原定 {when}）。",
        "已取消 #{qid}：文章 {id}「{title}」（原定 {when}）。",
    ),
    "unqueue.unknown": T(
        "There is no queue entry #{qid}. Send /queue to see the queue.",
        "没有编号为 {qid} 的排期。发送 /queue 查看排期。",
        "沒有編號為 {qid} 的排程。傳送 /queue 檢視排程。",
    ),
    "unqueue.not_waiting": T(
        "Queue entry #{qid} is {status}; only waiting entries can be cancelled.",
        "排期 #{qid} 的状态是 {status}，只能取消等待中的排期。",
        "排程 #{qid} 的狀態是 {status}，只能取消等待中的排程。",
    ),
    "broadcast.done": T(
        "Broadcasting article #{id} “{title}” now (queue entry #{qid}).",
        "正在广播文章 {id}“{title}”（排期 #{qid}）。",
        "正在廣播文章 {id}「{title}」（排程 #{qid}）。",
    ),
}
