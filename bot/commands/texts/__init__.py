"""The message catalogue: every text Herald says to a chat, in English, Simplified Chinese and
Traditional Chinese, one module per topic (`TEXTS` in each). Modules are found by themselves:
adding a topic is adding a file. A key defined twice is an error at import.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import MappingProxyType

from bot.commands.texts.model import Plural, T

__all__ = ["CATALOGUE", "Plural", "T"]


def _collect() -> MappingProxyType[str, T]:
    merged: dict[str, T] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name == "model":
            continue
        texts: dict[str, T] = importlib.import_module(f"{__name__}.{info.name}").TEXTS
        twice = merged.keys() & texts.keys()
        if twice:
            raise RuntimeError(f"catalogue keys defined twice ({info.name}): {', '.join(sorted(twice))}")
        merged.update(texts)
    return MappingProxyType(merged)


CATALOGUE = _collect()
