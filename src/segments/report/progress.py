"""A step log on stderr with timings, so a long report build shows what it is doing."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class StepLog:
    """Prints "segments: <step> ..." when a step starts and its duration when it ends.

    ``quiet`` silences it (tests, library use).
    """

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.started = time.perf_counter()

    def _print(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stream, flush=True)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time one step; on error say which step failed."""
        self._print(f"segments: {name} ...")
        began = time.perf_counter()
        try:
            yield
        except BaseException:
            self._print(f"segments: {name} failed after {time.perf_counter() - began:.1f} s")
            raise
        self._print(f"segments: {name} done in {time.perf_counter() - began:.1f} s")

    def note(self, text: str) -> None:
        """A line within a step, e.g. progress through a long one."""
        self._print(f"segments:   {text}")

    def total(self) -> float:
        """Seconds since the log was created."""
        return time.perf_counter() - self.started
