"""Command and option descriptions for menus, slash commands and /help.

A command's English description is the first line of its handler's docstring (bot/commands/table.py),
so the `cmd.*` entries leave English empty."""

from __future__ import annotations

from bot.commands.texts.model import T

TEXTS: dict[str, T] = {
    "cmd.start": T("", "开始使用，查看简介", "開始使用，檢視簡介"),
    "cmd.help": T("", "列出全部命令", "列出全部指令"),
    "cmd.subscribe": T("", "订阅新文章（可指定分类；不指定则接收全部）", "訂閱新文章（可指定分類；不指定則接收全部）"),
    "cmd.unsubscribe": T("", "退订部分分类，或用 all 全部退订", "取消訂閱部分分類，或用 all 全部取消訂閱"),
    "cmd.subscriptions": T("", "查看本聊天的订阅", "檢視此聊天室的訂閱"),
    "cmd.latest": T("", "查看最新文章（默认 5 篇，最多 20 篇）", "檢視最新文章（預設 5 篇，最多 20 篇）"),
    "cmd.category": T("", "查看某个分类的最新文章", "檢視某個分類的最新文章"),
    "cmd.categories": T("", "列出所有分类及文章数", "列出所有分類及文章數"),
    "cmd.read": T("", "按编号阅读全文", "按編號閱讀全文"),
    "cmd.queue": T("", "管理员：排期广播文章，或查看排期", "管理員：排程廣播文章，或檢視排程"),
    "cmd.unqueue": T("", "管理员：取消一条排期", "管理員：取消一筆排程"),
    "cmd.broadcast": T("", "管理员：立即广播文章", "管理員：立即廣播文章"),
    "cmd.approve": T("", "管理员：批准待发布的文章", "管理員：核准待發布的文章"),
    "cmd.stats": T("", "管理员：查看统计", "管理員：檢視統計"),
    "opt.categories": T("Categories, separated by commas", "分类，多个用逗号分隔", "分類，多個用逗號分隔"),
    "opt.unsubscribe.categories": T(
        "Categories to remove, or all",
        "要移除的分类，或 all 表示全部退订",
        "要移除的分類，或 all 表示全部取消訂閱",
    ),
    "opt.n": T("How many articles (at most {max})", "文章数量（最多 {max} 篇）", "文章數量（最多 {max} 篇）"),
    "opt.name": T("Category name", "分类名称", "分類名稱"),
    "opt.id": T("Article number", "文章编号", "文章編號"),
    "opt.when": T(
        "When: 2026-12-01 09:00, 09:00, +30m, +2h, +1d",
        "时间：2026-12-01 09:00、09:00、+30m、+2h、+1d",
        "時間：2026-12-01 09:00、09:00、+30m、+2h、+1d",
    ),
    "opt.queue_id": T("Queue entry number", "排期编号", "排程編號"),
}
