"""The clock side: local times and time zones, tip rotation, and the dispatcher that enqueues drops."""
