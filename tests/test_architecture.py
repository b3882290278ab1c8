"""The seams hold: the core stays platform-free (nothing under bot/ imports telegram, discord or
adapters), adapters reach storage only through the port `bot.platform` hands them (no
`bot.store` imports), and adapters hold no chat text of their own (every user-facing string
lives in the catalogue, `bot/commands/texts`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"
ADAPTERS = ROOT / "adapters"
FORBIDDEN = ("telegram", "discord", "adapters")


def _sources(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _imports(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names if node.module == "bot")
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.append(node.args[0].value)
    return names


def _store_imports(tree: ast.AST) -> list[str]:
    return [name for name in _imports(tree) if name == "bot.store" or name.startswith("bot.store.")]


@pytest.mark.parametrize("path", _sources(BOT), ids=lambda p: str(p.relative_to(BOT)))
def test_core_module_imports_no_platform_code(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = [name for name in _imports(tree) if name.split(".")[0] in FORBIDDEN]
    assert not bad, f"{path.relative_to(BOT.parent)} imports platform code: {bad}"


def test_the_check_itself_catches_a_forbidden_import() -> None:
    tree = ast.parse("import os\nfrom telegram import Bot\nimportlib.import_module('adapters.discord')\n")
    assert [n for n in _imports(tree) if n.split(".")[0] in FORBIDDEN] == ["telegram", "adapters.discord"]


@pytest.mark.parametrize("path", _sources(ADAPTERS), ids=lambda p: str(p.relative_to(ADAPTERS)))
def test_adapter_imports_no_storage_internals(path: Path) -> None:
    """Adapters get `services.store(platform)` (typed `bot.platform.PlatformStore`), never the
    store's modules, sessions or models."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = _store_imports(tree)
    assert not bad, f"{path.relative_to(ROOT)} imports storage internals: {bad} (use bot.platform)"


def test_the_check_itself_catches_a_storage_import() -> None:
    tree = ast.parse(
        "from bot.platform import PlatformStore\n"
        "from bot.store.models import Subscription\n"
        "import bot.store.engine\n"
        "from bot import store\n"
        "if TYPE_CHECKING:\n    from bot.store.platform_store import PlatformStore\n"
    )
    assert _store_imports(tree) == [
        "bot.store.models", "bot.store.engine", "bot.store", "bot.store.platform_store"
    ]  # fmt: skip


# -- chat text ------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_LOGGERS = {"log", "logger", "logging"}
_EXCEPTIONS = re.compile(r"(Error|Exception|Warning|Exit)$|^(Ambiguous|BadFormat|Gone|Migrated|RateLimited|Transient)$")

ALLOWED: dict[tuple[str, str], str] = {
    # (file under adapters/, the literal) -> why it is not chat text
}


def _looks_like_chat_text(text: str) -> bool:
    """Any CJK character, or an English sentence: three words or more, ending in . ! ? or :"""
    stripped = text.strip()
    return bool(_CJK.search(text)) or (
        len(_WORD.findall(stripped)) >= 3 and stripped.endswith((".", "!", "?", ":"))
    )


def _callee(node: ast.Call) -> tuple[str, str]:
    """Return (what the callee hangs off, its name): ("log", "warning"), ("", "ValueError")."""
    func = node.func
    if isinstance(func, ast.Attribute):
        owner = func.value
        return (owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")), func.attr
    return "", getattr(func, "id", "")


class _ChatText(ast.NodeVisitor):
    """Collect string literals that look like chat text, outside docstrings, logging calls and
    exception constructors (those are for operators and developers, not for chat)."""

    def __init__(self) -> None:
        self.found: list[tuple[int, str]] = []

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Constant):
            return  # a string standing alone is documentation: a docstring, or one for the line above
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        owner, name = _callee(node)
        if owner in _LOGGERS or _EXCEPTIONS.search(name):
            return
        self.generic_visit(node)

    def visit_Raise(self, node: ast.Raise) -> None:
        return

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and _looks_like_chat_text(node.value):
            self.found.append((node.lineno, node.value))

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        if _looks_like_chat_text(text):
            self.found.append((node.lineno, text))


def _chat_text(source: str, where: str = "") -> list[tuple[int, str]]:
    collector = _ChatText()
    collector.visit(ast.parse(source))
    return [(line, text) for line, text in collector.found if (where, text) not in ALLOWED]


@pytest.mark.parametrize("path", _sources(ADAPTERS), ids=lambda p: str(p.relative_to(ADAPTERS)))
def test_adapter_holds_no_chat_text(path: Path) -> None:
    """Whatever a chat shows comes from the catalogue (`bot.commands.i18n.message`)."""
    where = str(path.relative_to(ADAPTERS))
    found = _chat_text(path.read_text(encoding="utf-8"), where)
    assert not found, f"adapters/{where} holds chat text (move it into bot/commands/texts): " + "; ".join(
        f"line {line}: {text!r}" for line, text in found
    )


def test_the_check_itself_catches_chat_text() -> None:
    source = '''
"""Module docstring: it may say anything at all."""
import logging
log = logging.getLogger(__name__)
LIMIT = 3
"""Attribute docstring, also fine: it says what LIMIT is."""
HELLO = "你好"
SORRY = "Sorry, something went wrong."
def answer(n):
    """Function docstring: fine too."""
    log.warning("could not answer chat %s: retrying later.", n)
    if n < 0:
        raise ValueError("n must not be negative here.")
    error = RuntimeError(f"no answer for {n} after all.")
    return f"You have {n} new posts!", "sendMessage", "a b c", error
'''
    assert [text for _, text in _chat_text(source)] == [
        "你好", "Sorry, something went wrong.", "You have {} new posts!"
    ]  # fmt: skip
