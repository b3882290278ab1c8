"""The message catalogue: every text the commands say, in English and Simplified Chinese.

Catalogue strings are `str.format` templates filled with keyword arguments only; user text is
only ever a value, never a template.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal

from bot.commands.texts import CATALOGUE, Plural

Lang = Literal["en", "zh", "zh-Hant"]
"""Reply languages: English, Simplified Chinese ("zh") and Traditional Chinese ("zh-Hant")."""

_CATALOGUE: MappingProxyType[str, tuple[str, str]] = MappingProxyType({
    # --- command descriptions (Chinese; English is each handler's docstring) ---
    "cmd.start": ("", "开始使用，查看简介"),
    "cmd.help": ("", "列出全部命令"),
    "cmd.subscribe": ("", "订阅新文章（可指定分类；不指定则接收全部）"),
    "cmd.unsubscribe": ("", "退订部分分类，或用 all 全部退订"),
    "cmd.subscriptions": ("", "查看本聊天的订阅"),
    "cmd.latest": ("", "查看最新文章（默认 5 篇，最多 20 篇）"),
    "cmd.category": ("", "查看某个分类的最新文章"),
    "cmd.categories": ("", "列出所有分类及文章数"),
    "cmd.read": ("", "按编号阅读全文"),
    "cmd.queue": ("", "管理员：排期广播文章，或查看排期"),
    "cmd.unqueue": ("", "管理员：取消一条排期"),
    "cmd.broadcast": ("", "管理员：立即广播文章"),
    "cmd.approve": ("", "管理员：批准待发布的文章"),
    "cmd.stats": ("", "管理员：查看统计"),
    # --- option descriptions ---
    "opt.categories": ("Categories, separated by commas", "分类，多个用逗号分隔"),
    "opt.unsubscribe.categories": (
        "Categories to remove, or all", "要移除的分类，或 all 表示全部退订"),
    "opt.n": ("How many articles (at most {max})", "文章数量（最多 {max} 篇）"),
    "opt.name": ("Category name", "分类名称"),
    "opt.id": ("Article number", "文章编号"),
    "opt.when": ("When: 2026-12-01 09:00, 09:00, +30m, +2h, +1d", "时间：2026-12-01 09:00、09:00、+30m、+2h、+1d"),
    "opt.queue_id": ("Queue entry number", "排期编号"),
    # --- general ---
    "start": (
        "Hi! I post new articles here as soon as they are published.\n"
        "Send /latest for the newest, /categories to browse, /subscribe to get new ones "
        "automatically.\n/help lists everything I can do.",
        "你好！文章一发布，我就会推送到这里。\n"
        "发送 /latest 查看最新文章，/categories 浏览分类，/subscribe 自动接收新文章。\n"
        "/help 查看全部命令。",
    ),
    "start.site": (
        "Hi! I post new articles from {site} here as soon as they are published.\n"
        "Send /latest for the newest, /categories to browse, /subscribe to get new ones "
        "automatically.\n/help lists everything I can do.",
        "你好！{site} 的文章一发布，我就会推送到这里。\n"
        "发送 /latest 查看最新文章，/categories 浏览分类，/subscribe 自动接收新文章。\n"
        "/help 查看全部命令。",
    ),
    "help.header": ("Commands:", "命令："),
    "help.admin_header": ("Admin commands:", "管理员命令："),
    "help.notes": (
        "Category names match whatever the case or width. /subscribe with no category gets "
        "every article; with categories, only those. /unsubscribe <category> removes just "
        "that one (removing the last one stops all messages); /unsubscribe or /unsubscribe all "
        "stops everything. In groups and channels only chat admins change subscriptions.",
        "分类名称不区分大小写和全半角。/subscribe 不带分类会接收全部文章，带分类则只接收这些分类。"
        "/unsubscribe <分类> 只移除该分类（移除最后一个分类即停止推送）；"
        "/unsubscribe 或 /unsubscribe all 停止全部推送。群组和频道中只有管理员可以更改订阅。",
    ),
    "unknown_command": (
        "I don't know /{command}. Send /help to see what I can do.",
        "没有 /{command} 这个命令。发送 /help 查看可用命令。",
    ),
    "usage": ("Usage: {usage}", "用法：{usage}"),
    "error.internal": (
        "Sorry, something went wrong. Please try again later.",
        "抱歉，出了点问题，请稍后再试。",
    ),
    "action.expired": (
        "This button no longer works. Please send the command again.",
        "这个按钮已失效，请重新发送命令。",
    ),
    "arg.too_long": (
        "That is too long: /{command} takes at most {max} characters.",
        "内容太长：/{command} 最多接受 {max} 个字符。",
    ),
    "arg.bad_id": (
        "Numbers here are whole numbers from 1 to {max}. Send /latest to see recent articles.",
        "编号应为 1 到 {max} 之间的整数。发送 /latest 查看最新文章。",
    ),
    "arg.name_too_long": (
        "Category names are at most {max} characters long. Send /categories to see them all.",
        "分类名称最多 {max} 个字符。发送 /categories 查看全部分类。",
    ),
    "names.sep": (", ", "、"),
    "quoted": ("“{name}”", "“{name}”"),
    # --- lists ---
    "latest.header": ("Latest articles ({first}–{last} of {total}):", "最新文章（第 {first}–{last} 篇，共 {total} 篇）："),
    "latest.empty": ("No articles yet.", "还没有文章。"),
    "latest.capped": ("(at most {max} at a time)", "（每次最多 {max} 篇）"),
    "latest.past_end": ("No more articles.", "没有更多文章了。"),
    "category.header": ("{name} ({first}–{last} of {total}):", "{name}（第 {first}–{last} 篇，共 {total} 篇）："),
    "category.unknown": ("There are no articles in {name}.", "{name}分类下没有文章。"),
    "suggest": ("Did you mean {names}?", "你是不是要找 {names}？"),
    "category.see_all": ("Send /categories to see them all.", "发送 /categories 查看全部分类。"),
    "categories.header": ("Categories ({count}):", "分类（共 {count} 个）："),
    "categories.line": ("{name} ({count})", "{name}（{count} 篇）"),
    "categories.empty": ("No categories yet.", "还没有分类。"),
    "list.hint": ("Send /read <number> to read one.", "发送 /read <编号> 阅读全文。"),
    "button.more": ("Older ›", "更早 ›"),
    "button.newer": ("‹ Newer", "‹ 较新"),
    "button.open": ("Open on the site", "在网站上打开"),
    "button.categories": ("‹ Categories", "‹ 全部分类"),
    "button.read_more": ("Read more", "阅读全文"),
    "read.pointer": ("Read in full: {command}", "阅读全文：{command}"),
    # --- /read ---
    "read.unknown": (
        "There is no article #{id}. Send /latest to see recent ones.",
        "没有编号为 {id} 的文章。发送 /latest 查看最新文章。",
    ),
    "read.partial": (
        "(The full text is not available right now; here is the summary.)",
        "（暂时无法读取全文，以下是摘要。）",
    ),
    "image": ("[image]", "[图片]"),
    "button.continue": ("Continue ›", "继续阅读 ›"),
    "button.rest_on_site": ("Read the rest on the site", "在网站上阅读余下部分"),
    "read.rest": (
        "(The article continues: {left} more paragraphs.)",
        "（文章未完，还有 {left} 段。）",
    ),
    "read.rest_on_site": ("The rest: {url}", "余下部分：{url}"),
    # --- subscriptions ---
    "sub.all": (
        "Subscribed: this chat will get every new article.",
        "已订阅：本聊天将收到所有新文章。",
    ),
    "sub.some": (
        "Subscribed: this chat will get new articles in {names}.",
        "已订阅：本聊天将收到这些分类的新文章：{names}。",
    ),
    "sub.no_articles": ("There are no articles in {name} yet.", "{name}分类下还没有文章。"),
    "sub.too_many": (
        "A chat follows at most {max} categories; this would make {count}. "
        "Send /unsubscribe <category> to drop some first.",
        "每个聊天最多订阅 {max} 个分类，这样会有 {count} 个。请先用 /unsubscribe <分类> 移除一些。",
    ),
    "sub.hidden": ("{name} is not a category you can follow.", "{name}不是可以订阅的分类。"),
    "sub.config": (
        "This channel gets every article because the bot's configuration says so; "
        "an operator can change that.",
        "本频道由机器人配置设定为接收全部文章，如需更改请联系运维人员。",
    ),
    "unsub.all": (
        "Unsubscribed: this chat will get no more new articles. Send /subscribe to start again.",
        "已退订：本聊天不会再收到新文章。发送 /subscribe 可重新订阅。",
    ),
    "unsub.not_subscribed": (
        "This chat is not subscribed. Send /subscribe to get new articles.",
        "本聊天没有订阅。发送 /subscribe 订阅新文章。",
    ),
    "unsub.removed": (
        "Removed {names}. This chat still gets new articles in {rest}.",
        "已移除 {names}。本聊天仍会收到这些分类的新文章：{rest}。",
    ),
    "unsub.removed_last": (
        "Removed {names}. No categories are left, so this chat will get no more new articles. "
        "Send /subscribe to start again.",
        "已移除 {names}。没有剩余的分类，本聊天不会再收到新文章。发送 /subscribe 可重新订阅。",
    ),
    "unsub.not_following": ("This chat does not follow {names}.", "本聊天没有订阅 {names}。"),
    "unsub.everything": (
        "This chat gets every new article, so there is no category to remove. To get only some "
        "categories, send /subscribe <category>; to stop everything, send /unsubscribe all.",
        "本聊天接收全部文章，没有可移除的分类。只想接收部分分类，请发送 /subscribe <分类>；"
        "停止全部推送，请发送 /unsubscribe all。",
    ),
    "subs.none": (
        "This chat is not subscribed. Send /subscribe to get new articles.",
        "本聊天没有订阅。发送 /subscribe 订阅新文章。",
    ),
    "subs.all": ("This chat gets every new article.", "本聊天接收所有新文章。"),
    "subs.some": ("This chat gets new articles in {names}.", "本聊天接收这些分类的新文章：{names}。"),
    "subs.config": (
        "This channel gets every new article (set in the bot's configuration).",
        "本频道接收所有新文章（由机器人配置设定）。",
    ),
    "perm.chat_admin": (
        "Sorry, only admins of this chat can change its subscriptions.",
        "抱歉，只有本聊天的管理员可以更改订阅。",
    ),
    "perm.admin": ("Sorry, /{command} is only for the bot's admins.", "抱歉，/{command} 仅限机器人管理员使用。"),
    "admin.not_yet": ("/{command} is not available yet.", "/{command} 暂未开放。"),
    # --- admin: articles that cannot be broadcast ---
    "admin.unknown_article": (
        "There is no article #{id}. Send /latest to see recent ones.",
        "没有编号为 {id} 的文章。发送 /latest 查看最新文章。",
    ),
    "admin.draft": ("Article #{id} is a draft; drafts are never published.", "文章 {id} 是草稿，草稿不会发布。"),
    "admin.removed": (
        "Article #{id} was removed from the site; it cannot be sent.", "文章 {id} 已从网站删除，无法发送。"),
    "admin.scheduled": (
        "Article #{id} is dated {when}; it is published by itself then.",
        "文章 {id} 的发布时间是 {when}，届时会自动发布。",
    ),
    "admin.not_sendable": ("Article #{id} cannot be sent (it is {state}).", "文章 {id} 无法发送（状态：{state}）。"),
    "admin.bad_when": ("{reason}", "时间无法识别：{reason}"),
    "admin.no_slot": ("{reason}", "没有空闲时段：{reason}"),
    "admin.bad_target": ("{reason}", "目标无法识别：{reason}"),
    # --- admin: the queue ---
    "queue.added": (
        "Queued #{qid}: article #{id} “{title}” goes out at {when}.",
        "已排期 #{qid}：文章 {id}“{title}”将于 {when} 发出。",
    ),
    "queue.added_now": (
        "Queued #{qid}: article #{id} “{title}” goes out now.",
        "已排期 #{qid}：文章 {id}“{title}”立即发出。",
    ),
    "queue.header": ("Queue ({count}), times in {zone}:", "排期（共 {count} 条，时区 {zone}）："),
    "queue.line": ("#{qid} · {when} · article #{id} “{title}”", "#{qid} · {when} · 文章 {id}“{title}”"),
    "queue.to": (" → {target}", " → {target}"),
    "queue.hint": ("Send /unqueue <number> to cancel one.", "发送 /unqueue <编号> 取消一条排期。"),
    "queue.empty": (
        "The queue is empty. Send /queue <article> [when] to add one.",
        "排期为空。发送 /queue <文章编号> [时间] 添加。",
    ),
    "unqueue.done": (
        "Cancelled #{qid}: article #{id} “{title}” (was due {when}).",
        "已取消 #{qid}：文章 {id}“{title}”（原定 {when}）。",
    ),
    "unqueue.unknown": (
        "There is no queue entry #{qid}. Send /queue to see the queue.",
        "没有编号为 {qid} 的排期。发送 /queue 查看排期。",
    ),
    "unqueue.not_waiting": (
        "Queue entry #{qid} is {status}; only waiting entries can be cancelled.",
        "排期 #{qid} 的状态是 {status}，只能取消等待中的排期。",
    ),
    "broadcast.done": (
        "Broadcasting article #{id} “{title}” now (queue entry #{qid}).",
        "正在广播文章 {id}“{title}”（排期 #{qid}）。",
    ),
    # --- admin: approval ---
    "approve.done": (
        "Approved article #{id} “{title}”: published, {count} deliveries queued.",
        "已批准文章 {id}“{title}”：已发布，排队发送 {count} 条。",
    ),
    "approve.already": ("Article #{id} is already published.", "文章 {id} 已经发布。"),
    "approve.skipped": (
        "Skipped article #{id} “{title}”: it stays unpublished. Send /approve {id} to publish it later.",
        "已跳过文章 {id}“{title}”：暂不发布。之后可发送 /approve {id} 发布。",
    ),
    "approve.request": (
        "New article waiting for approval: #{id} “{title}”\n{excerpt}",
        "有新文章等待批准：{id}“{title}”\n{excerpt}",
    ),
    "approve.waiting": (
        "⏳ Waiting for approval: article #{id}. Approve, Queue or Skip below, or send /approve {id}.",
        "⏳ 等待批准：文章 {id}。请点击下方的批准、排期或跳过，或发送 /approve {id}。",
    ),
    "button.approve": ("Approve", "批准"),
    "button.queue": ("Queue", "排期"),
    "button.skip": ("Skip", "跳过"),
    # --- admin: /stats ---
    "stats.header": ("Statistics", "统计"),
    "stats.articles": ("Articles: {counts}", "文章：{counts}"),
    "stats.subscriptions": ("Subscriptions: {counts}", "订阅：{counts}"),
    "stats.deliveries": (
        "Deliveries in the last day: {sent} sent, {failed} failed, {pending} pending",
        "近一天发送：成功 {sent}，失败 {failed}，待发 {pending}",
    ),
    "stats.queue": ("Queue: {count} waiting", "排期：{count} 条等待中"),
    "stats.none": ("none", "无"),
    "stats.disabled": ("Disabled channels ({count}):", "已停用的频道（{count}）："),
    "stats.disabled_item": ("{target}: {reason}", "{target}：{reason}"),
    "targets.disabled": (
        "{target} (HERALD_CHANNELS) is disabled: {reason}. Fix it; Herald checks again at its next start.",
        "{target}（HERALD_CHANNELS）已停用：{reason}。请修正；Herald 下次启动时会重新检查。",
    ),
    "state.published": ("{n} published", "已发布 {n}"),
    "state.held": ("{n} awaiting approval", "待批准 {n}"),
    "state.scheduled": ("{n} scheduled", "定时 {n}"),
    "state.draft": ("{n} drafts", "草稿 {n}"),
    "state.removed": ("{n} removed", "已删除 {n}"),
    # --- admin notice: posts in the content folder that cannot be published (issue 10) ---
    "content.unpublishable.header": (
        "Posts that cannot be published ({count}); each is read again when its file changes:",
        "{count} 篇文章无法发布；文件修改后会重新读取：",
    ),
    "content.unpublishable.line": ("• {path}: {reason}", "• {path}：{reason}"),
    "content.unpublishable.more": (
        "…and {count} more; `herald check` lists them all.",
        "……另有 {count} 篇；`herald check` 会列出全部。",
    ),
})

_CHINESE = ("zh",)


def language_of(tag: str | None) -> Lang:
    """Pick the reply language for a language tag: any Chinese tag gives "zh", else "en"."""
    if not tag:
        return "en"
    primary = tag.strip().replace("_", "-").split("-", 1)[0].casefold()
    return "zh" if primary in _CHINESE else "en"


def message(key: str, lang: Lang, /, **values: object) -> str:
    """Return the catalogue text for `key` in `lang`, filled with `values`."""
    entry = CATALOGUE.get(key)
    if entry is None:  # not moved to bot/commands/texts yet
        en, zh = _CATALOGUE[key]
        template = zh if lang != "en" and zh else en
    else:
        chinese = entry.zh_hant if lang == "zh-Hant" else entry.zh_hans
        english = entry.en.pick(values) if isinstance(entry.en, Plural) else entry.en
        template = chinese if lang != "en" and chinese else english
    return template.format(**values) if values else template


def has_message(key: str) -> bool:
    """Tell whether the catalogue has `key`."""
    return key in _CATALOGUE


def join_names(names: list[str] | tuple[str, ...], lang: Lang) -> str:
    """Quote and join category names the way `lang` writes lists."""
    sep = message("names.sep", lang)
    return sep.join(message("quoted", lang, name=name) for name in names)
