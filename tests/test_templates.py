"""Card templates (HERALD_TEMPLATES): configuration errors name the file and line, the sandbox
holds, a template's output is escaped, sanitised and fitted so every platform accepts it, and a
template that fails sends the default card."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from adapters.console import render as console
from adapters.discord import render as discord
from adapters.discord.template_fit import discord_templates
from adapters.telegram import render as telegram
from adapters.telegram.template_fit import fit_template_html, telegram_templates
from bot.settings import Settings
from bot.summary.model import Summary
from bot.templating import (
    MAX_FILE_BYTES,
    CardTemplates,
    Layout,
    TemplateConfigError,
    TemplateSource,
    TemplateSpec,
    compile_for,
    load_sources,
    parse_specs,
)
from tests.test_render_properties import SUMMARY, TEXT
from tests.validators import (
    assert_valid_discord_payload,
    assert_valid_telegram_request,
    telegram_plain_text,
    validate_telegram_html,
)

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CARD = Summary(
    article_id=7, key="post.md", title="<b>x</b> & co", excerpt="First sentence. Second one.",
    date=datetime(2024, 5, 6, 7, 8, tzinfo=UTC), image="https://img.example.com/a.png",
    url="https://example.com/post/", author="Ann", hashtags=("news",), categories=("World",),
)  # fmt: skip


def _source(text: str, platform: str = "telegram", channel: str | None = None, name: str = "card.j2") -> TemplateSource:
    return TemplateSource(TemplateSpec(platform, channel, Path(name)), text)


def _layout(text: str, platform: str = "telegram") -> Layout:
    templates = compile_for(platform, [_source(text, platform)])
    layout = templates.layout_for(None)
    assert layout is not None
    return layout


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- configuration -----------------------------------------------------------------------------


def test_specs_name_a_platform_or_a_channel_and_refuse_anything_else() -> None:
    specs = parse_specs(["telegram=./t.j2", " discord:1234 = news.j2", "telegram:-100:7=topic.j2"])
    assert [(s.platform, s.channel, str(s.path)) for s in specs] == [
        ("telegram", None, "t.j2"), ("discord", "1234", "news.j2"), ("telegram", "-100:7", "topic.j2"),
    ]  # fmt: skip
    for bad in ("telegram", "=x.j2", "telegram:=x.j2", "tele gram=x", "telegram="):
        with pytest.raises(TemplateConfigError, match="platform=path"):
            parse_specs([bad])
    with pytest.raises(TemplateConfigError, match="two templates"):
        parse_specs(["telegram=a.j2", "telegram=b.j2"])


def test_a_syntax_error_on_line_3_is_a_configuration_error_naming_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.j2", "<b>{{ title }}</b>\n{{ excerpt }}\n{% if url %}\n")
    with pytest.raises(TemplateConfigError) as info:
        load_sources([f"telegram={path}"])
    assert f"template {path}, line 3:" in str(info.value)
    with pytest.raises(ValidationError) as settings_info:
        Settings(_env_file=None, templates=f"telegram={path}")
    assert f"{path}, line 3" in str(settings_info.value)


def test_herald_exits_with_2_and_names_the_broken_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    _write(tmp_path, "typo.j2", "<b>{{ title }}</b>\n\n{{ exerpt }}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HERALD_TEMPLATES", "telegram=typo.j2")
    assert main(["preview", "--json", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "HERALD_TEMPLATES" in err and "template typo.j2, line 3: 'exerpt' is undefined" in err


def test_missing_large_and_binary_files_are_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(TemplateConfigError, match="nothere.j2: cannot read it"):
        load_sources([f"discord={tmp_path / 'nothere.j2'}"])
    big = _write(tmp_path, "big.j2", "x" * (MAX_FILE_BYTES + 1))
    with pytest.raises(TemplateConfigError, match="larger than 64 KiB"):
        load_sources([f"discord={big}"])
    binary = tmp_path / "bin.j2"
    binary.write_bytes(b"\xff\xfe{{ title }}")
    with pytest.raises(TemplateConfigError, match="not UTF-8"):
        load_sources([f"console={binary}"])


def test_a_channels_own_template_wins_and_a_topic_falls_back_to_its_chat() -> None:
    templates = compile_for("telegram", [
        _source("all {{ title }}", name="all.j2"),
        _source("chat {{ title }}", channel="-100", name="chat.j2"),
        _source("other {{ title }}", platform="discord", name="d.j2"),
    ])  # fmt: skip
    assert templates.layout("5") == "all.j2"
    assert templates.layout("-100") == templates.layout("-100:7") == "chat.j2"
    only_target = compile_for("telegram", [_source("x", channel="9", name="nine.j2")])
    assert only_target.layout("9") == "nine.j2" and only_target.layout("8") == ""
    assert only_target.layout_for("8") is None


# --- sandbox and failures ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "{{ title.__class__.__mro__ }}",
        "{{ ''.__class__.__subclasses__() }}",
        "{% for i in range(100000) %}x{% endfor %}",
        "{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}",
        "{{ 'x' * 10000000 }}",
        "{{ 2 ** 100000 }}",
        "{{ categories.append(1) }}",
        "{{ lipsum() }}",
        "{% import 'os' as os %}",
        "{{ title|center(1000000000) }}",
        "{{ '%999999999s'|format(title) }}",
        "{{ '{:>999999999}'.format(title) }}",
        "{{ '{0:>{1}}'.format(title, 99999999) }}",
        "{{ categories|slice(1000000000)|list }}",
    ],
)
def test_the_sandbox_refuses_and_the_default_card_goes_out_with_one_warning(
    text: str, caplog: pytest.LogCaptureFixture
) -> None:
    default = telegram.render_summary(CARD)
    with caplog.at_level(logging.WARNING, logger="herald.templates"):
        assert telegram.render_summary(CARD, template=_layout(text)) == default
    [record] = caplog.records
    assert "card.j2" in record.getMessage() and "default layout" in record.getMessage()


def test_a_template_that_shows_nothing_sends_the_default_card() -> None:
    for text in ("", "   \n", "<b> </b>", "<p></p>"):
        assert telegram.render_summary(CARD, template=_layout(text)) == telegram.render_summary(CARD)
    for text in ("", "   \n", "{{ '' }}\n\t"):
        layout = _layout(text, "discord")
        assert discord.render_summary(CARD, template=layout) == discord.render_summary(CARD)
        assert console.render_summary(CARD, template=_layout(text, "console")) == console.render_summary(CARD)


def test_output_stops_at_64k_characters() -> None:
    templates = CardTemplates([_source("{% for i in range(900) %}{{ excerpt * 3 }}{% endfor %}", "console")])
    layout = templates.layout_for(None)
    assert layout is not None
    text = layout.render(replace(CARD, excerpt="y" * 100), "en")
    assert len(text) == 64 * 1024


# --- what each platform sends --------------------------------------------------------------------


def test_telegram_template_writes_the_caption_with_fields_escaped_and_keeps_photo_and_button() -> None:
    layout = _layout('<b>{{ title }}</b> — {{ site }}\n<a href="{{ url }}">{{ read_more }}</a> {{ date_text }}')
    [request] = telegram.render_summary(CARD, template=layout, lang="zh")
    assert request.method == "sendPhoto" and request.params["photo"] == CARD.image
    assert request.params["caption"] == (
        '<b>&lt;b&gt;x&lt;/b&gt; &amp; co</b> — example.com\n<a href="https://example.com/post/">阅读全文</a> 2024-05-06'
    )
    assert request.params["parse_mode"] == "HTML"
    assert request.params["reply_markup"]["inline_keyboard"][0][0]["url"] == CARD.url
    assert_valid_telegram_request(request)


def test_telegram_plain_mode_sends_the_templates_visible_text() -> None:
    layout = _layout("<i>{{ title }}</i><br>{{ excerpt }}")
    [request] = telegram.render_summary(CARD, template=layout, plain=True)
    assert request.params["caption"] == "<b>x</b> & co\nFirst sentence. Second one."
    assert "parse_mode" not in request.params


def test_telegram_html_from_the_template_is_sanitised() -> None:
    html = fit_template_html(
        '<p>Para</p><div><b>bold <i>both</b> & </div><a href="javascript:alert(1)">js</a>'
        '<script>x</script><pre><b>in</b></pre><span class="x">s</span><span class="tg-spoiler">t</span>'
        "<blockquote expandable><blockquote>q</blockquote></blockquote><!-- c --><b unclosed",
        4096,
    )
    assert validate_telegram_html(html, 4096, required=True) == []
    assert html == (
        '<p>Para<b>bold <i>both</i></b> &amp; jsx<pre>in</pre>s<span class="tg-spoiler">t</span>'
        "<blockquote expandable>q</blockquote>&lt;b unclosed"
    ).replace("<p>", "")


def test_telegram_fit_cuts_text_never_a_tag_and_closes_what_is_open() -> None:
    html = fit_template_html("<b>" + "word " * 400 + "</b><i>tail</i>", 100)
    assert html.startswith("<b>word") and html.endswith("…</b>")
    assert validate_telegram_html(html, 100, required=True) == []
    assert len(telegram_plain_text(html)) <= 100
    astral = fit_template_html("<u>" + "😀" * 800 + "</u>", 1024)
    assert validate_telegram_html(astral, 1024, required=True) == []


def test_telegram_keeps_at_most_100_entities() -> None:
    html = fit_template_html("<b>x</b>" * 150, 4096)
    assert html.count("<b>") == 100 and telegram_plain_text(html) == "x" * 150
    assert validate_telegram_html(html, 4096, required=True) == []


def test_discord_template_writes_the_description_escaped_and_keeps_the_rest() -> None:
    layout = _layout("**{{ title }}** by {{ author }}\n{{ excerpt }}\n[{{ read_more }}]({{ url|safe }})", "discord")
    [request] = discord.render_summary(replace(CARD, title="*not bold*"), template=layout)
    [embed] = request.params["embeds"]
    assert embed["description"] == (
        "**\\*not bold\\*** by Ann\nFirst sentence. Second one.\n[Read more](https://example.com/post/)"
    )
    default = discord.render_summary(replace(CARD, title="*not bold*"))[0].params["embeds"][0]
    assert {k: v for k, v in embed.items() if k != "description"} == {
        k: v for k, v in default.items() if k != "description"
    }
    assert_valid_discord_payload(request.params)


def test_console_template_writes_the_whole_text() -> None:
    layout = _layout("{{ title }} | {{ categories|join(', ') }} | {{ hashtags|join(' ') }}", "console")
    [request] = console.render_summary(CARD, template=layout)
    assert request.params == {"text": "<b>x</b> & co | World | news"}


# --- properties: any summary through any template gives a request the platform accepts ----------

TEMPLATES = [
    "{% for i in range(100) %}{{ excerpt }} {{ title }}{% endfor %}",  # a huge field, 100 times
    "<b>{{ title }}</b>\n{{ excerpt }}\n<a href=\"{{ url }}\">{{ read_more }}</a>",
    "Literal <i>markup</i> & <notatag> a<b c &amp; &bogus; 1 < 2 > 0 *x* _y_ `z`\n{{ author }}",
    "<b><i>{{ title }}</b></i><pre><code class=\"language-py\">{{ excerpt }}</code>",  # unbalanced
    "<blockquote><a href=\"{{ image }}\">{{ categories|join(' / ') }}</a>{{ hashtags|join(' #') }}",
    "{{ title * 50 }}{% for c in categories %}<u>{{ c }}</u>{% endfor %}",
    "{% for i in range(200) %}<b>{{ i }}</b>{% endfor %}{{ date.year }} {{ date_text }} {{ lang }} {{ site }}",
    "{% if excerpt %}{{ excerpt[:10] }}{% else %}{{ missing_name }}{% endif %}",
]
TEMPLATE = st.one_of(st.sampled_from(TEMPLATES), TEXT)


def _templates(text: str) -> list[str]:
    """A generated template may not compile: those are startup errors, not cards."""
    try:
        compile_for("telegram", [_source(text)])
    except TemplateConfigError:
        return []
    return [text]


@SETTINGS
@given(SUMMARY, TEMPLATE, st.booleans(), st.sampled_from(["en", "zh", "zh-Hant"]))
def test_telegram_templated_card_is_always_accepted(summary: Summary, text: str, plain: bool, lang: str) -> None:
    for source in _templates(text):
        layout = telegram_templates([_source(source)]).layout_for(None)
        assert layout is not None
        [request] = telegram.render_summary(summary, template=layout, plain=plain, lang=lang)  # type: ignore[arg-type]
        assert_valid_telegram_request(request)


@SETTINGS
@given(SUMMARY, TEMPLATE)
def test_discord_templated_card_is_always_accepted(summary: Summary, text: str) -> None:
    for source in _templates(text):
        layout = discord_templates([_source(source, "discord")]).layout_for(None)
        assert layout is not None
        [request] = discord.render_summary(summary, template=layout)
        assert_valid_discord_payload(request.params)


@SETTINGS
@given(st.lists(st.one_of(TEXT, st.sampled_from(["<b>", "</b>", "<a href='https://e.com/?a&b'>", "</a>",
                                                   "<pre>", "<code>", "</code>", "<br>", "<blockquote>",
                                                   "&", "&lt;", "&#128512;", "&#xD800;", "<", ">"])),
                max_size=30).map("".join),
       st.sampled_from([1, 2, 10, 1024, 4096]))
def test_any_template_output_fits_and_parses(output: str, limit: int) -> None:
    html = fit_template_html(output, limit)
    if html:
        assert validate_telegram_html(html, limit, required=True) == []
