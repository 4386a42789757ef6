"""The core vocabulary every layer shares: events, replies, markup, payloads, time, text folding.

Nothing here imports another part of the bot; everything else may import from here."""
