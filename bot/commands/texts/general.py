"""Greetings, /help, and the replies any command may give: unknown command, usage, bad arguments,
failures; and how category names are quoted and listed."""

from __future__ import annotations

from bot.commands.texts.model import Plural, T

TEXTS: dict[str, T] = {
    "start": T(
        "Hi! I post new articles here as soon as they are published.\nSend /latest for the newest, /categories to browse, "
        "/subscribe to get new ones automatically.\n/help lists everything I can do.",
        "你好！文章一发布，我就会推送到这里。\n发送 /latest 查看最新文章，/categories 浏览分类，/subscribe 自动接收新文章。\n"
        "/help 查看全部命令。",
        "你好！文章一發布，我就會推播到這裡。\n傳送 /latest 檢視最新文章，/categories 瀏覽分類，/subscribe 自動接收新文章。\n"
        "/help 檢視全部指令。",
    ),
    "start.site": T(
        "Hi! I post new articles from {site} here as soon as they are published.\nSend /latest for the newest, /categories to "
        "browse, /subscribe to get new ones automatically.\n/help lists everything I can do.",
        "你好！{site} 的文章一发布，我就会推送到这里。\n发送 /latest 查看最新文章，/categories 浏览分类，/subscribe "
        "自动接收新文章。\n/help 查看全部命令。",
        "你好！{site} 的文章一發布，我就會推播到這裡。\n傳送 /latest 檢視最新文章，/categories 瀏覽分類，/subscribe "
        "自動接收新文章。\n/help 檢視全部指令。",
    ),
    "help.header": T("Commands:", "命令：", "指令："),
    "help.admin_header": T("Admin commands:", "管理员命令：", "管理員指令："),
    "help.notes": T(
        "Category names match whatever the case or width. /subscribe with no category gets every article; with categories, "
        "only those. /unsubscribe <category> removes just that one (removing the last one stops all messages); /unsubscribe or "
        "/unsubscribe all stops everything. /filter, /digest and /settings tune which articles arrive and how. In groups "
        "and channels anyone may look at them, but only chat admins change subscriptions and their options.",
        "分类名称不区分大小写和全半角。/subscribe 不带分类会接收全部文章，带分类则只接收这些分类。/unsubscribe <分类> "
        "只移除该分类（移除最后一个分类即停止推送）；/unsubscribe 或 /unsubscribe all 停止全部推送。"
        "/filter、/digest 和 /settings 设置接收哪些文章以及如何接收。"
        "群组和频道中所有人都可以查看，但只有管理员可以更改订阅及其设置。",
        "分類名稱不區分大小寫和全形半形。/subscribe 不帶分類會接收全部文章，帶分類則只接收這些分類。/unsubscribe <分類> "
        "只移除該分類（移除最後一個分類即停止推播）；/unsubscribe 或 /unsubscribe all 停止全部推播。"
        "/filter、/digest 和 /settings 設定接收哪些文章以及如何接收。"
        "群組和頻道中所有人都可以檢視，但只有管理員可以更改訂閱及其設定。",
    ),
    "unknown_command": T(
        "I don't know /{command}. Send /help to see what I can do.",
        "没有 /{command} 这个命令。发送 /help 查看可用命令。",
        "沒有 /{command} 這個指令。傳送 /help 檢視可用指令。",
    ),
    "usage": T("Usage: {usage}", "用法：{usage}", "用法：{usage}"),
    "error.internal": T(
        "Sorry, something went wrong. Please try again later.",
        "抱歉，出了点问题，请稍后再试。",
        "抱歉，出了點問題，請稍後再試。",
    ),
    "action.expired": T(
        "This button no longer works. Please send the command again.",
        "这个按钮已失效，请重新发送命令。",
        "這個按鈕已失效，請重新傳送指令。",
    ),
    "arg.too_long": T(
        Plural(
            by="max",
            one="That is too long: /{command} takes at most {max} character.",
            other="That is too long: /{command} takes at most {max} characters.",
        ),
        "内容太长：/{command} 最多接受 {max} 个字符。",
        "內容太長：/{command} 最多接受 {max} 個字元。",
    ),
    "arg.bad_id": T(
        "Numbers here are whole numbers from 1 to {max}. Send /latest to see recent articles.",
        "编号应为 1 到 {max} 之间的整数。发送 /latest 查看最新文章。",
        "編號應為 1 到 {max} 之間的整數。傳送 /latest 檢視最新文章。",
    ),
    "arg.name_too_long": T(
        Plural(
            by="max",
            one="Category names are at most {max} character long. Send /categories to see them all.",
            other="Category names are at most {max} characters long. Send /categories to see them all.",
        ),
        "分类名称最多 {max} 个字符。发送 /categories 查看全部分类。",
        "分類名稱最多 {max} 個字元。傳送 /categories 檢視全部分類。",
    ),
    "names.sep": T(", ", "、", "、"),
    "quoted": T("“{name}”", "“{name}”", "「{name}」"),
}
