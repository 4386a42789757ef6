"""Campaigns: organizers schedule tip drops to audiences from a YAML file and the command line."""
