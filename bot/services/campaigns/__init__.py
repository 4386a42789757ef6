"""Campaigns: models of a campaign file, validation, delivery planning, and the campaign service."""
