"""An error that carries its message as a catalogue key and values, so each reader is told why in
their own language (chat replies) while `str()` stays the English text (the shell, logs)."""

from __future__ import annotations

__all__ = ["KeyedError"]


class KeyedError(ValueError):
    """A refusal whose text is the catalogue entry `key` (`bot.commands.texts`) filled with `values`."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def __str__(self) -> str:
        from bot.commands.i18n import message  # not at the top: bot.commands imports the modules raising these

        return message(self.key, "en", **self.values)
