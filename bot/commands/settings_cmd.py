"""`/settings`: how new articles arrive in a chat — silent, link preview, thumbnail, excerpt
length and the cards' language — shown with a button per option, and changed by a press or by
`/settings <name> <value>` (the console, which has no buttons, and any platform).

A button carries the value it sets (`set:silent:on`), not "toggle": a press on an older copy of
the message, or two admins pressing at once, leaves what the button said, and the answer is the
settings as they now stand (platforms edit the pressed message into it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import tzinfo

from bot.cardstyle import DEFAULT_STYLE, LENGTHS, CardStyle
from bot.commands.context import BadArgument, CommandContext, lang_of
from bot.commands.i18n import Lang, message
from bot.commands.tuning import chat_subscription, describe_schedule, next_shown, words_of
from bot.commands.types import Button, Invocation, Reply
from bot.store.subscription_options import set_lang, set_style
from bot.store.subscriptions import SubscriptionState, get_subscription

ACTION_PREFIX = "set:"
"""Button actions of the settings message: `set:<name>:<value>`."""
NAMES = ("silent", "preview", "thumbnail", "length", "lang")
"""The settings, in the order they are shown."""
LANGS = ("auto", "en", "zh-Hans", "zh-Hant")
"""Card languages: auto follows the reader who subscribed."""
_SWITCHES = ("silent", "preview", "thumbnail")
_ALIASES = {
    "silent": "silent", "mute": "silent", "quiet": "silent", "静音": "silent", "靜音": "silent",
    "preview": "preview", "link_preview": "preview", "linkpreview": "preview", "link-preview": "preview",
    "thumbnail": "thumbnail", "thumb": "thumbnail", "image": "thumbnail", "images": "thumbnail",
    "length": "length", "len": "length",
    "lang": "lang", "language": "lang",
}
_ON = frozenset({"on", "yes", "true", "1", "enable", "enabled", "开", "開"})
_OFF = frozenset({"off", "no", "false", "0", "disable", "disabled", "关", "關"})
_LANG_ALIASES = {
    "auto": "auto", "default": "auto", "en": "en", "english": "en",
    "zh": "zh-Hans", "zh-hans": "zh-Hans", "zh-cn": "zh-Hans", "zh_hans": "zh-Hans",
    "zh-hant": "zh-Hant", "zh-tw": "zh-Hant", "zh-hk": "zh-Hant", "zh_hant": "zh-Hant",
}
_ECHO = 32
"""Longest typed word quoted back in an error."""
_LABELS = {
    "silent": "settings.silent", "preview": "settings.preview", "thumbnail": "settings.thumbnail",
    "length": "settings.length", "lang": "settings.lang",
}
_SHOWN_VALUES = {
    "on": "settings.on", "off": "settings.off", "auto": "settings.lang.auto",
    "short": "settings.length.short", "normal": "settings.length.normal", "title": "settings.length.title",
}


@dataclass(frozen=True, slots=True)
class ChatOptions:
    """A chat's card options as `/settings` shows them."""

    style: CardStyle = DEFAULT_STYLE
    lang: str = "auto"
    """One of `LANGS`."""

    def value(self, name: str) -> str:
        """The option's value as typed: `on`/`off`, a length, or a language."""
        if name == "lang":
            return self.lang
        if name == "length":
            return self.style.length
        return "on" if getattr(self.style, name) else "off"

    def with_value(self, name: str, value: str) -> ChatOptions:
        """Return these options with one changed (`value` already checked by `parse_value`)."""
        if name == "lang":
            return replace(self, lang=value)
        if name == "length":
            length = next(known for known in LENGTHS if known == value)
            return replace(self, style=replace(self.style, length=length))
        on = value == "on"
        if name == "silent":
            return replace(self, style=replace(self.style, silent=on))
        if name == "preview":
            return replace(self, style=replace(self.style, preview=on))
        return replace(self, style=replace(self.style, thumbnail=on))


def options_of(state: SubscriptionState) -> ChatOptions:
    """Return a subscription's card options."""
    lang = "auto"
    if state.lang_chosen and state.lang:
        lang = _LANG_ALIASES.get(state.lang.casefold(), "auto")
    return ChatOptions(state.style, lang)


def values_of(name: str) -> tuple[str, ...]:
    """The values an option takes, in the order a button cycles through them."""
    if name == "length":
        return ("normal", "short", "title")
    if name == "lang":
        return LANGS
    return ("on", "off")


def parse_value(name: str, text: str) -> str:
    """Return the value `text` means for option `name`; raise `BadArgument` when it means none."""
    folded = text.strip().casefold()
    if name in _SWITCHES:
        value = "on" if folded in _ON else "off" if folded in _OFF else None
    elif name == "lang":
        value = _LANG_ALIASES.get(folded)
    else:
        value = folded if folded in LENGTHS else None
    if value is None:
        raise BadArgument("settings.bad_value", name=name, values="/".join(values_of(name)), value=_echo(text))
    return value


def _echo(text: str) -> str:
    return text if len(text) <= _ECHO else text[: _ECHO - 1] + "…"


def _shown(value: str, lang: Lang) -> str:
    key = _SHOWN_VALUES.get(value)
    return message(key, lang) if key else value


def _label(name: str, options: ChatOptions, lang: Lang) -> str:
    return message(_LABELS[name], lang, value=_shown(options.value(name), lang))


def _next(name: str, value: str) -> str:
    values = values_of(name)
    return values[(values.index(value) + 1) % len(values)]


def settings_reply(options: ChatOptions, lang: Lang, *, saved: bool = False) -> Reply:
    """The settings message: each option and its value, a button per option that sets its next
    value, and how to change them by typing."""
    header = message("settings.header", lang)
    lines = [message("settings.saved", lang)] if saved else []
    lines += [header, *(_label(name, options, lang) for name in NAMES), message("settings.hint", lang)]
    buttons = tuple(
        Button(_label(name, options, lang), action=f"{ACTION_PREFIX}{name}:{_next(name, options.value(name))}")
        for name in NAMES
    )
    return Reply("\n".join(lines), header=header, buttons=buttons)


def changed_settings(state: SubscriptionState, lang: Lang) -> list[str]:
    """The options that differ from the default, as `/settings` labels them."""
    options = options_of(state)
    default = ChatOptions()
    return [_label(name, options, lang) for name in NAMES if options.value(name) != default.value(name)]


def option_lines(state: SubscriptionState, default_zone: tzinfo, lang: Lang) -> list[str]:
    """Lines for `/subscriptions`: the chat's filters, its digest, and settings not at their default."""
    lines: list[str] = []
    sep = message("names.sep", lang)
    if state.filters:
        lines.append(message("filter.subscriptions", lang, filters=sep.join(rule.shown for rule in state.filters)))
    if state.digest is not None:
        schedule = describe_schedule(state.digest, default_zone, lang)
        lines.append(message("digest.cmd.subscriptions", lang, schedule=schedule, next=next_shown(state, default_zone)))
    changed = changed_settings(state, lang)
    if changed:
        lines.append(message("settings.subscriptions", lang, settings=" · ".join(changed)))
    return lines


def _pairs(words: list[str]) -> list[tuple[str, str]]:
    """Read `name value name value …`; raise `BadArgument` for an unknown name or a missing value."""
    pairs: list[tuple[str, str]] = []
    for index in range(0, len(words), 2):
        typed = words[index]
        name = _ALIASES.get(typed.casefold())
        if name is None:
            raise BadArgument("settings.unknown", name=_echo(typed), names=", ".join(NAMES))
        if index + 1 >= len(words):
            raise BadArgument("settings.no_value", name=name, values="/".join(values_of(name)))
        pairs.append((name, parse_value(name, words[index + 1])))
    return pairs


async def _save(ctx: CommandContext, inv: Invocation, before: ChatOptions, after: ChatOptions) -> None:
    now = ctx.clock.now()
    if after.style != before.style:
        await set_style(ctx.sessions, inv.platform, inv.channel_id, after.style, now)
    if after.lang != before.lang:
        await set_lang(ctx.sessions, inv.platform, inv.channel_id, None if after.lang == "auto" else after.lang, now)


async def settings(ctx: CommandContext, inv: Invocation) -> Reply:
    """Choose how new articles arrive here: silent, link preview, thumbnail, length, language."""
    lang = lang_of(inv)
    words = words_of(inv)
    state = await chat_subscription(ctx, inv)
    before = options_of(state)
    if not words:
        return settings_reply(before, lang)
    after = before
    for name, value in _pairs(words):
        after = after.with_value(name, value)
    await _save(ctx, inv, before, after)
    return settings_reply(after, lang, saved=True)


async def settings_action(ctx: CommandContext, inv: Invocation, action: str) -> Reply | None:
    """Answer a settings button (`set:<name>:<value>`); None when `action` is not one."""
    if not action.startswith(ACTION_PREFIX):
        return None
    name, _, typed = action.removeprefix(ACTION_PREFIX).partition(":")
    if name not in NAMES:
        raise ValueError(f"unknown setting in {action!r}")
    value = parse_value(name, typed)
    lang = lang_of(inv)
    if not ctx.may_manage(inv):
        return Reply(message("perm.chat_admin", lang), ephemeral=True, error=True)
    state = await get_subscription(ctx.sessions, inv.platform, inv.channel_id)
    if state is None or not state.active:
        return Reply(message("settings.subscribe_first", lang), ephemeral=True, error=True)
    before = options_of(state)
    after = before.with_value(name, value)
    await _save(ctx, inv, before, after)
    return settings_reply(after, lang)
