"""The delivery outbox: every proactive message is a row first, then a sender claims, sends and marks it."""
