"""Ids of what the App Home tab's buttons send back (the listeners import them from here)."""

from __future__ import annotations

import enum

__all__ = ["HomeAction"]


class HomeAction(enum.StrEnum):
    # A queue's page buttons; value: "<queue key>:<offset>" (workflows/home/messages.py)
    QUEUE_PREVIOUS = "home_queue_previous"
    QUEUE_NEXT = "home_queue_next"
