"""/subscribe, /unsubscribe, /subscriptions and who may change a chat's subscription."""

from __future__ import annotations

from bot.commands.texts.model import Plural, T

TEXTS: dict[str, T] = {
    "sub.all": T(
        "Subscribed: this chat will get every new article.",
        "已订阅：本聊天将收到所有新文章。",
        "已訂閱：此聊天室將收到所有新文章。",
    ),
    "sub.some": T(
        "Subscribed: this chat will get new articles in {names}.",
        "已订阅：本聊天将收到这些分类的新文章：{names}。",
        "已訂閱：此聊天室將收到這些分類的新文章：{names}。",
    ),
    "sub.no_articles": T("There are no articles in {name} yet.", "{name}分类下还没有文章。", "{name}分類下還沒有文章。"),
    "sub.too_many": T(
        Plural(
            by="max",
            one="A chat follows at most {max} category; this would make {count}. Send /unsubscribe <category> to drop some "
                "first.",
            other="A chat follows at most {max} categories; this would make {count}. Send /unsubscribe <category> to drop some "
                  "first.",
        ),
        "每个聊天最多订阅 {max} 个分类，这样会有 {count} 个。请先用 /unsubscribe <分类> 移除一些。",
        "每個聊天室最多訂閱 {max} 個分類，這樣會有 {count} 個。請先用 /unsubscribe <分類> 移除一些。",
    ),
    "sub.hidden": T("{name} is not a category you can follow.", "{name}不是可以订阅的分类。", "{name}不是可以訂閱的分類。"),
    "sub.config": T(
        "This channel gets every article because the bot's configuration says so; an operator can change that.",
        "本频道由机器人配置设定为接收全部文章，如需更改请联系运维人员。",
        "此頻道依機器人的設定接收全部文章，如需更改請聯絡維運人員。",
    ),
    "unsub.all": T(
        "Unsubscribed: this chat will get no more new articles. Send /subscribe to start again.",
        "已退订：本聊天不会再收到新文章。发送 /subscribe 可重新订阅。",
        "已取消訂閱：此聊天室不會再收到新文章。傳送 /subscribe 可重新訂閱。",
    ),
    "unsub.not_subscribed": T(
        "This chat is not subscribed. Send /subscribe to get new articles.",
        "本聊天没有订阅。发送 /subscribe 订阅新文章。",
        "此聊天室沒有訂閱。傳送 /subscribe 訂閱新文章。",
    ),
    "unsub.removed": T(
        "Removed {names}. This chat still gets new articles in {rest}.",
        "已移除 {names}。本聊天仍会收到这些分类的新文章：{rest}。",
        "已移除 {names}。此聊天室仍會收到這些分類的新文章：{rest}。",
    ),
    "unsub.removed_last": T(
        "Removed {names}. No categories are left, so this chat will get no more new articles. Send /subscribe to start again.",
        "已移除 {names}。没有剩余的分类，本聊天不会再收到新文章。发送 /subscribe 可重新订阅。",
        "已移除 {names}。沒有剩餘的分類，此聊天室不會再收到新文章。傳送 /subscribe 可重新訂閱。",
    ),
    "unsub.not_following": T("This chat does not follow {names}.", "本聊天没有订阅 {names}。", "此聊天室沒有訂閱 {names}。"),
    "unsub.everything": T(
        "This chat gets every new article, so there is no category to remove. To get only some categories, send /subscribe "
        "<category>; to stop everything, send /unsubscribe all.",
        "本聊天接收全部文章，没有可移除的分类。只想接收部分分类，请发送 /subscribe <分类>；停止全部推送，请发送 /unsubscribe "
        "all。",
        "此聊天室接收全部文章，沒有可移除的分類。只想接收部分分類，請傳送 /subscribe <分類>；停止全部推播，請傳送 /unsubscribe "
        "all。",
    ),
    "subs.none": T(
        "This chat is not subscribed. Send /subscribe to get new articles.",
        "本聊天没有订阅。发送 /subscribe 订阅新文章。",
        "此聊天室沒有訂閱。傳送 /subscribe 訂閱新文章。",
    ),
    "subs.all": T("This chat gets every new article.", "本聊天接收所有新文章。", "此聊天室接收所有新文章。"),
    "subs.some": T(
        "This chat gets new articles in {names}.",
        "本聊天接收这些分类的新文章：{names}。",
        "此聊天室接收這些分類的新文章：{names}。",
    ),
    "subs.config": T(
        "This channel gets every new article (set in the bot's configuration).",
        "本频道接收所有新文章（由机器人配置设定）。",
        "此頻道接收所有新文章（依機器人的設定）。",
    ),
    "perm.chat_admin": T(
        "Sorry, only admins of this chat can change its subscriptions.",
        "抱歉，只有本聊天的管理员可以更改订阅。",
        "抱歉，只有此聊天室的管理員可以更改訂閱。",
    ),
}
