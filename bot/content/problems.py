"""Content problems: which file, which line, what is wrong; and the error that lists them all."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong with the content, located in its file."""

    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ContentError(Exception):
    """The content is invalid; ``problems`` lists everything wrong, each with file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(f"{len(self.problems)} content problem(s)")

    def report(self) -> str:
        """One line per problem."""
        return "\n".join(str(problem) for problem in self.problems)
