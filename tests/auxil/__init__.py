"""Shared test helpers: a controllable clock, event builders, a core on a temporary database."""
