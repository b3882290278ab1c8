"""The core stays platform-free: nothing under bot/ imports telegram, discord or adapters."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"
FORBIDDEN = ("telegram", "discord", "adapters")


def _imports(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.append(node.args[0].value)
    return names


@pytest.mark.parametrize("path", sorted(BOT.rglob("*.py")), ids=lambda p: str(p.relative_to(BOT)))
def test_core_module_imports_no_platform_code(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = [name for name in _imports(tree) if name.split(".")[0] in FORBIDDEN]
    assert not bad, f"{path.relative_to(BOT.parent)} imports platform code: {bad}"


def test_the_check_itself_catches_a_forbidden_import() -> None:
    tree = ast.parse("import os\nfrom telegram import Bot\nimportlib.import_module('adapters.discord')\n")
    assert [n for n in _imports(tree) if n.split(".")[0] in FORBIDDEN] == ["telegram", "adapters.discord"]
