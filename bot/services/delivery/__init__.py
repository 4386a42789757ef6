"""The sender that drains the delivery outbox (kept in ``bot.storage.deliveries``), paced per platform."""
