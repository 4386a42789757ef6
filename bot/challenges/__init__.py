"""Misinformation-spotting challenges: the discernment arithmetic (``models``) and storage (``store``)."""
