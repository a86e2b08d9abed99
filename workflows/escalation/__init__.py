"""Escalation: a ticket moves up its category's path, and the next tier is asked in."""
