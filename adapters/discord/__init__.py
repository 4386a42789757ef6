"""The Discord adapter (discord.py 2): slash commands and buttons over the gateway, markdown replies.

The registry finds it through ``adapters.discord.platform:platform`` (an entry point in pyproject.toml).
"""

from __future__ import annotations

import warnings

# discord.py imports audioop (for voice, which we never use); Python 3.11 warns that it is deprecated.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="'audioop' is deprecated", category=DeprecationWarning)
    import discord  # noqa: F401  (imported here once, with the warning silenced)
