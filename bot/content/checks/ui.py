"""Checks of the UI strings: button labels that fit, clean markup, every key and command of the default
language, and a name for every command and option in the other languages."""

from __future__ import annotations

from bot.content.checks.common import markup_problems
from bot.content.models import MAX_BUTTON_LABEL, UiFile
from bot.content.problems import Problem
from bot.content.reading import Located

BUTTON_STRING_PREFIXES = ("button.", "category.")
"""UI string keys whose values are shown on buttons, so they must fit on one."""


def named_commands(commands: set[str], keys: set[str]) -> set[str]:
    """What needs a name in every language: each command, and each option (from its ``option.*`` string)."""
    return commands | {key.removeprefix("option.") for key in keys if key.startswith("option.")}


def check_ui(
    lang: str,
    categories: set[str],
    files: list[Located],
    default_language: str,
    default_files: list[Located],
    problems: list[Problem],
) -> None:
    """One language's UI files, against the default language's (``default_files``)."""
    default_ui = [loc.model for loc in default_files]
    reference = default_ui[0] if default_ui and isinstance(default_ui[0], UiFile) else None
    reference_keys = set(reference.strings) if reference else set()
    reference_commands = set(reference.commands) if reference else set()
    for located in files:
        _check_strings(
            lang, categories, located, default_language, reference_keys, reference_commands, problems
        )
    for located in files:
        _check_command_names(lang, located, default_language, reference_commands, reference_keys, problems)


def _check_strings(
    lang: str,
    categories: set[str],
    located: Located,
    default_language: str,
    reference_keys: set[str],
    reference_commands: set[str],
    problems: list[Problem],
) -> None:
    """Button labels that fit, clean markup, a label per category, the default's strings and commands."""
    ui = located.model
    assert isinstance(ui, UiFile)
    for key, value in ui.strings.items():
        if key.startswith(BUTTON_STRING_PREFIXES) and len(value) > MAX_BUTTON_LABEL:
            problems.append(
                Problem(
                    located.path,
                    located.line("strings", key),
                    f"string {key!r} is a button label of {len(value)} characters; "
                    f"at most {MAX_BUTTON_LABEL}",
                )
            )
        for issue in markup_problems(value):
            problems.append(Problem(located.path, located.line("strings", key), f"string {key!r}: {issue}"))
    for category in categories:
        if f"category.{category}" not in ui.strings:
            problems.append(
                Problem(
                    located.path,
                    located.line("strings"),
                    f"missing string 'category.{category}' (its button label)",
                )
            )
    if lang != default_language:
        for key in sorted(reference_keys - set(ui.strings)):
            problems.append(
                Problem(
                    located.path,
                    located.line("strings"),
                    f"missing string {key!r} ({default_language} has it)",
                )
            )
        for command in sorted(reference_commands - set(ui.commands)):
            problems.append(
                Problem(located.path, located.line("commands"), f"missing command description {command!r}")
            )


def _check_command_names(
    lang: str,
    located: Located,
    default_language: str,
    commands: set[str],
    keys: set[str],
    problems: list[Problem],
) -> None:
    """Other languages name every command and option, each name once, none another command's name."""
    ui = located.model
    assert isinstance(ui, UiFile)
    if lang == default_language:
        return
    for name in sorted(named_commands(commands, keys) - set(ui.command_names)):
        problems.append(
            Problem(located.path, located.line("command_names"), f"missing command name for {name!r}")
        )
    seen: dict[str, str] = {}
    for canonical, name in ui.command_names.items():
        scope = canonical.split(".")[0] if "." in canonical else ""
        where = located.line("command_names", canonical)
        if (scope, name) in {(s, n) for n, s in seen.items()}:
            problems.append(Problem(located.path, where, f"command name {name!r} is used twice"))
        if not scope and name in commands and name != canonical:
            problems.append(
                Problem(located.path, where, f"command name {name!r} is already the command /{name}")
            )
        seen[name if not scope else f"{scope}.{name}"] = scope
