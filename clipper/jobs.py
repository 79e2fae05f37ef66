"""Long work as jobs: core generators yield Progress and honour a CancelToken.

The CLI drains a job and draws a progress bar; the GUI runs the same generator on a
worker thread and turns each Progress into a signal. Neither the core nor the job knows
which one is driving it.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Generator, TypeVar

from clipper.errors import Cancelled

T = TypeVar("T")


@dataclass(frozen=True)
class Progress:
    done: int
    total: int | None
    label: str = ""


class CancelToken:
    """Thread-safe cancel flag checked between items."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled")


Job = Generator[Progress, None, T]


def run_job(job: Job[T], on_progress=None) -> T:
    """Drive a job generator to completion and return its result (StopIteration value)."""
    while True:
        try:
            progress = next(job)
        except StopIteration as stop:
            return stop.value
        if on_progress is not None:
            on_progress(progress)
