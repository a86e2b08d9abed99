"""Bolt listeners, one folder per Slack surface; see ``handlers.registry``."""
