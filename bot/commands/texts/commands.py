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
    "cmd.filter": T(
        "", "按关键词（+词、-词）或 /正则/ 过滤新文章；clear 清除", "按關鍵詞（+詞、-詞）或 /正規/ 過濾新文章；clear 清除"
    ),
    "cmd.digest": T(
        "",
        "改为每天或每周收到一条新文章摘要：daily 08:00、weekly mon 08:00、off",
        "改為每天或每週收到一則新文章摘要：daily 08:00、weekly mon 08:00、off",
    ),
    "cmd.settings": T(
        "", "设置新文章的推送方式：静音、链接预览、缩略图、长度、语言", "設定新文章的推播方式：靜音、連結預覽、縮圖、長度、語言"
    ),
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
    "opt.filters": T(
        "+word, -word, /regex/, -/regex/, or clear",
        "+词、-词、/正则/、-/正则/，或 clear",
        "+詞、-詞、/正規/、-/正規/，或 clear",
    ),
    "opt.digest": T(
        "daily 08:00, weekly mon 08:00 (a zone may follow), or off",
        "daily 08:00、weekly mon 08:00（可加时区），或 off",
        "daily 08:00、weekly mon 08:00（可加時區），或 off",
    ),
    "opt.setting": T(
        "silent, preview, thumbnail, length or lang",
        "silent、preview、thumbnail、length 或 lang",
        "silent、preview、thumbnail、length 或 lang",
    ),
    "opt.setting_value": T(
        "on/off; short/normal/title; auto/en/zh-Hans/zh-Hant",
        "on/off；short/normal/title；auto/en/zh-Hans/zh-Hant",
        "on/off；short/normal/title；auto/en/zh-Hans/zh-Hant",
    ),
    "opt.queue_id": T("Queue entry number", "排期编号", "排程編號"),
}
