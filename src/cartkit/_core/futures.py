"""Futures: work run here as one (:func:`run_here`), work that follows other work (:func:`then`,
:func:`gather`), and a process pool that runs urgent work first (:class:`PriorityPool`).

Where work may go to a worker process or stay in this one, the caller holds a Future either
way; an exception is raised by ``result()``, as a worker's would be.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future

__all__ = ["PriorityPool", "gather", "run_here", "then"]


def run_here(function: Callable, *args) -> Future:
    """``function(*args)`` run at once in this process, as a finished Future."""
    future: Future = Future()
    try:
        future.set_result(function(*args))
    except Exception as exc:
        future.set_exception(exc)
    return future


def _settle(target: Future, source: Future) -> None:
    """Give ``target`` the outcome of the finished ``source``."""
    if source.cancelled():
        target.cancel()
    elif source.exception() is not None:
        target.set_exception(source.exception())
    else:
        target.set_result(source.result())


def then(first: Future, next_step: Callable[[object], Future]) -> Future:
    """A Future of the work ``next_step(result)`` starts when ``first`` is done.

    ``next_step`` is called (in whichever thread finishes ``first``) with ``first``'s result
    and returns a Future; the returned Future settles as that one does. An exception of
    ``first`` or of ``next_step`` itself settles it at once.
    """
    out: Future = Future()

    def on_first(done: Future) -> None:
        try:
            following = next_step(done.result())
        except Exception as exc:  # handed to the caller through result()
            out.set_exception(exc)
            return
        following.add_done_callback(lambda f: _settle(out, f))

    first.add_done_callback(on_first)
    return out


def gather(futures: Sequence[Future]) -> Future:
    """A Future of the list of the results of ``futures``, in their order.

    It settles when the last is done; with the first exception among them (in their order)
    when any failed.
    """
    futures = list(futures)
    out: Future = Future()
    if not futures:
        out.set_result([])
        return out
    left = [len(futures)]
    lock = threading.Lock()

    def one_done(_f: Future) -> None:
        with lock:
            left[0] -= 1
            if left[0]:
                return
        for f in futures:
            if f.cancelled() or f.exception() is not None:
                _settle(out, f)
                return
        out.set_result([f.result() for f in futures])

    for f in futures:
        f.add_done_callback(one_done)
    return out


class PriorityPool:
    """An executor's work, most urgent first: at most ``slots`` items run at a time.

    A process pool runs what it was given in the order given; work given later but needed
    sooner (an analysis on the report's critical path, behind figures that can wait) would
    queue behind the rest. Here work waits in this process, ordered by ``priority`` (lower
    first, then in the order given), and goes to the executor only when a slot is free.

    Parameters
    ----------
    executor : concurrent.futures.Executor
        Where the work runs (a ``ProcessPoolExecutor``).
    slots : int
        How many items run at once (the executor's workers).
    """

    def __init__(self, executor: Executor, slots: int) -> None:
        self._executor = executor
        self._slots = max(1, int(slots))
        self._running = 0
        self._waiting: list[tuple[int, int, Future, Callable, tuple]] = []
        self._order = itertools.count()
        # work is given from this thread and from the executor's (as work finishes)
        self._lock = threading.Lock()

    def submit(self, function: Callable, *args, priority: int = 0) -> Future:
        """Run ``function(*args)`` when a slot is free and nothing more urgent waits."""
        future: Future = Future()
        with self._lock:
            heapq.heappush(self._waiting, (priority, next(self._order), future, function, args))
        self._dispatch()
        return future

    def cancel_waiting(self) -> None:
        """Cancel the work not yet given to the executor."""
        with self._lock:
            waiting, self._waiting = self._waiting, []
        for item in waiting:
            item[2].cancel()

    def _dispatch(self) -> None:
        while True:
            with self._lock:
                if self._running >= self._slots or not self._waiting:
                    return
                _priority, _n, future, function, args = heapq.heappop(self._waiting)
                if not future.set_running_or_notify_cancel():
                    continue  # cancelled while it waited
                self._running += 1
            try:
                inner = self._executor.submit(function, *args)
            except Exception as exc:  # e.g. a pool shut down or broken
                with self._lock:
                    self._running -= 1
                future.set_exception(exc)
                continue
            inner.add_done_callback(lambda done, outer=future: self._finished(outer, done))

    def _finished(self, outer: Future, inner: Future) -> None:
        with self._lock:
            self._running -= 1
        if inner.cancelled():
            outer.set_exception(RuntimeError("the worker pool was shut down"))
        elif inner.exception() is not None:
            outer.set_exception(inner.exception())
        else:
            outer.set_result(inner.result())
        self._dispatch()
