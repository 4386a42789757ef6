"""Operability parts: Prometheus metrics (``metrics``) and structured JSON logs (``logs``).

Both are self-contained: nothing here registers on a global registry or touches logging at import time.
The composition root decides which process exposes what (a registry per process, ``configure`` once at
start-up). Like the rest of ``bot``, nothing here imports a platform library.
"""

__all__: list[str] = []
