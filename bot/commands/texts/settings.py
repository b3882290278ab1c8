"""/settings: how a chat's cards arrive (silent, link preview, thumbnail, length, language), its
buttons, and what the panel's subscriptions page says about a subscription's options."""

from __future__ import annotations

from bot.commands.texts.model import T

TEXTS: dict[str, T] = {
    "settings.header": T("How new articles arrive in this chat:", "本聊天接收新文章的方式：", "此聊天室接收新文章的方式："),
    "settings.saved": T("Saved.", "已保存。", "已儲存。"),
    "settings.silent": T("Silent: {value}", "静音推送：{value}", "靜音推播：{value}"),
    "settings.preview": T("Link preview: {value}", "链接预览：{value}", "連結預覽：{value}"),
    "settings.thumbnail": T("Thumbnail: {value}", "缩略图：{value}", "縮圖：{value}"),
    "settings.length": T("Length: {value}", "长度：{value}", "長度：{value}"),
    "settings.lang": T("Language: {value}", "语言：{value}", "語言：{value}"),
    "settings.on": T("on", "开", "開"),
    "settings.off": T("off", "关", "關"),
    "settings.length.short": T("short", "简短", "簡短"),
    "settings.length.normal": T("normal", "正常", "正常"),
    "settings.length.title": T("title only", "仅标题", "僅標題"),
    "settings.lang.auto": T("auto", "自动", "自動"),
    "settings.hint": T(
        "Press a button to change one, or send /settings <name> <value>: silent on|off, preview on|off, "
        "thumbnail on|off, length short|normal|title, lang auto|en|zh-Hans|zh-Hant.",
        "按按钮修改，或发送 /settings <名称> <值>：silent on|off、preview on|off、thumbnail on|off、"
        "length short|normal|title、lang auto|en|zh-Hans|zh-Hant。",
        "按按鈕修改，或傳送 /settings <名稱> <值>：silent on|off、preview on|off、thumbnail on|off、"
        "length short|normal|title、lang auto|en|zh-Hans|zh-Hant。",
    ),
    "settings.unknown": T(
        "There is no setting called {name}. Settings: {names}.",
        "没有名为 {name} 的设置。可用设置：{names}。",
        "沒有名為 {name} 的設定。可用設定：{names}。",
    ),
    "settings.bad_value": T(
        "{name} takes {values}, not {value}.",
        "{name} 的值可以是 {values}，不能是 {value}。",
        "{name} 的值可以是 {values}，不能是 {value}。",
    ),
    "settings.no_value": T(
        "Say what {name} should be: {values}.",
        "请指定 {name} 的值：{values}。",
        "請指定 {name} 的值：{values}。",
    ),
    "settings.subscribe_first": T(
        "This chat is not subscribed. Send /subscribe first, then choose how articles arrive.",
        "本聊天还没有订阅。请先发送 /subscribe，再设置接收方式。",
        "此聊天室還沒有訂閱。請先傳送 /subscribe，再設定接收方式。",
    ),
    "settings.config": T(
        "This channel gets every article because the bot's configuration says so: its filters and digest are not "
        "changed from chat.",
        "本频道由机器人配置设定为接收全部文章，不能在聊天中更改过滤或摘要。",
        "此頻道依機器人的設定接收全部文章，不能在聊天室中更改過濾或摘要。",
    ),
    "settings.subscriptions": T("Settings: {settings}", "推送设置：{settings}", "推播設定：{settings}"),
    "settings.panel.options": T("Options", "选项", "選項"),
}
