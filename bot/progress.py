"""A progress bar for long CLI work (``db upgrade``, ``kb reindex``, ``report``), on a
terminal only: where stderr is not a terminal (a pipe, a log file, CI) nothing at all
is written, so logs and scripts see no control characters.

    with TerminalProgress("kb reindex", unit="article") as progress:
        await reindex_knowledge_base(..., on_progress=progress)   # progress(done, total)

The bar (tqdm, on stderr) is cleared when the work ends; what the command prints after
it stays the only lasting output.
"""

from __future__ import annotations

import shutil
import sys
from typing import TextIO

from tqdm import tqdm

__all__ = ["TerminalProgress"]


class TerminalProgress:
    """``progress(done, total)`` moves the bar; a no-op off a terminal."""

    def __init__(self, description: str, *, unit: str = "step", stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        isatty = getattr(self._stream, "isatty", None)
        self.enabled = bool(isatty is not None and isatty())
        self._description, self._unit = description, unit
        self._bar: tqdm | None = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or (self._bar is None and total <= 0):  # nothing to do: no bar
            return
        if self._bar is None:
            # 80x24 when the terminal does not say (a new pseudo-terminal is 0x0: tqdm would then hide the bar)
            size = shutil.get_terminal_size()
            self._bar = tqdm(total=total, desc=self._description, unit=self._unit, file=self._stream, leave=False,
                             ncols=min(size.columns, 100), nrows=size.lines, mininterval=0.1)
        self._bar.total = total
        self._bar.n = min(done, total)
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
