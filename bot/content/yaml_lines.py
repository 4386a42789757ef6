"""YAML reading that remembers where each value came from, so problems can name a line."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML was built with it (about ten times faster), else the pure-Python one."""


def read_yaml(text: str) -> tuple[Any, Node | None]:
    """Parse YAML safely once, returning the data and the node tree (for line look-ups).

    Raises:
        yaml.YAMLError: with a mark naming the line of the syntax error.
    """
    try:
        return _parse(text, _Loader)
    except yaml.YAMLError:
        if _Loader is yaml.SafeLoader:
            raise
        return _parse(text, yaml.SafeLoader)  # the pure-Python parser words its errors more clearly


def _parse(text: str, loader_class: type) -> tuple[Any, Node | None]:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node


def line_of(node: Node | None, path: tuple[str | int, ...]) -> int:
    """The 1-based line of the value at ``path`` (keys and list indexes), or of its nearest parent.

    For a missing key the parent mapping's line is returned; for an unknown key, the key's own line.
    """
    if node is None:
        return 1
    line = node.start_mark.line + 1
    current: Node = node
    for part in path:
        if isinstance(current, MappingNode):
            for key_node, value_node in current.value:
                if key_node.value == str(part):
                    line = key_node.start_mark.line + 1
                    current = value_node
                    break
            else:
                return line
        elif isinstance(current, SequenceNode) and isinstance(part, int) and 0 <= part < len(current.value):
            current = current.value[part]
            line = current.start_mark.line + 1
        else:
            return line
    return line


def duplicate_keys(node: Node | None) -> list[tuple[int, str]]:
    """Keys that appear twice in one mapping (YAML silently keeps the last): (line, key) pairs."""
    found: list[tuple[int, str]] = []
    if isinstance(node, MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                found.append((key_node.start_mark.line + 1, key))
            seen.add(key)
            found.extend(duplicate_keys(value_node))
    elif isinstance(node, SequenceNode):
        for item in node.value:
            found.extend(duplicate_keys(item))
    return found
