"""Generate a corpus of posts shaped like the real ones (see ../shared/corpus/SOURCES.txt):
mostly RSSHub-generator Hexo posts (leading newline, 3-level categories, RFC 2822 dates, HTML
bodies with images, picsum placeholders), plus Hugo TOML and Jekyll Markdown posts."""

from __future__ import annotations

import random
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

_CJK = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理世车"
_SENT_END = "。！？"
_CATEGORIES = [
    ("新媒体", "观察者网", "首页"), ("新媒体", "36kr", "快讯"), ("金融", "财联社", "电报"),
    ("游戏", "Epic Games Store", "免费游戏"), ("新媒体", "cnBeta", "最新"), ("二次元", "Bangumi", "放送列表"),
    ("图片", "Bing 壁纸", "每日壁纸"), ("编程", "开源中国", "资讯"), ("设计", "优设网", "优设读报"),
]


def _sentence(rng: random.Random) -> str:
    return "".join(rng.choices(_CJK, k=rng.randint(12, 40))) + rng.choice(_SENT_END)


def _hexo_post(rng: random.Random, n: int, when: datetime) -> str:
    cat = rng.choice(_CATEGORIES)
    title = "".join(rng.choices(_CJK, k=rng.randint(8, 24)))
    if rng.random() < 0.4:
        img = f"https://picsum.photos/400/300?random={rng.randint(1, 9999)}"
    else:
        img = f"https://img.example.cn/news/{n}/{rng.randint(1, 10**9)}.jpg"
    paragraphs = []
    for i in range(rng.choice([1, 2, 3, 4, 6, 10, 16])):
        paragraphs.append("<p>\n" + "".join(_sentence(rng) for _ in range(rng.randint(1, 4))) + "\n</p>")
        if i == 1 and rng.random() < 0.6:
            paragraphs.append(
                f'<p style="text-align:center;">\n<img src="{img}" referrerpolicy="no-referrer"> \n</p>\n'
                '<p style="text-align:center;">\n<span style="color:#666666;">资料图</span> \n</p>'
            )
    text = "\n".join(paragraphs)
    return (
        f"\n---\ntitle: '{title}'\ncategories: \n - {cat[0]}\n - {cat[1]}\n - {cat[2]}\n"
        f"headimg: '{img}'\nauthor: {cat[1]}\ncomments: false\ndate: {format_datetime(when, usegmt=True)}\n"
        f"thumbnail: '{img}'\n---\n\n<div>   \n{text}  \n</div>\n            "
    )


def _hugo_post(rng: random.Random, n: int, when: datetime) -> str:
    words = ["go", "mongodb", "data", "cloud", "open", "source", "golang", "design", "team", "release"]
    body = "\n\n".join(
        " ".join(rng.choices(words, k=rng.randint(20, 60))).capitalize() + "."
        for _ in range(rng.randint(2, 8))
    )
    return (
        f'+++\ntitle = "Post number {n} about {rng.choice(words)}"\ndate = {when.date().isoformat()}\n'
        f'tags = ["{rng.choice(words)}", "{rng.choice(words)}"]\n+++\n\n{body[:300]}\n\n<!--more-->\n\n{body}\n'
    )


def _jekyll_post(rng: random.Random, n: int, when: datetime) -> str:
    body = "\n\n".join(
        f"Jekyll {n}.{i} is out with [many fixes](https://jekyllrb.com/docs/history/) and *speed*. "
        "Thanks to every contributor who made it happen!" for i in range(rng.randint(2, 6))
    )
    return (
        f'---\ntitle: "Jekyll {n} Released"\ndate: "{when.strftime("%Y-%m-%d %H:%M:%S %z")}"\n'
        f"author: parkr\nversion: {n}.0\ncategories: [release]\n---\n\n{body}\n"
    )


def generate(folder: Path, count: int, seed: int = 7) -> list[Path]:
    """Write `count` posts into `folder` and return their paths (texts made in order from `seed`,
    written by a few threads: creating files is what takes the time)."""
    rng = random.Random(seed)
    start = datetime(2022, 1, 3, 9, 56, 49, tzinfo=UTC)
    paths: list[Path] = []
    made: set[Path] = set()
    with ThreadPoolExecutor(8) as pool:
        pending: list[Future[None]] = []
        for n in range(count):
            when = start + timedelta(minutes=7 * n)
            roll = rng.random()
            if roll < 0.8:
                text, sub = _hexo_post(rng, n, when), "source/_posts"
            elif roll < 0.9:
                text, sub = _hugo_post(rng, n, when), "content/post"
            else:
                text, sub = _jekyll_post(rng, n, when), "_posts"
            path = folder / sub / f"{n:05d}-post.md"
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            pending.append(pool.submit(path.write_bytes, text.encode("utf-8")))
            paths.append(path)
            if len(pending) >= 2_000:
                for done in pending:
                    done.result()
                pending = []
        for done in pending:
            done.result()
    return paths
