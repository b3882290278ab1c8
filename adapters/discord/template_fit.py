"""Card templates on Discord: a template writes the card embed's description in Markdown.

Every value a template prints is escaped with the adapter's Markdown escape (`{{ url|safe }}`
prints a value as it is); the template's own text is Markdown as written. The result is cleaned
of control characters and fitted (at a sentence or word, with "…") to the room the embed has
(the 4096-character description, within the message's 6000-character total).
"""

from __future__ import annotations

from collections.abc import Sequence

from adapters.card import clean_text
from adapters.discord.markdown import escape_markdown
from bot.templating import CardTemplates, TemplateSource, escaping, for_platform, register_dialect
from bot.textfit import fit_text


def discord_templates(sources: Sequence[TemplateSource]) -> CardTemplates:
    """Compile the Discord templates among `sources`, printed values Markdown-escaped."""
    return CardTemplates(for_platform(sources, "discord"), finalize=escaping(escape_markdown))


register_dialect("discord", discord_templates)


def fit_template_markdown(output: str, room: int) -> str:
    """Return the template `output` as a description of at most `room` characters ("" when blank)."""
    text = clean_text(output).strip()
    if not text or room <= 0:
        return ""
    return fit_text(text, room).strip()
