"""Managing a channel from a private chat (`/subscribe @channel …`), and the refusal to change a
chat that HERALD_CHANNELS already serves."""

from __future__ import annotations

from bot.commands.texts.model import T

TEXTS: dict[str, T] = {
    "channel.admin_only": T(
        "Only configured admins can manage a channel from here.",
        "只有配置的管理员可以在这里管理频道。",
        "只有設定的管理員可以在這裡管理頻道。",
    ),
    "channel.configured": T(
        "{ref} is in HERALD_CHANNELS: it gets every new article already, and only the configuration changes that.",
        "{ref} 已在 HERALD_CHANNELS 中：它已经会收到所有新文章，只能通过配置修改。",
        "{ref} 已在 HERALD_CHANNELS 中：它已經會收到所有新文章，只能透過設定修改。",
    ),
    "channel.not_found": T(
        "I cannot find {ref}: check the name, or give the channel's numeric id.",
        "我找不到 {ref}：请检查名称，或使用频道的数字 ID。",
        "我找不到 {ref}：請檢查名稱，或使用頻道的數字 ID。",
    ),
    "channel.cannot_post": T(
        "I cannot post in {ref}: add me as an administrator who can post messages, then try again.",
        "我无法在 {ref} 发消息：请把我设为可以发消息的管理员，然后再试。",
        "我無法在 {ref} 發訊息：請把我設為可以發訊息的管理員，然後再試。",
    ),
    "channel.answer": T(
        "{title} ({ref}):\n{text}",
        "{title}（{ref}）：\n{text}",
        "{title}（{ref}）：\n{text}",
    ),
}
