"""Texts the platform adapters show around the core's replies: Discord's permission names and
its "cannot post here" answer, the slash commands' `public` option, the console's prompt and
image lines, a card's stand-in title, and the word for an answer that has nothing else to say.
"""

from __future__ import annotations

from bot.commands.texts.model import T

TEXTS: dict[str, T] = {
    # --- Discord: the permissions a channel must grant before /subscribe, as Discord names them ---
    "discord.perm.view_channel": T("View Channel", "查看频道", "檢視頻道"),
    "discord.perm.send_messages": T("Send Messages", "发送消息", "傳送訊息"),
    "discord.perm.send_messages_in_threads": T("Send Messages in Threads", "在子区中发送消息", "在討論串中傳送訊息"),
    "discord.perm.embed_links": T("Embed Links", "嵌入链接", "嵌入連結"),
    "discord.perm.attach_files": T("Attach Files", "附加文件", "附加檔案"),
    "discord.missing_permissions": T(
        "I can't post in this channel yet: I'm missing {names}. Ask a server admin to give me "
        "these permissions here, then run /subscribe again.",
        "我还不能在这个频道发消息：缺少{names}权限。请服务器管理员在此频道授予这些权限，然后再运行 /subscribe。",
        "我還不能在這個頻道發訊息：缺少{names}權限。請伺服器管理員在此頻道授予這些權限，然後再執行 /subscribe。",
    ),
    "discord.option.public": T(
        "Show the answer to everyone in this channel",
        "将回复展示给频道里的所有人",
        "將回覆展示給頻道裡的所有人",
    ),
    # --- any platform ---
    "reply.done": T("Done.", "完成。", "完成。"),
    "card.untitled": T("Untitled", "无标题", "無標題"),
    # --- the console ---
    "console.not_a_command": T(
        "Commands start with /. Try /help.", "命令以 / 开头。试试 /help。", "命令以 / 開頭。試試 /help。"
    ),
    "console.image": T("[image] {url}", "[图片] {url}", "[圖片] {url}"),
    "console.image_alt": T("[image: {alt}] {url}", "[图片：{alt}] {url}", "[圖片：{alt}] {url}"),
    "console.card_image": T("Image: {url}", "图片：{url}", "圖片：{url}"),
}
