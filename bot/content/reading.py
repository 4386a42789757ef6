"""Reads and validates each content file on its own, collecting every problem with its file and line."""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import Node

from bot.content.kinds import KINDS, ContentKind
from bot.content.library import ContentLibrary, LanguageContent
from bot.content.models import Catalog
from bot.content.problems import Problem
from bot.content.yaml_lines import duplicate_keys, line_of, read_yaml

CATALOG_FILE = "catalog.yaml"
DEFAULT_CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"


@dataclass
class Located:
    """A validated file together with its path and YAML node tree (for line look-ups in later checks)."""

    path: Path
    node: Node | None
    model: BaseModel

    def line(self, *path: str | int) -> int:
        return line_of(self.node, path)


@dataclass
class LoadResult:
    """What loading found: the validated files per language and kind, and the problems so far."""

    root: Path
    catalog: Catalog | None = None
    catalog_file: Located | None = None
    files: dict[str, dict[str, list[Located]]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def library(self, default_language: str = "en") -> ContentLibrary:
        """The library built from the valid files (call only when there are no problems)."""
        assert self.catalog is not None
        languages = {
            lang: LanguageContent(lang, {kind: [loc.model for loc in locs] for kind, locs in kinds.items()})
            for lang, kinds in self.files.items()
        }
        return ContentLibrary(self.catalog, languages, default_language)


def _format_loc(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _item_model(model: type[BaseModel], items_field: str) -> type[BaseModel] | None:
    """The model of one entry of a list field (``Tip`` for ``TipsFile.tips``)."""
    annotation = model.model_fields[items_field].annotation
    args = typing.get_args(annotation)
    return args[0] if args and isinstance(args[0], type) and issubclass(args[0], BaseModel) else None


def _valid_items_only(model: type[BaseModel], items_field: str | None, data: Any) -> BaseModel | None:
    """The file rebuilt from its valid entries, so cross-file checks still see them."""
    if items_field is None or not isinstance(data, dict) or not isinstance(data.get(items_field), list):
        return None
    item_model = _item_model(model, items_field)
    if item_model is None:
        return None
    kept = []
    for item in data[items_field]:
        try:
            kept.append(item_model.model_validate(item))
        except ValidationError:
            continue
    try:
        return model.model_validate({**data, items_field: [item.model_dump() for item in kept]})
    except ValidationError:
        return None


def validate_file(
    path: Path, model: type[BaseModel], problems: list[Problem], items_field: str | None = None
) -> Located | None:
    """Parse and validate one YAML file; every problem found is appended.

    For files that list entries, the valid entries are still returned when others are broken, so
    that later checks (duplicate ids, references) report their problems in the same run.
    """
    try:
        data, node = read_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]
        context = getattr(error, "context_mark", None)
        if context is not None and context.line + 1 != line:
            reason += f" (in what starts on line {context.line + 1})"
        problems.append(Problem(path, line, f"not valid YAML: {reason}"))
        return None
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(path, 1, f"cannot read the file: {error}"))
        return None
    for line, key in duplicate_keys(node):
        problems.append(
            Problem(path, line, f"duplicate key {key!r} (YAML would silently keep only the last)")
        )
    if data is None:
        data = {}
    try:
        return Located(path, node, model.model_validate(data))
    except ValidationError as error:
        for item in error.errors():
            loc = tuple(
                part for part in item["loc"] if not (isinstance(part, str) and part.startswith("function-"))
            )
            where = _format_loc(loc) or "(file)"
            message = item["msg"].removeprefix("Value error, ")
            if item["type"] == "extra_forbidden":
                message = "unknown field"
            elif item["type"] == "missing":
                message = "missing field"
            problems.append(Problem(path, line_of(node, loc), f"{where}: {message}"))
        partial = _valid_items_only(model, items_field, data)
        return Located(path, node, partial) if partial is not None else None


def _language_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and len(p.name) in (2, 3) and p.name.isalpha())


def read_content(root: Path = DEFAULT_CONTENT_DIR, kinds: tuple[ContentKind, ...] = KINDS) -> LoadResult:
    """Validate every file under ``root`` (no cross-file checks; see ``bot.content.checks``)."""
    result = LoadResult(root)
    if not root.is_dir():
        result.problems.append(Problem(root, 1, "content folder not found"))
        return result
    catalog_path = root / CATALOG_FILE
    if not catalog_path.is_file():
        result.problems.append(Problem(catalog_path, 1, "catalog file not found"))
    else:
        located = validate_file(catalog_path, Catalog, result.problems)
        if located is not None:
            result.catalog_file = located
            assert isinstance(located.model, Catalog)
            result.catalog = located.model
    languages = _language_dirs(root)
    if not languages:
        result.problems.append(Problem(root, 1, "no language folders (such as content/en/)"))
    for lang_dir in languages:
        per_kind: dict[str, list[Located]] = {}
        for kind in kinds:
            paths = sorted(lang_dir.glob(kind.pattern))
            if not paths and kind.required:
                result.problems.append(
                    Problem(lang_dir / kind.pattern, 1, f"missing: every language needs its {kind.name} file")
                )
            for path in paths:
                located = validate_file(path, kind.model, result.problems, kind.items_field)
                if located is not None:
                    per_kind.setdefault(kind.name, []).append(located)
        result.files[lang_dir.name] = per_kind
    return result
