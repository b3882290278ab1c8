"""/stats: article, subscription, delivery and queue counts, and disabled channels."""

from __future__ import annotations

from bot.commands.texts.model import Plural, T

TEXTS: dict[str, T] = {
    "stats.header": T("Statistics", "统计", "統計"),
    "stats.articles": T("Articles: {counts}", "文章：{counts}", "文章：{counts}"),
    "stats.subscriptions": T("Subscriptions: {counts}", "订阅：{counts}", "訂閱：{counts}"),
    "stats.deliveries": T(
        "Deliveries in the last day: {sent} sent, {failed} failed, {pending} pending",
        "近一天发送：成功 {sent}，失败 {failed}，待发 {pending}",
        "近一天傳送：成功 {sent}，失敗 {failed}，待發 {pending}",
    ),
    "stats.queue": T("Queue: {count} waiting", "排期：{count} 条等待中", "排程：{count} 筆等待中"),
    "stats.none": T("none", "无", "無"),
    "stats.disabled": T("Disabled channels ({count}):", "已停用的频道（{count}）：", "已停用的頻道（{count}）："),
    "stats.disabled_item": T("{target}: {reason}", "{target}：{reason}", "{target}：{reason}"),
    "state.published": T("{n} published", "已发布 {n}", "已發布 {n}"),
    "state.held": T("{n} awaiting approval", "待批准 {n}", "待核准 {n}"),
    "state.scheduled": T("{n} scheduled", "定时 {n}", "定時 {n}"),
    "state.draft": T(Plural(by="n", one="{n} draft", other="{n} drafts"), "草稿 {n}", "草稿 {n}"),
    "state.removed": T("{n} removed", "已删除 {n}", "已刪除 {n}"),
}
