"""The one place where SQLite and PostgreSQL differ, split by concern: upserts, bulk writes, locks
between processes, and connecting (with the SQL of data migrations)."""
