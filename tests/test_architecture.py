"""The shape of the code, checked: imports point down the layers, no import cycle, small modules with a
docstring, and no platform named inside ``bot/`` (ARCHITECTURE.md explains the layers)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LAYERS: dict[str, int] = {
    "core": 0,
    "telemetry": 0,
    "storage": 1,
    "content": 1,
    "understanding": 2,
    "services": 3,
    "messages": 4,
    "features": 5,
    "jobs": 5,
    "web": 6,
    "app": 7,
    "cli": 8,
}
"""A package of ``bot/`` may import only packages of a lower rank (and itself)."""

MAX_LINES = 350


def modules(top: str) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted((ROOT / top).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


def imports_of(path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules a module imports (``from a.b import c`` counts a.b.c when it is a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for name in (node.module, *(f"{node.module}.{alias.name}" for alias in node.names)):
                if name in known:
                    found.add(name)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
    return found


BOT = modules("bot")
ADAPTERS = modules("adapters")
GRAPH = {name: imports_of(path, BOT | ADAPTERS) for name, path in (BOT | ADAPTERS).items()}


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_package_of_bot_has_a_layer() -> None:
    assert {layer(name) for name in BOT} - {""} <= set(LAYERS), (
        "add the new package to LAYERS and ARCHITECTURE.md"
    )


def test_imports_point_down_the_layers() -> None:
    upward = sorted(
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        if name.startswith("bot.") and layer(name)
        for target in targets
        if target.startswith("bot.")
        and layer(target)
        and layer(target) != layer(name)
        and LAYERS[layer(target)] >= LAYERS[layer(name)]
    )
    assert upward == []


def test_bot_never_imports_an_adapter() -> None:
    assert (
        sorted(
            f"{n} imports {t}"
            for n, ts in GRAPH.items()
            if n.startswith("bot")
            for t in ts
            if t.startswith("adapters")
        )
        == []
    )


def test_no_import_cycle() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    assert cycles == []


@pytest.mark.parametrize("top", ["bot", "adapters"])
def test_modules_are_small_and_say_what_they_do(top: str) -> None:
    long = {
        name: n
        for name, path in modules(top).items()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}, f"split these by concern (at most about {MAX_LINES} lines)"
    silent = [
        name for name, path in modules(top).items() if ast.get_docstring(ast.parse(path.read_text())) is None
    ]
    assert silent == [], "every module starts with a docstring saying what it does"


def test_no_doc_or_comment_names_a_path_outside_the_repository() -> None:
    outside = ("../shared", "/work/", "shared/faq-topics")
    offenders = []
    for path in [*ROOT.glob("*.md"), *ROOT.glob("content/**/*.yaml"), *(BOT | ADAPTERS).values()]:
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(ROOT)}: {marker}" for marker in outside if marker in text]
    assert offenders == []
