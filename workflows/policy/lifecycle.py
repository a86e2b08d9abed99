"""The ticket lifecycle's optional sections: ``tickets`` (closing resolved tickets, keeping
the customer informed) and ``messages`` (the notices sent to the reporter).

    tickets:
      close_after: 7d        # a resolved ticket whose reporter stays silent closes after this
      update_every: 24h      # remind the desk when a ticket's thread has been quiet this long
    messages:
      acknowledgement: "Thanks for reporting this. Your ticket #{number} …"   # or off
      escalated: "… {tier} …"
      resolved: "… {resolution} …"

Each key is optional; leaving one out (or writing ``off``) turns that behaviour off, so a
policy without these sections works as before; ``messages.escalated`` left out keeps the
built-in escalation notice (with the new tier's response target), ``off`` sends none. Templates may use the placeholders of
:data:`PLACEHOLDERS` and nothing else (``{{`` and ``}}`` write a brace); the rendering is
``workflows/tickets/notices.py``.
"""

from __future__ import annotations

from datetime import timedelta
from string import Formatter
from typing import Annotated

from pydantic import BeforeValidator

from workflows.policy.problems import kind_of, show
from workflows.policy.durations import parse_duration
from workflows.policy.values import Section

__all__ = ["PLACEHOLDERS", "Notices", "TicketLifecycle"]

#: What a notice template may say, filled in when it is sent.
PLACEHOLDERS = ("number", "summary", "priority", "first_response_due", "tier", "resolution")
TEMPLATE_MAX = 2000


def _parse_template(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() == "off":
        return ""  # written off: nothing is sent (None is "not in app.yaml")
    if not isinstance(value, str):
        raise ValueError(f"expected text (or off), got {kind_of(value)}")
    if not value.strip():
        raise ValueError("must not be empty (write off to send nothing)")
    if len(value) > TEMPLATE_MAX:
        raise ValueError(f"is longer than {TEMPLATE_MAX} characters")
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in Formatter().parse(value)
                  if name is not None]
    except ValueError as error:
        raise ValueError(f"has a stray brace ({error}); write {{{{ or }}}} for a brace") from None
    known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
    for name, spec, conversion in fields:
        if name not in PLACEHOLDERS:
            shown = show(f"{{{name}}}") if name else "{}"
            raise ValueError(f"unknown placeholder {shown} (use {known})")
        if spec or conversion:
            raise ValueError(f"{{{name}}} takes no format (write just {{{name}}})")
    return value.strip()


Template = Annotated[str | None, BeforeValidator(_parse_template)]


def _parse_duration_or_off(value: object) -> timedelta | None:
    if value is None or (isinstance(value, str) and value.strip().lower() == "off"):
        return None
    return parse_duration(value)


DurationOrOff = Annotated[timedelta | None, BeforeValidator(_parse_duration_or_off)]


class TicketLifecycle(Section):
    """``tickets``: ``close_after`` (None: resolved tickets stay resolved) and
    ``update_every`` (None: no quiet-thread reminders)."""

    close_after: DurationOrOff = None
    update_every: DurationOrOff = None


class Notices(Section):
    """``messages``: the reporter's DMs when their ticket is opened, escalated and resolved
    (None: not in app.yaml; ``""``: written ``off``; neither is sent as a template)."""

    acknowledgement: Template = None
    escalated: Template = None
    resolved: Template = None
