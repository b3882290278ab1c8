"""The admin panel: `/panel`'s answers and the panel's own pages (bot/panel/templates)."""

from __future__ import annotations

from bot.commands.texts.model import T

TEXTS: dict[str, T] = {
    "cmd.panel": T("", "管理员：获取管理面板的登录链接", "管理員：取得管理面板的登入連結"),
    "panel.link": T(
        "Your sign-in link to the admin panel (it works once, for {minutes} minutes):\n{url}",
        "你的管理面板登录链接（仅可使用一次，{minutes} 分钟内有效）：\n{url}",
        "你的管理面板登入連結（僅可使用一次，{minutes} 分鐘內有效）：\n{url}",
    ),
    "panel.private_only": T(
        "Send /panel in a private chat with me: a sign-in link is not for a group.",
        "请在与我的私聊中发送 /panel：登录链接不应发到群组里。",
        "請在與我的私人聊天中傳送 /panel：登入連結不應傳到群組裡。",
    ),
    "panel.not_served": T(
        "The admin panel is off: HERALD_HTTP_PORT is 0.",
        "管理面板未开启：HERALD_HTTP_PORT 为 0。",
        "管理面板未開啟：HERALD_HTTP_PORT 為 0。",
    ),
    "panel.title": T("Herald admin panel", "Herald 管理面板", "Herald 管理面板"),
    "panel.signin.heading": T("Sign in", "登录", "登入"),
    "panel.signin.how": T(
        "Send /panel to the bot in a private chat, or run `herald panel link` on the server, and open the link you get.",
        "在与机器人的私聊中发送 /panel，或在服务器上运行 `herald panel link`，然后打开收到的链接。",
        "在與機器人的私人聊天中傳送 /panel，或在伺服器上執行 `herald panel link`，然後開啟收到的連結。",
    ),
    "panel.signin.confirm": T(
        "This link signs you in as {admin}. It works once.",
        "此链接将以 {admin} 的身份登录，仅可使用一次。",
        "此連結將以 {admin} 的身分登入，僅可使用一次。",
    ),
    "panel.signin.button": T("Sign in", "登录", "登入"),
    "panel.signin.refused": T(
        "This sign-in link is not valid: it was used already, it expired, or it was never made. Ask for a new one.",
        "此登录链接无效：已被使用、已过期或并不存在。请重新获取。",
        "此登入連結無效：已被使用、已過期或並不存在。請重新取得。",
    ),
    "panel.signin.not_admin": T(
        "Only the bot's admins may use the panel.",
        "只有机器人管理员可以使用管理面板。",
        "只有機器人管理員可以使用管理面板。",
    ),
    "panel.webapp.refused": T(
        "Telegram's sign-in data is not valid here: not signed by this bot, or too old. Open the panel again from the bot.",
        "Telegram 登录数据无效：不是由本机器人签名，或已过期。请从机器人重新打开管理面板。",
        "Telegram 登入資料無效：不是由本機器人簽署，或已過期。請從機器人重新開啟管理面板。",
    ),
    "panel.signin.miniapp": T("Signing in from Telegram…", "正在通过 Telegram 登录…", "正在透過 Telegram 登入…"),
    "panel.signout": T("Sign out", "退出登录", "登出"),
    "panel.signed_in_as": T("Signed in as {admin}", "当前身份：{admin}", "目前身分：{admin}"),
    "panel.forbidden": T(
        "This request was refused (its form token is missing or wrong). Reload the page and try again.",
        "请求被拒绝（表单令牌缺失或错误）。请刷新页面后重试。",
        "請求被拒絕（表單權杖缺失或錯誤）。請重新整理頁面後再試。",
    ),
    "panel.nav.articles": T("Articles", "文章", "文章"),
    "panel.articles.search": T("Search titles", "搜索标题", "搜尋標題"),
    "panel.articles.category": T("Category", "分类", "分類"),
    "panel.articles.any_category": T("Any category", "全部分类", "全部分類"),
    "panel.articles.state": T("State", "状态", "狀態"),
    "panel.articles.any_state": T("Any state", "全部状态", "全部狀態"),
    "panel.articles.filter": T("Filter", "筛选", "篩選"),
    "panel.articles.count": T("{total} articles", "共 {total} 篇文章", "共 {total} 篇文章"),
    "panel.articles.none": T("No article matches.", "没有符合条件的文章。", "沒有符合條件的文章。"),
    "panel.articles.page": T("Page {page} of {pages}", "第 {page} / {pages} 页", "第 {page} / {pages} 頁"),
    "panel.articles.newer": T("Newer", "较新", "較新"),
    "panel.articles.older": T("Older", "较旧", "較舊"),
    "panel.filter.published": T("Published", "已发布", "已發布"),
    "panel.filter.held": T("Held for approval", "待批准", "待核准"),
    "panel.filter.future": T("Future-dated", "定时发布", "定時發布"),
    "panel.filter.problem": T("Delivery problems", "发送出错", "傳送出錯"),
    "panel.state.draft": T("draft", "草稿", "草稿"),
    "panel.state.scheduled": T("future-dated", "定时发布", "定時發布"),
    "panel.state.held": T("held", "待批准", "待核准"),
    "panel.state.published": T("published", "已发布", "已發布"),
    "panel.state.removed": T("removed", "已删除", "已刪除"),
    "panel.article.back": T("All articles", "全部文章", "全部文章"),
    "panel.article.missing": T("There is no article #{id}.", "没有编号为 {id} 的文章。", "沒有編號為 {id} 的文章。"),
    "panel.article.telegram": T("As Telegram shows it", "Telegram 中的样子", "Telegram 中的樣子"),
    "panel.article.discord": T("As Discord shows it", "Discord 中的样子", "Discord 中的樣子"),
    "panel.article.problems": T("Problems (herald check)", "问题（herald check）", "問題（herald check）"),
    "panel.article.no_problems": T("herald check finds no problem in this file.",
                                   "herald check 未发现此文件有问题。", "herald check 未發現此檔案有問題。"),
    "panel.article.failed": T("{n} deliveries failed.", "{n} 次发送失败。", "{n} 次傳送失敗。"),
    "panel.article.stored": T(
        "The post file cannot be read now: shown from the card stored at the last index.",
        "目前无法读取文章文件：以下为上次索引时保存的卡片。",
        "目前無法讀取文章檔案：以下為上次索引時儲存的卡片。",
    ),
    "panel.article.file": T("File", "文件", "檔案"),
    "panel.article.date": T("Date", "日期", "日期"),
    "panel.article.bot": T("Herald", "Herald", "Herald"),
    "panel.article.no_preview": T("This platform is not installed.", "未安装此平台。", "未安裝此平台。"),
}

TEXTS.update({
    "panel.nav.queue": T("Queue", "排期", "排程"),
    "panel.queue.heading": T("Upcoming broadcasts", "即将发出的广播", "即將發出的廣播"),
    "panel.queue.zone": T("Times in {zone}.", "时区：{zone}。", "時區：{zone}。"),
    "panel.queue.slots": T("Daily slots: {slots}", "每日时段：{slots}", "每日時段：{slots}"),
    "panel.queue.no_slots": T(
        "No daily slots are set (HERALD_QUEUE_SLOTS): “the next slot” is now.",
        "未设置每日时段（HERALD_QUEUE_SLOTS）：“下一个时段”即为现在。",
        "未設定每日時段（HERALD_QUEUE_SLOTS）：「下一個時段」即為現在。",
    ),
    "panel.queue.empty": T("Nothing is queued.", "暂无排期。", "目前沒有排程。"),
    "panel.queue.count": T("{count} waiting", "共 {count} 条等待中", "共 {count} 筆等待中"),
    "panel.queue.everyone": T("to every subscriber and channel", "发给所有订阅者和频道", "發給所有訂閱者和頻道"),
    "panel.queue.to": T("to {target}", "发给 {target}", "發給 {target}"),
    "panel.queue.button": T("Queue for the next slot", "排入下一个时段", "排入下一個時段"),
    "panel.queue.added": T(
        "Queued #{qid}: article #{id} goes out at {when}.",
        "已排期 #{qid}：文章 {id} 将于 {when} 发出。",
        "已排程 #{qid}：文章 {id} 將於 {when} 發出。",
    ),
    "panel.queue.refused": T("Not queued: {reason}", "未排期：{reason}", "未排程：{reason}"),
})

TEXTS.update({
    "panel.queue.add": T("Queue an article", "排期一篇文章", "排程一篇文章"),
    "panel.queue.article": T("Article #", "文章编号", "文章編號"),
    "panel.queue.when": T("When", "时间", "時間"),
    "panel.queue.when_hint": T(
        "2026-12-01 09:00, 09:00, +2h or empty: next slot",
        "2026-12-01 09:00、09:00、+2h，留空：下一个时段",
        "2026-12-01 09:00、09:00、+2h，留空：下一個時段",
    ),
    "panel.queue.target": T("To", "发给", "發給"),
    "panel.queue.target_hint": T(
        "empty: everyone, or telegram:@channel", "留空：所有人，或 telegram:@channel", "留空：所有人，或 telegram:@channel",
    ),
    "panel.queue.submit": T("Queue", "排期", "排程"),
    "panel.queue.cancel": T("Cancel", "取消", "取消"),
    "panel.queue.move": T("Move", "改期", "改期"),
    "panel.queue.broadcast": T("Broadcast now", "立即广播", "立即廣播"),
    "panel.nav.approvals": T("Approvals", "待审批", "待核准"),
    "panel.approvals.heading": T("Held for approval", "等待审批的文章", "等待核准的文章"),
    "panel.approvals.empty": T("Nothing is waiting for approval.", "没有等待审批的文章。", "沒有等待核准的文章。"),
    "panel.approvals.count": T("{count} waiting", "共 {count} 篇等待中", "共 {count} 篇等待中"),
})
