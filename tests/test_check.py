"""`herald check`: one line per problem, a summary, and a count of files that cannot be published."""

from __future__ import annotations

from pathlib import Path

from bot.check import check_folder, format_check_report
from bot.content import ContentConfig

GOOD = "---\ntitle: Good\ndate: 2022-01-01\n---\nbody\n"


def make_folder(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def test_clean_folder(tmp_path: Path) -> None:
    root = make_folder(tmp_path, {"a.md": GOOD.encode(), "b/c.md": GOOD.encode()})
    results, errors = check_folder(root, ContentConfig(root=Path("elsewhere")))
    assert errors == 0 and [r.path for r in results] == ["a.md", "b/c.md"]
    assert format_check_report(results) == ["checked 2 files: 2 ok, 0 warnings, 0 errors"]


def test_problems_are_reported_one_per_line(tmp_path: Path) -> None:
    root = make_folder(tmp_path, {
        "good.md": GOOD.encode(),
        "empty.md": b"",
        "bad-date.md": b"---\ntitle: x\ndate: Invalid Date\n---\nbody\n",
        "binary.md": b"\x89PNG\r\n\x1a\n\x00\x00",
        "open.md": b"---\ntitle: never closed\n",
    })
    results, errors = check_folder(root, ContentConfig(root=root))
    lines = format_check_report(results)
    assert errors == 3
    assert lines[-1] == "checked 5 files: 1 ok, 1 warning, 3 errors"
    assert "empty.md: empty: the file is empty" in lines
    assert any(line.startswith("bad-date.md: bad-date: cannot read date 'Invalid Date'") for line in lines)
    assert any(line.startswith("binary.md: undecodable: ") for line in lines)
    assert any(line.startswith("open.md: front-matter: ") for line in lines)
    assert len(lines) == 5


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    results, errors = check_folder(tmp_path / "nope", ContentConfig(root=tmp_path))
    assert errors == 1
    assert "not a folder" in format_check_report(results)[0]
