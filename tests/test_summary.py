"""Summaries as a chat reader sees them: excerpt text, hashtags, categories, thumbnail, link."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.content.article import Article
from bot.summary import SummaryConfig, hashtag, normalize_category, summarize

SEED_FIRST = "【文/观察者网 齐倩】当地时间1月2日，美国总统拜登和乌克兰总统泽连斯基举行电话会谈。"
SEED_BODY = """
<div>
<p>
【文/观察者网 齐倩】当地时间1月2日，美国总统拜登和乌克兰总统泽连斯基举行电话会谈。拜登在通话中承诺称，若俄罗斯进一步“入侵”乌克兰，美国及盟友、伙伴将做出“果断回应”（respond decisively）。
</p>
<p>
随着俄乌局势紧张，美俄两国隔空掀起新一轮“口水战”。拜登政府多次宣称，考虑对俄采取“前所未有的”严厉制裁。
</p>
<p style="text-align:center;">
<img src="https://i.guancha.cn/news/external/2022/01/03/20220103093229248.png" title="点击查看大图" width="530" class="bigimg" referrerpolicy="no-referrer">
</p>
<p style="text-align:center;">
<span style="color:#666666;">拜登与泽连斯基（资料图）</span>
</p>
<p>
根据美国白宫网站消息，拜登与泽连斯基在电话会谈中达成一致，均表示支持通过外交努力处理俄乌边境问题。
</p>
<p>
<strong>本文系观察者网独家稿件，未经授权，不得转载。</strong>
</p>

</div>
            """


def make(body: str = "", **fields: object) -> Article:
    """An article as the loader would produce it."""
    values: dict[str, object] = {
        "key": "post.md",
        "path": "post.md",
        "title": "A title",
        "date": datetime(2022, 1, 3, 9, 56, 49, tzinfo=UTC),
        "body": body,
    }
    values.update(fields)
    return Article(**values)  # type: ignore[arg-type]


def seed_article(body: str = SEED_BODY) -> Article:
    return make(
        body,
        id=7,
        key="新媒体/观察者网/首页/拜登向乌克兰总统_打包票_.md",
        title="拜登向乌克兰总统_打包票_",
        author="观察者网",
        categories=("新媒体", "观察者网", "首页"),
        thumbnail="https://i.guancha.cn/news/external/2022/01/03/20220103093229248.png",
        url="https://example.org/2022/01/03/seed/",
    )


def test_seed_summary_starts_with_first_paragraph_and_drops_caption() -> None:
    summary = summarize(seed_article(), SummaryConfig(hidden_categories=("首页",)))
    assert summary.excerpt.startswith(SEED_FIRST)
    assert "拜登与泽连斯基（资料图）" not in summary.excerpt
    assert "点击查看大图" not in summary.excerpt
    assert "\n\n随着俄乌局势紧张" in summary.excerpt  # paragraphs stay apart, one blank line
    assert "\n\n\n" not in summary.excerpt
    assert summary.hashtags == ("新媒体", "观察者网")
    assert summary.categories == ("新媒体", "观察者网")
    assert summary.image == "https://i.guancha.cn/news/external/2022/01/03/20220103093229248.png"
    assert (summary.title, summary.author, summary.article_id) == ("拜登向乌克兰总统_打包票_", "观察者网", 7)
    assert summary.url == "https://example.org/2022/01/03/seed/"
    assert summary.date == datetime(2022, 1, 3, 9, 56, 49, tzinfo=UTC)


def test_seed_file_from_corpus(corpus_dir: Path) -> None:
    from bot.content import ContentConfig, load_article

    seed = corpus_dir / "seed"
    path = next(seed.glob("000_*.txt"))
    article = load_article(path, ContentConfig(root=seed)).article
    assert article is not None
    summary = summarize(article, SummaryConfig(hidden_categories=("首页",)))
    assert summary.excerpt.startswith(SEED_FIRST)
    assert summary.excerpt.endswith("。…") or summary.excerpt.endswith("”…")
    assert len(summary.excerpt) <= 600
    assert "资料图" not in summary.excerpt and "泽连斯基推文截图" not in summary.excerpt
    assert summary.hashtags == ("新媒体", "观察者网")


def test_cjk_excerpt_is_cut_after_a_sentence_with_ellipsis() -> None:
    sentences = "".join(f"这是第{n}句话，内容比较长一些。" for n in range(1, 40))
    summary = summarize(make(f"<div><p>{sentences}</p></div>"), SummaryConfig(excerpt_chars=60))
    assert len(summary.excerpt) <= 60
    assert summary.excerpt.endswith("。…")
    assert summary.excerpt.startswith("这是第1句话")


def test_english_excerpt_is_cut_after_a_sentence_with_ellipsis() -> None:
    text = " ".join(f"Sentence number {n} says something." for n in range(1, 60))
    summary = summarize(make(text), SummaryConfig(excerpt_chars=100))
    assert len(summary.excerpt) <= 100
    assert summary.excerpt.endswith("something. …")


def test_short_body_is_not_marked_as_cut() -> None:
    summary = summarize(make("<div>\n36氪获悉，巴西企业将入驻。  \n</div>"))
    assert summary.excerpt == "36氪获悉，巴西企业将入驻。"


def test_explicit_excerpt_wins_over_body() -> None:
    article = make("Body text that is long.", excerpt="The **chosen** summary.")
    assert summarize(article).excerpt == "The chosen summary."


def test_empty_explicit_excerpt_falls_back_to_body() -> None:
    article = make("Body text.", excerpt="<!-- nothing -->")
    assert summarize(article).excerpt == "Body text."


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            '<p>One.</p><p><img src="https://x.org/a.jpg"></p>'
            '<p style="text-align:center"><span style="color:#666">一张图</span></p><p>Two.</p>',
            "One.\n\nTwo.",
            id="centred-grey-caption",
        ),
        pytest.param(
            '<figure><img src="https://x.org/a.jpg"><figcaption>Caption here</figcaption></figure><p>Two.</p>',
            "Two.",
            id="figcaption",
        ),
        pytest.param(
            '<p><img src="https://x.org/a.jpg" alt="A red bus"></p><p>A red bus</p><p>Two.</p>',
            "Two.",
            id="alt-text-repeated",
        ),
        pytest.param(
            '<p><img src="https://x.org/a.jpg"></p><p>公路塌方险些酿成车祸（图源：网络）</p><p>正文。</p>',
            "正文。",
            id="image-source-caption",
        ),
        pytest.param("<p>正文。</p><p>阅读全文</p>", "正文。", id="阅读全文"),
        pytest.param("<p>正文。</p><p><a href='/x'>点击查看</a></p>", "正文。", id="点击查看"),
        pytest.param('<p>Text here. <a href="/x">Read more »</a></p>', "Text here.", id="read-more-trailing"),
        pytest.param("<p>Text.</p><p><a href='/x'>Continue reading →</a></p>", "Text.", id="continue-reading"),
        pytest.param("[toc]\n\nFirst paragraph.", "First paragraph.", id="toc"),
        pytest.param("{% post_path x %}Before {% youtube abc %}after.", "Before after.", id="hexo-tags"),
        pytest.param('{{< youtube "x" >}}\n\nHugo text.', "Hugo text.", id="hugo-angle"),
        pytest.param('{{% youtube "x" %}}\n\nHugo text.', "Hugo text.", id="hugo-percent"),
        pytest.param("{{ site.url }}Liquid text.", "Liquid text.", id="liquid-output"),
        pytest.param(
            '<div><p></p><iframe src="https://v.qq.com/x"></iframe><p> </p><p>Video below.</p></div>',
            "Video below.",
            id="empty-and-iframe",
        ),
        pytest.param(
            "<div><script>alert('x')</script><style>p{color:red}</style><p>Only this.</p></div>",
            "Only this.",
            id="script-style",
        ),
        pytest.param("Intro.\n<!-- more -->\n\nRest.", "Intro.\n\nRest.", id="more-comment"),
        pytest.param("# A title\n\nBody starts.", "Body starts.", id="heading-repeating-title"),
        pytest.param("- one\n- two\n\nAfter.", "• one\n• two\n\nAfter.", id="list-items"),
        pytest.param("&#123;braces&#125; &amp; <b>bold</b>", "{braces} & bold", id="entities"),
    ],
)
def test_excerpt_leaves_out_captions_and_boilerplate(body: str, expected: str) -> None:
    assert summarize(make(body)).excerpt == expected


def test_long_word_and_cjk_without_spaces_are_cut_to_the_limit() -> None:
    for body in ("x" * 10_000, "汉" * 10_000, "😀" * 5_000):
        excerpt = summarize(make(body), SummaryConfig(excerpt_chars=50)).excerpt
        assert 0 < len(excerpt) <= 50
        assert excerpt.endswith("…")


def test_image_only_post_has_empty_excerpt_and_keeps_thumbnail() -> None:
    body = '<div>\n<img src="https://cn.bing.com/th?id=OHR.X.jpg" referrerpolicy="no-referrer">\n</div>'
    summary = summarize(make(body, thumbnail="https://cn.bing.com/th?id=OHR.X.jpg"))
    assert summary.excerpt == ""
    assert summary.image == "https://cn.bing.com/th?id=OHR.X.jpg"


def test_markdown_soft_wrapped_chinese_joins_without_spaces() -> None:
    summary = summarize(make("第一行文字\n第二行文字。\n\nEnglish line\nwraps here."))
    assert summary.excerpt == "第一行文字第二行文字。\n\nEnglish line wraps here."


def test_config_from_settings() -> None:
    config = SummaryConfig.from_settings(SimpleNamespace(hidden_categories=("首页",), excerpt_chars=300))
    assert config == SummaryConfig(hidden_categories=("首页",), excerpt_chars=300)


def test_config_from_real_settings() -> None:
    from bot.settings import Settings

    settings = Settings(hidden_categories="首页, 头条")  # type: ignore[arg-type]
    assert SummaryConfig.from_settings(settings).hidden_categories == ("首页", "头条")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IT 之家", "IT之家"),
        ("Bing 壁纸", "Bing壁纸"),
        ("C++", "C"),
        ("Rust-lang", "Rustlang"),
        ("snake_case", "snake_case"),
        ("🎉 Party 🎉", "Party"),
        ("I❤️NY", "INY"),
        ("ＩＴ桔子", "IT桔子"),
        ("2022", "_2022"),
        ("１２３", "_123"),
        ("5G", "5G"),
        ("हिन्दी", "हिन्दी"),
        ("少数派 sspai", "少数派sspai"),
        ("  ", None),
        ("🎉", None),
        ("___", None),
        ("--", None),
    ],
)
def test_hashtag(text: str, expected: str | None) -> None:
    assert hashtag(text) == expected


def test_hashtags_come_from_categories_then_tags_deduplicated_case_insensitively() -> None:
    article = make(categories=("News", "IT 之家", "首页"), tags=("news", "IT之家", "Go", "GO", "🎉", "2022"))
    summary = summarize(article, SummaryConfig(hidden_categories=("首页",)))
    assert summary.hashtags == ("News", "IT之家", "Go", "_2022")
    assert summary.categories == ("News", "IT 之家")


def test_hidden_categories_match_case_and_width_insensitively() -> None:
    article = make(categories=("新媒体", "ＩＴ之家", "Homepage"), tags=("homepage",))
    summary = summarize(article, SummaryConfig(hidden_categories=("it 之家", "HOMEPAGE")))
    assert summary.categories == ("新媒体",)
    assert summary.hashtags == ("新媒体",)


@pytest.mark.parametrize(
    ("a", "b"),
    [("ＩＴ之家", "it之家"), ("  News ", "news"), ("Straße", "STRASSE"), ("Bing  壁纸", "bing 壁纸")],
)
def test_normalize_category_is_case_and_width_insensitive(a: str, b: str) -> None:
    assert normalize_category(a) == normalize_category(b)


def test_normalize_category_keeps_distinct_names_apart() -> None:
    assert normalize_category("观察者网") != normalize_category("观察者")


def test_excerpt_keeps_its_inline_markup_up_to_where_it_is_cut() -> None:
    text = " ".join(f"Sentence <em>number</em> {n} links <a href='https://e.com/{n}'>here</a>." for n in range(1, 60))
    summary = summarize(make(f"<div><p>{text}</p><p><b>Not</b> reached.</p></div>"), SummaryConfig(excerpt_chars=100))
    assert summary.excerpt == (
        "Sentence number 1 links here. Sentence number 2 links here. Sentence number 3 links here. …"
    )
    assert summary.excerpt_html == (
        '<p>Sentence <em>number</em> 1 links <a href="https://e.com/1">here</a>. Sentence <em>number</em> 2 '
        'links <a href="https://e.com/2">here</a>. Sentence <em>number</em> 3 links '
        '<a href="https://e.com/3">here</a>. …</p>'
    )


def test_excerpt_without_markup_has_no_html() -> None:
    assert summarize(make("<div><p>Just <span>words</span>.</p><p>More.</p></div>")).excerpt_html == ""
