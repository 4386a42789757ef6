"""Platform adapters: each folder maps one platform's updates into the core's events and its replies back
out, and declares the platform to the registry (its ``platform.py``, an entry point in pyproject.toml)."""
