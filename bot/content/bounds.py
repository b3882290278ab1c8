"""Bounds on what untrusted front matter may cost: its size in bytes, how far YAML aliases may
expand it ("billion laughs"), how deep it may nest, and how many categories and tags (and how
long each) a post may carry. Parsers here refuse over a bound with `TooLarge` before building
anything big, so a hostile 400-byte file is reported in milliseconds with bounded memory."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Iterable
from typing import Any

import yaml

# Real front matter is a few hundred bytes; large Hugo pages carry a few kilobytes.
MAX_FRONT_MATTER_BYTES = 64 * 1024
# Nodes the front matter may hold once every YAML alias is expanded (scalars, lists, maps).
MAX_NODES = 20_000
# Lists and maps inside lists and maps (Hexo's nested categories need 3).
MAX_DEPTH = 32
MAX_TERMS = 64
"""Most categories (counting every level of every chain) and most tags a post may have."""
MAX_TERM_CHARS = 200
"""Longest category or tag name, in characters."""

_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class TooLarge(ValueError):
    """Front matter (or its taxonomy) is over a bound; the message says which, for `herald check`."""


def check_size(text: str) -> None:
    """Refuse front matter text larger than MAX_FRONT_MATTER_BYTES (UTF-8)."""
    if len(text) > MAX_FRONT_MATTER_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FRONT_MATTER_BYTES:
        raise TooLarge(f"front matter is larger than {MAX_FRONT_MATTER_BYTES // 1024} KiB")


def load_yaml(text: str) -> Any:
    """Parse YAML with the safe loader, refusing it when aliases or nesting make it too big.

    The node graph is composed first (aliases stay shared there, so it is as small as the text),
    measured with memoisation over shared nodes, and only then turned into Python values.
    """
    check_size(text)
    loader = _YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "*" in text or not _small_tree(node):
            _check_graph(node)  # aliases may share nodes (or the tree is big): measure exactly
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load_toml(text: str) -> Any:
    """Parse TOML, refusing it when it is too large or nests too deeply."""
    return _bounded(tomllib.loads, text)


def load_json(text: str) -> Any:
    """Parse a JSON document, refusing it when it is too large or nests too deeply."""
    return _bounded(json.loads, text)


def _bounded(loads: Callable[[str], Any], text: str) -> Any:
    check_size(text)
    try:
        data = loads(text)
    except RecursionError:
        raise TooLarge(f"front matter nests deeper than {MAX_DEPTH} levels") from None
    check_value(data)
    return data


def check_value(value: Any) -> None:
    """Refuse parsed data with more than MAX_NODES values or deeper than MAX_DEPTH (shared
    containers are counted every time they appear, as a reader of the data would meet them)."""
    _measure(value, _children_of_value, id)


def check_terms(kind: str, names: Iterable[str]) -> None:
    """Refuse more than MAX_TERMS category or tag names, or a name longer than MAX_TERM_CHARS."""
    for count, name in enumerate(names, 1):
        if count > MAX_TERMS:
            raise TooLarge(f"more than {MAX_TERMS} {kind}")
        if len(name) > MAX_TERM_CHARS:
            raise TooLarge(f"a name in {kind} is longer than {MAX_TERM_CHARS} characters ({name[:40]!r}…)")


def _small_tree(root: yaml.Node) -> bool:
    """Tell whether a node tree (no aliases: `*` is absent from its text, so no node is shared)
    is within MAX_NODES and MAX_DEPTH: one cheap walk, for the front matter nearly every post has.
    False only says "measure it exactly" (`_check_graph` then raises with the precise reason)."""
    budget = MAX_NODES
    stack = [(root, 0)]  # a node and the non-empty collections above it
    while stack:
        node, above = stack.pop()
        budget -= 1
        if budget < 0:
            return False
        value = node.value
        if isinstance(value, str) or not value:
            continue  # a scalar, or an empty collection (measured as a leaf)
        if above >= MAX_DEPTH:
            return False
        if isinstance(node, yaml.MappingNode):
            for key, item in value:
                stack.append((key, above + 1))
                stack.append((item, above + 1))
        else:
            stack.extend((item, above + 1) for item in value)
    return True


def _check_graph(root: yaml.Node) -> None:
    _measure(root, _children_of_node, id)


def _children_of_node(node: Any) -> list[Any] | None:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return None


def _children_of_value(value: Any) -> list[Any] | None:
    if isinstance(value, dict):
        return [part for pair in value.items() for part in pair]
    if isinstance(value, (list, tuple)):
        return list(value)
    return None


def _measure(root: Any, children_of: Any, key: Any) -> None:
    """Count expanded nodes and depth without recursion; `size`/`depth` are memoised per shared
    node, so an alias bomb costs as much to measure as its (small) graph. A cycle (a YAML node
    that contains itself) is unbounded by definition."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, list[Any] | None]] = [(root, None)]
    while stack:
        node, kids = stack[-1]
        ident = key(node)
        if kids is None:
            if ident in size:
                stack.pop()
                continue
            found = children_of(node)
            if not found:
                size[ident], depth[ident] = 1, 0
                stack.pop()
                continue
            on_path.add(ident)
            stack[-1] = (node, found)
            for child in found:
                if key(child) in on_path:
                    raise TooLarge("front matter refers to itself (a recursive alias)")
                if key(child) not in size:
                    stack.append((child, None))
            continue
        total = 1 + sum(size[key(child)] for child in kids)
        deepest = 1 + max(depth[key(child)] for child in kids)
        if total > MAX_NODES:
            raise TooLarge(f"front matter expands to more than {MAX_NODES} values (YAML aliases?)")
        if deepest > MAX_DEPTH:
            raise TooLarge(f"front matter nests deeper than {MAX_DEPTH} levels")
        size[ident], depth[ident] = total, deepest
        on_path.discard(ident)
        stack.pop()
