"""`article_blocks`: the whole article as paragraphs and images, for /read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from selectolax.lexbor import LexborHTMLParser

from bot.content.article import Article
from bot.summary import Image, Paragraph, article_blocks
from bot.summary.markup import to_html
from tests.test_summary import SEED_BODY


def make(body: str, url: str | None = None) -> Article:
    return Article(
        key="p.md", path="p.md", title="T", date=datetime(2024, 1, 1, tzinfo=UTC), body=body, url=url
    )


def test_seed_blocks_keep_every_paragraph_and_image_and_drop_the_caption() -> None:
    blocks = article_blocks(make(SEED_BODY))
    texts = [b.text for b in blocks if isinstance(b, Paragraph)]
    expected = [
        " ".join(p.text().split())
        for p in LexborHTMLParser(SEED_BODY).css("p")
        if p.text().strip() and "资料图" not in p.text()
    ]
    assert texts == expected  # nothing lost, in order
    assert Image("https://i.guancha.cn/news/external/2022/01/03/20220103093229248.png", "") in blocks
    assert blocks[2] == Image("https://i.guancha.cn/news/external/2022/01/03/20220103093229248.png", "")
    assert all(b.kind == "p" for b in blocks if isinstance(b, Paragraph))


def test_markdown_block_kinds() -> None:
    body = (
        "# Heading\n\nSome *emphasis* and a [link](https://x.org) here.\n\n"
        "> quoted words\n\n- first\n- second\n\n3. third\n4. fourth\n\n"
        "```\ncode  line\n    indented\n```\n"
    )
    assert article_blocks(make(body)) == [
        Paragraph("Heading", "heading"),
        Paragraph("Some emphasis and a link here.", "p"),
        Paragraph("quoted words", "quote"),
        Paragraph("• first", "item"),
        Paragraph("• second", "item"),
        Paragraph("3. third", "item"),
        Paragraph("4. fourth", "item"),
        Paragraph("code  line\n    indented", "code"),
    ]


def test_reference_links_tables_and_lists_render_through_cmark_gfm() -> None:
    body = "Intro with [ref link][r].\n\n## Part\n\n- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n[r]: https://x.org\n"
    from bot.summary.blocks import html_blocks

    blocks = html_blocks(to_html(body, False))
    assert blocks[0] == Paragraph("Intro with ref link.", "p")
    assert Paragraph("Part", "heading") in blocks and Paragraph("• a", "item") in blocks


@pytest.mark.parametrize(
    ("src", "url", "expected"),
    [
        ("https://cdn.x.org/a.jpg", None, "https://cdn.x.org/a.jpg"),
        ("//cdn.x.org/a.jpg", None, "https://cdn.x.org/a.jpg"),
        ("/media/a.png", None, None),
        ("/media/a.png", "https://site.org/2020/01/post/", "https://site.org/media/a.png"),
        ("img/a.png", "https://site.org/2020/01/post/", "https://site.org/2020/01/post/img/a.png"),
        ("data:image/gif;base64,R0lGOD", "https://site.org/", None),
        ("javascript:alert(1)", "https://site.org/", None),
    ],
)
def test_images_are_absolute_http_urls(src: str, url: str | None, expected: str | None) -> None:
    blocks = article_blocks(make(f'<div><img src="{src}" alt="pic"></div>', url=url))
    images = [b for b in blocks if isinstance(b, Image)]
    assert images == ([Image(expected, "pic")] if expected else [])


def test_lazy_image_uses_data_source_over_placeholder() -> None:
    body = '<div><img src="data:image/gif;base64,R0l" data-original="http://img.x.org/big.jpg"></div>'
    assert article_blocks(make(body)) == [Image("http://img.x.org/big.jpg", "")]


def test_whitespace_is_normalised_but_line_breaks_kept() -> None:
    body = "<div><p>  many   spaces\n here <br> next\u3000line </p><p>a\n\nb</p></div>"
    assert article_blocks(make(body)) == [
        Paragraph("many spaces here\nnext line"),
        Paragraph("a"),
        Paragraph("b"),
    ]


def test_links_keep_visible_text_only() -> None:
    body = '<div><p>据路透社报道，<a href="https://www.guancha.cn/x.shtml">一名美官员透露</a>，措施。</p></div>'
    assert article_blocks(make(body)) == [Paragraph("据路透社报道，一名美官员透露，措施。")]


def test_deeply_nested_markup_does_not_overflow() -> None:
    body = "<div>" + "<span>" * 5000 + "deep" + "</span>" * 5000 + "</div>"
    assert article_blocks(make(body)) == [Paragraph("deep")]


def test_corpus_blocks_keep_all_paragraph_text(corpus_dir) -> None:  # type: ignore[no-untyped-def]
    from bot.content import ContentConfig, load_article

    root = corpus_dir / "real"
    checked = 0
    for path in sorted(p for p in root.rglob("*.md") if p.is_file()):
        article = load_article(path, ContentConfig(root=root)).article
        if article is None:
            continue
        joined = "\n".join(b.text for b in article_blocks(article) if isinstance(b, Paragraph))
        for p in LexborHTMLParser(article.body).css("p"):
            text = " ".join(p.text().split())
            if len(text) > 80:  # longer than any caption: must survive whole
                assert text in " ".join(joined.split()), (path.name, text[:40])
                checked += 1
    assert checked > 100


@pytest.mark.parametrize("start", ["5", " 7 ", "²", "--3", "abc", "99999999999999999999"])
def test_ordered_list_start_never_breaks(start: str) -> None:
    blocks = article_blocks(make(f'<ol start="{start}"><li>x</li></ol>'))
    assert len(blocks) == 1 and blocks[0].text.endswith(". x")


def test_paragraphs_carry_their_inline_markup_as_sanitized_html() -> None:
    from bot.summary.blocks import html_blocks

    blocks = html_blocks(
        '<p onclick="x()">A <a href="javascript:alert(1)" title="t">js</a>, <a href="/b?x=1&amp;y=2">rel</a>, '
        '<span style="color:red"><em class="c">em</em></span> &lt;b&gt;</p><p>plain</p>'
        "<ol><li><b>bold</b> item</li></ol>",
        "https://example.com/post/",
    )
    assert blocks == [Paragraph("A js, rel, em <b>", "p"), Paragraph("plain", "p"), Paragraph("1. bold item", "item")]
    assert [b.html for b in blocks if isinstance(b, Paragraph)] == [
        'A js, <a href="https://example.com/b?x=1&amp;y=2">rel</a>, <em>em</em> &lt;b&gt;',
        "",  # no markup: the text says it all
        "1. <strong>bold</strong> item",
    ]
