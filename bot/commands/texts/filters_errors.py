"""Why `/filter` refused an argument (`bot.filters.parse.FilterError` keys)."""

from __future__ import annotations

from bot.commands.texts.model import T

TEXTS: dict[str, T] = {
    "filter.err.clear_first": T(
        "Write clear first: /filter clear +word … replaces every filter. To filter on the word itself, write +clear.",
        "clear 要写在最前面：/filter clear +关键词 … 会替换所有过滤条件。要按 clear 这个词过滤，请写 +clear。",
        "clear 要寫在最前面：/filter clear +關鍵字 … 會取代所有過濾條件。要按 clear 這個字過濾，請寫 +clear。",
    ),
    "filter.err.unclosed": T(
        "{word} starts a regular expression, but no word ends it with /. Write it as /expression/.",
        "{word} 开始了一个正则表达式，但没有以 / 结尾。请写成 /表达式/。",
        "{word} 開始了一個正規表示式，但沒有以 / 結尾。請寫成 /表示式/。",
    ),
    "filter.err.too_many": T(
        "A subscription has at most {max} filters.",
        "每个订阅最多 {max} 个过滤条件。",
        "每個訂閱最多 {max} 個過濾條件。",
    ),
    "filter.err.empty": T(
        "{word} has nothing to filter on.",
        "{word} 里没有可以过滤的内容。",
        "{word} 裡沒有可以過濾的內容。",
    ),
    "filter.err.keyword_long": T(
        "{word} is too long: a keyword has at most {max} characters.",
        "{word} 太长：关键词最多 {max} 个字符。",
        "{word} 太長：關鍵字最多 {max} 個字元。",
    ),
    "filter.err.keyword_space": T(
        "{word} is not a single word once normalised. Write a phrase as a regular expression: /two words/.",
        "{word} 规范化后不是一个词。短语请写成正则表达式：/两个 词/。",
        "{word} 正規化後不是一個詞。片語請寫成正規表示式：/兩個 詞/。",
    ),
    "filter.err.keyword_slash": T(
        "{word}: a keyword cannot start with /. Write a regular expression as /expression/.",
        "{word}：关键词不能以 / 开头。正则表达式请写成 /表达式/。",
        "{word}：關鍵字不能以 / 開頭。正規表示式請寫成 /表示式/。",
    ),
    "filter.err.pattern_long": T(
        "A regular expression has at most {max} characters.",
        "正则表达式最多 {max} 个字符。",
        "正規表示式最多 {max} 個字元。",
    ),
    "filter.err.pattern_costly": T(
        "That regular expression repeats too much: counted repetitions such as {{3}} may multiply to at most {max}.",
        "这个正则表达式重复次数太多：{{3}} 这类计数重复相乘最多 {max}。",
        "這個正規表示式重複次數太多：{{3}} 這類計數重複相乘最多 {max}。",
    ),
    "filter.err.pattern_bad": T(
        "That regular expression is not valid: {error}",
        "这个正则表达式无效：{error}",
        "這個正規表示式無效：{error}",
    ),
}
