"""Article lists: /latest, /category, /categories, name suggestions and the paging buttons."""

from __future__ import annotations

from bot.commands.texts.model import T

TEXTS: dict[str, T] = {
    "latest.header": T(
        "Latest articles ({first}–{last} of {total}):",
        "最新文章（第 {first}–{last} 篇，共 {total} 篇）：",
        "最新文章（第 {first}–{last} 篇，共 {total} 篇）：",
    ),
    "latest.empty": T("No articles yet.", "还没有文章。", "還沒有文章。"),
    "latest.capped": T("(at most {max} at a time)", "（每次最多 {max} 篇）", "（每次最多 {max} 篇）"),
    "latest.past_end": T("No more articles.", "没有更多文章了。", "沒有更多文章了。"),
    "category.header": T(
        "{name} ({first}–{last} of {total}):",
        "{name}（第 {first}–{last} 篇，共 {total} 篇）：",
        "{name}（第 {first}–{last} 篇，共 {total} 篇）：",
    ),
    "category.unknown": T("There are no articles in {name}.", "{name}分类下没有文章。", "{name}分類下沒有文章。"),
    "suggest": T("Did you mean {names}?", "你是不是要找 {names}？", "你是不是要找 {names}？"),
    "category.see_all": T(
        "Send /categories to see them all.",
        "发送 /categories 查看全部分类。",
        "傳送 /categories 檢視全部分類。",
    ),
    "categories.header": T("Categories ({count}):", "分类（共 {count} 个）：", "分類（共 {count} 個）："),
    "categories.line": T("{name} ({count})", "{name}（{count} 篇）", "{name}（{count} 篇）"),
    "categories.empty": T("No categories yet.", "还没有分类。", "還沒有分類。"),
    "list.hint": T("Send /read <number> to read one.", "发送 /read <编号> 阅读全文。", "傳送 /read <編號> 閱讀全文。"),
    "button.more": T("Older ›", "更早 ›", "更早 ›"),
    "button.newer": T("‹ Newer", "‹ 较新", "‹ 較新"),
    "button.categories": T("‹ Categories", "‹ 全部分类", "‹ 全部分類"),
}
