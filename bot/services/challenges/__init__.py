"""Misinformation-spotting challenges: discernment arithmetic, rounds, group items and daily posts."""
