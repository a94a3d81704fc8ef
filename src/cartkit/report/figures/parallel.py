"""Drawing many figures at once, in worker processes: :class:`FigureWorkers`, :func:`render_all`.

A figure's ``draw`` is a picklable spec (a module-level function bound to the results it shows),
so it can be drawn in a worker process. Each figure's bytes are the same whichever process draws
it and in whatever order; warnings raised while drawing are raised again in the caller.

Workers are best started early, while the process is small and runs one thread (the command
line starts them before it reads the study): they are forked then, import the figure modules
while the analysis runs, and draw each figure as soon as its analysis is done
(:meth:`FigureWorkers.prefetch`). Other work given to them (:meth:`FigureWorkers.call`: the
slowest analyses) runs before any figure waiting.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor, as_completed

from ..._core.futures import PriorityPool, run_here
from .save import Rendered, render_figure

__all__ = ["MIN_PARALLEL", "FigureWorkers", "Rendering", "available_cpus", "render_all"]

#: fewer figures than this are drawn in the calling process (a pool costs more than it saves)
MIN_PARALLEL = 4
# what the workers run first: analyses on the report's critical path, then figures
_ANALYSIS, _FIGURE = 0, 1


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity where the system says, else the count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _warm_up() -> None:
    # what drawing needs, imported while the caller still computes
    import pandas  # noqa: F401

    from . import (  # noqa: F401
        ckmodel,
        forest,
        incidence,
        kinetics,
        panels,
        scatter,
        survival,
        swimmer,
        toxicity,
    )


def _draw_and_render(draw: Callable, svg: bool) -> tuple[Rendered, list]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rendered = render_figure(draw(), svg=svg)
    # a warning object does not always pickle: its category and text do
    return rendered, [(w.category, str(w.message)) for w in caught]


def _context():
    """Fork when this process runs one thread (cheap: nothing to import again), else spawn.

    Forking a process that runs other threads can copy a lock one of them holds, and the
    worker may then wait for it forever (Python 3.12 warns of it). A spawned worker starts a
    fresh interpreter with this process's ``sys.path`` and imports what it draws with. Not a
    fork server preloading the figure modules: on Python 3.11 (and before 3.12.8 and 3.13.1,
    CPython issue 117378) the server ignores the caller's ``sys.path`` while preloading, so
    its workers held another copy of cartkit than the one running (an installed one, where
    the running one comes from a checkout or a notebook's path) and could not unpickle a
    figure, or would draw it with other code.
    """
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


class FigureWorkers:
    """Worker processes that draw figures; a context manager (shut down on exit).

    Parameters
    ----------
    workers : int, optional
        How many processes; default one per available CPU. With ``1`` (or a single CPU) no
        process is started and figures are drawn in the calling process.

    Examples
    --------
    >>> with FigureWorkers() as workers:  # doctest: +SKIP
    ...     analysis = ck.analyze(study)
    ...     ck.write_report(analysis, "report/", workers=workers)
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, available_cpus() if workers is None else int(workers))
        self._pool: ProcessPoolExecutor | None = None
        self._queue: PriorityPool | None = None
        # figures started before the report asked for them: id -> (draw, svg, future)
        self._early: dict[str, tuple[Callable, bool, Future]] = {}

    def start(self) -> FigureWorkers:
        """Start the processes now (they import the figure modules); return self."""
        if self.workers > 1 and self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_context())
            for _ in range(self.workers):
                self._pool.submit(_warm_up)
            self._queue = PriorityPool(self._pool, self.workers)
        return self

    def submit(self, draw: Callable, svg: bool) -> Future:
        """Draw one figure in a worker; the future's result is ``(Rendered, warnings)``."""
        self.start()
        if self._queue is None:  # one worker: drawn here, the future already done
            future: Future = Future()
            future.set_result(_draw_and_render(draw, svg))
            return future
        return self._queue.submit(_draw_and_render, draw, svg, priority=_FIGURE)

    def prefetch(self, fid: str, draw: Callable, svg: bool) -> None:
        """Start drawing figure ``fid`` now, for a report written later with the same ``draw``.

        :func:`render_all` then takes the drawing instead of starting another (when given the
        same ``draw`` object and ``svg``). Nothing is done with one worker: the figure would be
        drawn here at once, holding up the caller.
        """
        self.start()
        if self._queue is not None and fid not in self._early:
            self._early[fid] = (draw, svg, self.submit(draw, svg))

    def take(self, fid: str, draw: Callable, svg: bool) -> Future | None:
        """The drawing of ``fid`` started by :meth:`prefetch` with this ``draw``, if any."""
        early = self._early.pop(fid, None)
        if early is None:
            return None
        if early[0] is draw and early[1] == svg:
            return early[2]
        early[2].cancel()  # another figure of the same id: not the one wanted
        return None

    def call(self, function: Callable, *args) -> Future:
        """Run ``function(*args)`` in a worker (here, at once, with one worker); a Future.

        For other work than figures while the workers would wait: the analysis runs its
        slowest kinds this way (``cartkit.analyze(..., submit=workers.call)``). It runs before
        any figure still waiting for a worker.
        """
        self.start()
        if self._queue is None:
            return run_here(function, *args)
        return self._queue.submit(function, *args, priority=_ANALYSIS)

    def shutdown(self) -> None:
        """Stop the processes (pending figures are cancelled)."""
        if self._queue is not None:
            self._queue.cancel_waiting()
            self._queue = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._early.clear()

    def __enter__(self) -> FigureWorkers:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.shutdown()


class Rendering:
    """Figures being drawn; iterate for ``(id, Rendered)`` as each is done (in any order).

    Made by :func:`render_all`. Used as a context manager: the workers start drawing when the
    block is entered, so the caller can write other files meanwhile.
    """

    def __init__(
        self,
        draws: Mapping[str, Callable],
        *,
        svg: bool,
        workers: FigureWorkers | int | None,
        progress: Callable[[str, int, int], None] | None,
    ) -> None:
        self.draws, self.svg, self.progress = dict(draws), svg, progress
        self._own = not isinstance(workers, FigureWorkers)
        if isinstance(workers, FigureWorkers):
            self._workers = workers
        elif workers is None and len(self.draws) < MIN_PARALLEL:
            self._workers = FigureWorkers(1)
        else:
            n = available_cpus() if workers is None else int(workers)
            self._workers = FigureWorkers(max(1, min(n, len(self.draws))))
        self._futures: dict[Future, str] = {}

    def __enter__(self) -> Rendering:
        if self._workers.workers > 1 and len(self.draws) > 1:
            for fid, draw in self.draws.items():
                future = self._workers.take(fid, draw, self.svg)
                if future is None:
                    future = self._workers.submit(draw, self.svg)
                self._futures[future] = fid
        return self

    def __exit__(self, *exc) -> None:
        for future in self._futures:
            future.cancel()
        if self._own:
            self._workers.shutdown()

    def __iter__(self) -> Iterator[tuple[str, Rendered]]:
        total = len(self.draws)
        items = self._collect() if self._futures else self._here()
        for done, (fid, rendered) in enumerate(items, start=1):
            if self.progress is not None:
                self.progress(fid, done, total)
            yield fid, rendered

    def _here(self) -> Iterator[tuple[str, Rendered]]:
        for fid, draw in self.draws.items():
            yield fid, render_figure(draw(), svg=self.svg)

    def _collect(self) -> Iterator[tuple[str, Rendered]]:
        for future in as_completed(self._futures):
            rendered, caught = future.result()
            for category, message in caught:
                warnings.warn(message, category, stacklevel=3)
            yield self._futures[future], rendered


def render_all(
    draws: Mapping[str, Callable],
    *,
    svg: bool = False,
    workers: FigureWorkers | int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Rendering:
    """Draw each figure, in worker processes when there are many.

    Parameters
    ----------
    draws : mapping of str to callable
        Figure id to a callable returning a :class:`matplotlib.figure.Figure`; picklable when
        drawn in other processes.
    svg : bool, default False
        Also render each figure's SVG.
    workers : FigureWorkers or int, optional
        Started workers to draw in (see :class:`FigureWorkers`), or how many processes to start
        for these figures; default: one per available CPU when there are at least
        :data:`MIN_PARALLEL` figures, else none (drawn in this process, as it iterates).
    progress : callable, optional
        Called as ``progress(id, done, total)`` after each figure.

    Returns
    -------
    Rendering
        A context manager; iterate it for ``(id, Rendered)``.
    """
    return Rendering(draws, svg=svg, workers=workers, progress=progress)
