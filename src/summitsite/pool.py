"""Running the build's pure, CPU-bound steps (parsing seeds, rendering pages) in worker processes.

Workers are forked, so they inherit the state they need (the parsed site, the Jinja environment) from the
parent instead of receiving it pickled with every task: a task is a range of indices, a result the list of
what the function returned for them, in order. The results do not depend on the number of workers or on
how the work was split, so the output is byte-identical for any `--jobs`.

Forking is only safe while the parent runs a single thread, so a process with threads (the dev server)
and a platform without fork (Windows, macOS defaults aside) run the same function in-process instead, as
do small jobs, where starting the workers would cost more than it saves.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

R = TypeVar("R")

MIN_ITEMS = 48
"""Fewer items than this run in-process: forking and collecting results costs more than it saves."""
CHUNKS_PER_WORKER = 4

_TASK: tuple[Callable[[Any, int], Any], Any] | None = None


def default_jobs() -> int:
    """The CPUs this process may run on (the affinity mask, e.g. under taskset or a container limit)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    # os.fork is where multiprocessing's "fork" start method is (POSIX); asked without importing it.
    return hasattr(os, "fork") and threading.active_count() == 1


def chunk_bounds(count: int, jobs: int) -> list[tuple[int, int]]:
    size = max(1, -(-count // (jobs * CHUNKS_PER_WORKER)))
    return [(start, min(start + size, count)) for start in range(0, count, size)]


def run_indexed(func: Callable[[Any, int], R], state: Any, count: int, jobs: int,
                done: Callable[[int], None] | None = None, heavy: Sequence[int] = (),
                collect: Callable[[int, R], None] | None = None) -> list[R]:
    """`[func(state, i) for i in range(count)]`, in `jobs` forked workers when that pays off.

    An exception in a worker is raised here (SummitError crosses intact). `done(n)` is told how many items
    have finished, for a progress bar. `heavy` names items that cost far more than the others (a hub page
    that lists every article), heaviest first: each is a task of its own, handed out before the rest, so
    that no worker is left with all of them at the end while the others idle. With `collect`, each result
    goes to `collect(i, result)` as soon as it arrives and the list returned is empty: the results are
    never all held at once (a big site's mention scans).
    """
    global _TASK
    if jobs <= 1 or count < MIN_ITEMS or not can_fork():
        results = []
        for i in range(count):
            result = func(state, i)
            if collect is not None:
                collect(i, result)
            else:
                results.append(result)
            if done is not None:
                done(1)
        return results
    # Imported here: a rebuild after an edit runs its few items in-process, and multiprocessing with the
    # process pool is a twentieth of the program's start.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _TASK = (func, state)
    # Everything the workers inherit is frozen first: their collector then never walks the parent's objects
    # (the analysed site, millions of objects at 10,000 articles), only what they make themselves. That was a
    # tenth of the workers' time at 10,000 articles. (Not when the program has frozen objects of its own:
    # unfreezing afterwards would undo that.)
    frozen = gc.get_freeze_count() == 0
    if frozen:
        gc.freeze()
    try:
        # The workers collect cyclic garbage even when the parent has paused that (`builder.gc_paused`):
        # rendering makes cycles, and a worker renders for the whole build.
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
                                 initializer=gc.enable) as pool:
            first = list(dict.fromkeys(heavy))  # in the caller's order: the heaviest first
            chosen = set(first)
            rest = [i for i in range(count) if i not in chosen]
            tasks = [[i] for i in first] + [rest[a:b] for a, b in chunk_bounds(len(rest), jobs)]
            results: list[Any] = [None] * count if collect is None else []
            for task, part in zip(tasks, pool.map(_run_chunk, tasks), strict=True):
                for i, result in zip(task, part, strict=True):
                    if collect is not None:
                        collect(i, result)
                    else:
                        results[i] = result
                if done is not None:
                    done(len(part))
                del part  # a chunk of results goes before the next arrives (with `collect`, nothing holds them)
            return results
    finally:
        _TASK = None
        if frozen:
            gc.unfreeze()


def run_isolated(func: Callable[..., R], *args: Any) -> R:
    """`func(*args)` in a child process forked for it, when this process can fork; in-process otherwise.

    For a stage that needs much memory for a while and leaves little: what the child allocates goes with it,
    where in this process it would stay as the allocator's free space, split among the objects that
    outlive the stage, and every worker forked later would inherit it. The result (or the exception)
    comes back pickled; the child may run a pool of its own.
    """
    if not can_fork():
        return func(*args)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # or what is buffered would be written twice, once by each process
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: nothing but the call, and never back into the caller's code
        status = 1
        try:
            os.close(read_end)
            try:
                outcome: tuple[bool, Any] = (True, func(*args))
            except BaseException as exc:  # every failure goes to the parent, which raises it
                if hasattr(exc, "add_note") and not isinstance(exc, (KeyboardInterrupt, SystemExit)):  # 3.11+
                    exc.add_note("".join(traceback.format_exception(exc)).rstrip())  # the child's traceback
                outcome = (False, exc)
            try:
                data = pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # an unpicklable result or exception
                data = pickle.dumps((False, RuntimeError(f"{func.__name__}: {exc}")), pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            try:
                for stream in (sys.stdout, sys.stderr):
                    stream.flush()
            finally:
                os._exit(status)  # whatever happened: the child must never return into the caller's code
    os.close(write_end)
    try:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
    finally:
        os.waitpid(pid, 0)
    if not data:
        raise RuntimeError(f"{func.__name__}: the process forked for it ended without a result")
    ok, value = pickle.loads(data)
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


def _run_chunk(indices: Sequence[int]) -> Sequence[Any]:
    assert _TASK is not None, "a worker without a task: the pool was not forked from run_indexed"
    func, state = _TASK
    return [func(state, i) for i in indices]
