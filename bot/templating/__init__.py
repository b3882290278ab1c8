"""Card templates: operators replace a platform's card layout (or one target's) with a Jinja2
template run in a sandbox (`HERALD_TEMPLATES`).

`HERALD_TEMPLATES` is a comma list of `platform=path` or `platform:channel=path`
(`telegram=./templates/telegram.j2,discord:1234=./templates/news.j2`); paths are relative to
the working directory and each file is at most `MAX_FILE_BYTES`. Every file is read, compiled
and tried once on a sample card when the settings load, so a missing file, a syntax error or an
unknown variable is a configuration error naming the file and line (`herald` exits with 2).

What a template renders is the platform's business (Telegram: the card's HTML; Discord: the
embed description in Markdown; console: the printed text): each adapter compiles the sources
with its own escaping and fits the result to its limits. The core only supplies the sandbox,
the context (`card_context`) and the bounds: `range()` at most `MAX_RANGE` items and
`LOOP_BUDGET` in all, string and list products at most `MAX_OUTPUT`, output cut at `MAX_OUTPUT`
characters. An error while rendering (an undefined field, a bound reached) raises
`TemplateRenderError`; outlets then send the default card and log a warning.
"""

from bot.templating.cards import (
    CardTemplates,
    Layout,
    Templated,
    card_context,
    compile_for,
    load_sources,
    register_dialect,
)
from bot.templating.sandbox import LOOP_BUDGET, MAX_OUTPUT, MAX_RANGE, escaping
from bot.templating.sources import (
    MAX_FILE_BYTES,
    TemplateConfigError,
    TemplateRenderError,
    TemplateSource,
    TemplateSpec,
    for_platform,
    parse_specs,
    read_source,
)

__all__ = [
    "LOOP_BUDGET",
    "MAX_FILE_BYTES",
    "MAX_OUTPUT",
    "MAX_RANGE",
    "CardTemplates",
    "Layout",
    "TemplateConfigError",
    "TemplateRenderError",
    "TemplateSource",
    "TemplateSpec",
    "Templated",
    "card_context",
    "compile_for",
    "escaping",
    "for_platform",
    "load_sources",
    "parse_specs",
    "read_source",
    "register_dialect",
]
