"""What `/escalate …` asks for: a pure parser of the command text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from workflows.errors import InvalidRequest

REASON_MAX = 1000
IMPACT_MAX = 500
_HEAD = re.compile(r"^#?(\d{1,9})(?:\s+(.*))?$", re.DOTALL)
_IMPACT = re.compile(r"\bimpact:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class EscalateCommand:
    number: int
    reason: str
    impact: str | None = None


def parse_escalate_command(text: str) -> EscalateCommand | None:
    """`/escalate #N reason [impact: …]`; None when empty (the picker modal opens)."""
    text = text.strip()
    if not text:
        return None
    match = _HEAD.match(text)
    if not match:
        raise InvalidRequest("Name the ticket first: `/escalate #42 why it needs the next tier`.")
    number, rest = int(match.group(1)), (match.group(2) or "").strip()
    reason, impact = rest, None
    split = _IMPACT.search(rest)
    if split:
        reason, impact = rest[: split.start()].strip(), rest[split.end():].strip() or None
    if not reason:
        raise InvalidRequest(f"Say why #{number} needs the next tier: `/escalate #{number} customer still blocked after reset`.")
    if len(reason) > REASON_MAX:
        raise InvalidRequest(f"Keep the reason to {REASON_MAX} characters.")
    if impact and len(impact) > IMPACT_MAX:
        raise InvalidRequest(f"Keep the impact to {IMPACT_MAX} characters.")
    return EscalateCommand(number=number, reason=reason, impact=impact)
