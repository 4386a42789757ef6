"""One module per feature. Each exposes ``COMMANDS`` and ``ACTIONS``: what it answers and which buttons."""
