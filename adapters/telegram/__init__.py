"""The Telegram adapter (python-telegram-bot 22): long polling or webhook, HTML replies, inline buttons.

The registry finds it through ``adapters.telegram.platform:platform`` (an entry point in pyproject.toml).
"""

from __future__ import annotations

import os

# python-telegram-bot 22 reports time periods (RetryAfter.retry_after...) as timedelta when this is
# set, and warns on every access otherwise; we use the timedelta form everywhere.
os.environ.setdefault("PTB_TIMEDELTA", "true")
