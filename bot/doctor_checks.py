"""One line of ``supportbot doctor``: a check passed (✓) or failed (✗, with the fix)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CheckResult", "failed", "passed"]


@dataclass(frozen=True)
class CheckResult:
    """One check: passed or not, what was found, and (when it failed) how to fix it."""

    ok: bool
    text: str
    fix: str = ""

    def line(self) -> str:
        mark = "✓" if self.ok else "✗"
        return f"{mark} {self.text}" + (f" — fix: {self.fix}" if not self.ok and self.fix else "")


def passed(text: str) -> CheckResult:
    return CheckResult(True, text)


def failed(text: str, fix: str) -> CheckResult:
    return CheckResult(False, text, fix)
