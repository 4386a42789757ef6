"""Misinformation-spotting challenges: private rounds, group items and reveals, daily post schedules
(the arithmetic of scores and streaks is pure and lives in ``bot.core.discernment``)."""
