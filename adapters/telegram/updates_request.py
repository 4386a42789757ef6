"""Long polling that survives an update python-telegram-bot cannot read.

When one update in a ``getUpdates`` batch does not parse (seen with a poll from an older self-hosted
Bot API server), the library logs the whole batch, with people's messages, at CRITICAL and raises;
its updater then asks for the same batch again, forever, and the bot answers nobody. This request
class reads the batch first: an update that does not parse is replaced by its bare ``update_id`` (so
the offset moves past it and nothing else in the batch is lost) and logged as one line with its id
and the error's type, never its content.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.request import HTTPXRequest

_log = logging.getLogger(__name__)


def readable(batch: list[Any]) -> list[Any]:
    """The batch with every update that does not parse reduced to its ``update_id``."""
    kept: list[Any] = []
    for raw in batch:
        try:
            Update.de_json(raw, None)
        except Exception as error:  # any shape the library cannot read
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if not isinstance(update_id, int):
                _log.warning("skipped an update without a readable id (%s)", type(error).__name__)
                continue
            _log.warning(
                "skipped update %d: it could not be read (%s)",
                update_id,
                type(error).__name__,
                extra={"platform": "telegram", "update_id": update_id},
            )
            kept.append({"update_id": update_id})
        else:
            kept.append(raw)
    return kept


class ReadableUpdatesRequest(HTTPXRequest):
    """The request object the Application polls ``getUpdates`` with (``get_updates_request``)."""

    async def post(self, url: str, *args: Any, **kwargs: Any) -> Any:
        result = await super().post(url, *args, **kwargs)
        if url.endswith("/getUpdates") and isinstance(result, list):
            return readable(result)
        return result
