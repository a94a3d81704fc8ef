"""Work run here, now, as a ``concurrent.futures.Future``: :func:`run_here`.

Where work may go to a worker process or stay in this one, the caller holds a Future either
way; an exception is raised by ``result()``, as a worker's would be.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

__all__ = ["run_here"]


def run_here(function: Callable, *args) -> Future:
    """``function(*args)`` run at once in this process, as a finished Future."""
    future: Future = Future()
    try:
        future.set_result(function(*args))
    except Exception as exc:
        future.set_exception(exc)
    return future
