"""/read: reading an article in parts, images in text, and the links to the rest."""

from __future__ import annotations

from bot.commands.texts.model import Plural, T

TEXTS: dict[str, T] = {
    "button.open": T("Open on the site", "在网站上打开", "在網站上開啟"),
    "button.read_more": T("Read more", "阅读全文", "閱讀全文"),
    "read.pointer": T("Read in full: {command}", "阅读全文：{command}", "閱讀全文：{command}"),
    "read.unknown": T(
        "There is no article #{id}. Send /latest to see recent ones.",
        "没有编号为 {id} 的文章。发送 /latest 查看最新文章。",
        "沒有編號為 {id} 的文章。傳送 /latest 檢視最新文章。",
    ),
    "read.partial": T(
        "(The full text is not available right now; here is the summary.)",
        "（暂时无法读取全文，以下是摘要。）",
        "（暫時無法讀取全文，以下是摘要。）",
    ),
    "image": T("[image]", "[图片]", "[圖片]"),
    "button.continue": T("Continue ›", "继续阅读 ›", "繼續閱讀 ›"),
    "button.rest_on_site": T("Read the rest on the site", "在网站上阅读余下部分", "在網站上閱讀其餘部分"),
    "read.rest": T(
        Plural(
            by="left",
            one="(The article continues: {left} more paragraph.)",
            other="(The article continues: {left} more paragraphs.)",
        ),
        "（文章未完，还有 {left} 段。）",
        "（文章未完，還有 {left} 段。）",
    ),
    "read.rest_on_site": T("The rest: {url}", "余下部分：{url}", "其餘部分：{url}"),
}
