"""safetybot's conversation core: platform-neutral events, replies, features, content and storage.

Nothing in this package imports a platform library or an adapter; adapters import it.
"""

__all__: list[str] = []
