"""Incidents: declaring a war room, updates and cadence, resolution and the post-mortem."""
