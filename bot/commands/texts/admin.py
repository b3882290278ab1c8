"""Admin commands: the admins-only refusal, articles that cannot be broadcast, approving held articles."""

from __future__ import annotations

from bot.commands.texts.model import Plural, T

TEXTS: dict[str, T] = {
    "perm.admin": T(
        "Sorry, /{command} is only for the bot's admins.",
        "抱歉，/{command} 仅限机器人管理员使用。",
        "抱歉，/{command} 僅限機器人管理員使用。",
    ),
    "admin.unknown_article": T(
        "There is no article #{id}. Send /latest to see recent ones.",
        "没有编号为 {id} 的文章。发送 /latest 查看最新文章。",
        "沒有編號為 {id} 的文章。傳送 /latest 檢視最新文章。",
    ),
    "admin.draft": T(
        "Article #{id} is a draft; drafts are never published.",
        "文章 {id} 是草稿，草稿不会发布。",
        "文章 {id} 是草稿，草稿不會發布。",
    ),
    "admin.removed": T(
        "Article #{id} was removed from the site; it cannot be sent.",
        "文章 {id} 已从网站删除，无法发送。",
        "文章 {id} 已從網站刪除，無法傳送。",
    ),
    "admin.scheduled": T(
        "Article #{id} is dated {when}; it is published by itself then.",
        "文章 {id} 的发布时间是 {when}，届时会自动发布。",
        "文章 {id} 的發布時間是 {when}，屆時會自動發布。",
    ),
    "admin.not_sendable": T(
        "Article #{id} cannot be sent (it is {state}).",
        "文章 {id} 无法发送（状态：{state}）。",
        "文章 {id} 無法傳送（狀態：{state}）。",
    ),
    "admin.bad_target": T("{reason}", "目标无法识别：{reason}", "目標無法辨識：{reason}"),
    "approve.done": T(
        Plural(
            by="count",
            one="Approved article #{id} “{title}”: published, {count} delivery queued.",
            other="Approved article #{id} “{title}”: published, {count} deliveries queued.",
        ),
        "已批准文章 {id}“{title}”：已发布，排队发送 {count} 条。",
        "已核准文章 {id}「{title}」：已發布，排入 {count} 則待傳送訊息。",
    ),
    "approve.already": T("Article #{id} is already published.", "文章 {id} 已经发布。", "文章 {id} 已經發布。"),
    "approve.skipped": T(
        "Skipped article #{id} “{title}”: it stays unpublished. Send /approve {id} to publish it later.",
        "已跳过文章 {id}“{title}”：暂不发布。之后可发送 /approve {id} 发布。",
        "已跳過文章 {id}「{title}」：暫不發布。之後可傳送 /approve {id} 發布。",
    ),
    "approve.request": T(
        "New article waiting for approval: #{id} “{title}”\n{excerpt}",
        "有新文章等待批准：{id}“{title}”\n{excerpt}",
        "有新文章等待核准：{id}「{title}」\n{excerpt}",
    ),
    "approve.waiting": T(
        "⏳ Waiting for approval: article #{id}. Approve, Queue or Skip below, or send /approve {id}.",
        "⏳ 等待批准：文章 {id}。请点击下方的批准、排期或跳过，或发送 /approve {id}。",
        "⏳ 等待核准：文章 {id}。請點選下方的核准、排程或跳過，或傳送 /approve {id}。",
    ),
    "button.approve": T("Approve", "批准", "核准"),
    "button.queue": T("Queue", "排期", "排程"),
    "button.skip": T("Skip", "跳过", "跳過"),
}
