"""Work done in a forked child process while this one goes on, the same result either way.

Two jobs of an analysis run side by side on a machine with more than one
CPU: half the analyses of the plan, and the layout and export of the
report's figures. :func:`in_child` starts a function in a child made by
``fork`` (Linux), which holds everything this process holds at that moment,
and returns a function that waits for the child's result. The child runs
exactly the code this process would; when there is no second CPU, no fork,
or the child fails, the function runs here instead, so the result never
depends on where it was computed.

Examples
--------
>>> wait = in_child(lambda: sum(range(10)))
>>> wait()
45
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable, TypeVar

__all__ = ["in_child", "cpus"]

T = TypeVar("T")


def cpus() -> int:
    """CPUs this process may use where it can fork (Linux); 1 elsewhere.

    Examples
    --------
    >>> cpus() >= 1
    True
    """
    if not sys.platform.startswith("linux"):
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def in_child(fn: Callable[[], T]) -> Callable[[], T]:
    """Start ``fn()`` in a forked child (when there is a second CPU); call the result to get its value.

    Parameters
    ----------
    fn : callable
        Takes no argument; its value must pickle.

    Returns
    -------
    callable
        Waits for the child and returns ``fn()``'s value; runs ``fn()`` here
        when the child could not be started or did not deliver (its error,
        if any, is then raised here, by the same code).
    """
    if cpus() < 2:
        value = fn()
        return lambda: value
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    try:
        child = context.Process(target=_deliver, args=(fn, send), daemon=True)
        child.start()
    except OSError:  # no process to be had: compute here
        receive.close()
        send.close()
        value = fn()
        return lambda: value
    send.close()
    result: list[Any] = []

    def wait() -> T:
        if not result:
            try:
                outcome = receive.recv()
            except (EOFError, OSError):
                outcome = None
            receive.close()
            child.join()
            result.append(outcome[0] if isinstance(outcome, tuple) else fn())
        return result[0]

    return wait


def _deliver(fn: Callable[[], Any], send: Any) -> None:
    """In the child: send ``(value,)``, or nothing when ``fn`` fails (the parent runs it)."""
    try:
        send.send((fn(),))
    except BaseException:
        pass
    finally:
        send.close()
