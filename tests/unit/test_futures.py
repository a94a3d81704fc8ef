"""Work that follows other work (then, gather) and a pool that runs urgent work first."""

import threading
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from cartkit._core.futures import PriorityPool, gather, run_here, then


def _done(value) -> Future:
    return run_here(lambda: value)


def _failed(exc) -> Future:
    def fail():
        raise exc

    return run_here(fail)


def test_then_starts_the_next_step_with_the_result():
    first: Future = Future()
    out = then(first, lambda x: _done(x * 10))
    assert not out.done()  # nothing before the first is done
    first.set_result(4)
    assert out.result(timeout=1) == 40


def test_then_passes_on_the_first_failure_and_the_next_steps():
    out = then(_failed(KeyError("k")), lambda x: pytest.fail("never called"))
    with pytest.raises(KeyError):
        out.result(timeout=1)

    def broken(_x):
        raise ValueError("no next step")

    with pytest.raises(ValueError, match="no next step"):
        then(_done(1), broken).result(timeout=1)
    with pytest.raises(TypeError, match="late"):
        then(_done(1), lambda _x: _failed(TypeError("late"))).result(timeout=1)


def test_gather_keeps_the_order_and_gives_the_first_failure_in_that_order():
    a, b = Future(), Future()
    out = gather([a, b])
    b.set_result("b")
    assert not out.done()
    a.set_result("a")
    assert out.result(timeout=1) == ["a", "b"]
    assert gather([]).result(timeout=1) == []
    failed = gather([_done(1), _failed(ValueError("first")), _failed(KeyError("second"))])
    with pytest.raises(ValueError, match="first"):
        failed.result(timeout=1)


def test_the_pool_runs_the_most_urgent_waiting_work_first():
    release, order = threading.Event(), []
    with ThreadPoolExecutor(1) as executor:
        pool = PriorityPool(executor, 1)
        blocker = pool.submit(release.wait, 5)
        later = [pool.submit(order.append, name, priority=1) for name in ("fig1", "fig2")]
        urgent = pool.submit(order.append, "analysis", priority=0)
        assert order == []  # all wait for the one slot
        release.set()
        for future in (blocker, *later, urgent):
            future.result(timeout=5)
    # given last, run first: then the others in the order given
    assert order == ["analysis", "fig1", "fig2"]


def test_the_pool_passes_failures_on_and_cancels_what_waits():
    release = threading.Event()
    with ThreadPoolExecutor(1) as executor:
        pool = PriorityPool(executor, 1)
        failing = pool.submit(lambda: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            failing.result(timeout=5)
        running = pool.submit(release.wait, 5)
        waiting = pool.submit(pytest.fail, "cancelled: never run")
        pool.cancel_waiting()
        release.set()
        assert running.result(timeout=5) is True
        assert waiting.cancelled()
        assert pool.submit(lambda: "still works").result(timeout=5) == "still works"
