"""The delivery outbox and the sender that drains it."""
