"""The console chat: the same core and database, in a terminal or through a pipe.

The registry finds it through ``adapters.console.platform:platform`` (an entry point in pyproject.toml).
"""

from adapters.console.chat import ConsoleChat, render

__all__ = ["ConsoleChat", "render"]
