"""(being written) Page buttons: Acknowledge and Resolve."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp


def register(app: AsyncApp) -> None:
    return None
