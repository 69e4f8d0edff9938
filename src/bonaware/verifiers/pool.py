"""A small process pool with a hard wall-clock limit per item.

Why not ``concurrent.futures``: its ``result(timeout)`` only stops *waiting*; a hung item keeps its
worker busy forever and the items queued behind it are delayed. Here each worker runs one item at
a time, the parent times every item from the moment it is sent, and a worker that overruns is
killed and replaced (the item is reported as ``("timeout", None)``). Workers start once (``spawn``
by default: safe after torch has started threads) and are reused until :meth:`TimeoutPool.close`.

math-verify needs this: it uses ``signal.alarm``, which works only in a process's main thread, so
it cannot run in the trainer's threads (environment.md, math-verify notes).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import time
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing import connection
from typing import Any

from tqdm.auto import tqdm

from bonaware.errors import BonawareError

Result = tuple[str, Any]  # ("ok", value) | ("timeout", None) | ("error", "Type: message")


def _worker_main(conn, fn: Callable, initializer: Callable | None) -> None:
    if initializer is not None:
        initializer()
    conn.send(("ready", None))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if msg is None:
            return
        index, args = msg
        try:
            result: Result = ("ok", fn(*args))
        except Exception as exc:  # report, keep the worker alive
            result = ("error", f"{type(exc).__name__}: {exc}")
        conn.send((index, result))


class _Worker:
    def __init__(self, ctx, fn: Callable, initializer: Callable | None, start_timeout: float):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, fn, initializer), daemon=True)
        self.proc.start()
        child.close()
        self.ready = False
        self.index: int | None = None
        self.deadline = time.monotonic() + start_timeout

    @property
    def waiting(self) -> bool:
        return not self.ready or self.index is not None

    def send(self, index: int, args: tuple, timeout: float) -> None:
        self.index = index
        self.deadline = time.monotonic() + timeout
        self.conn.send((index, args))

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class TimeoutPool:
    """Run ``fn(*args)`` for many ``args`` in ``workers`` processes, each call limited to ``timeout`` s.

    Args:
        fn: a module-level (picklable) function.
        workers: number of worker processes.
        timeout: wall-clock seconds allowed per item, from the moment it is handed to a worker.
        initializer: called once in each worker before its first item (e.g. heavy imports).
        mp_context: multiprocessing start method (``"spawn"``, ``"forkserver"``, ``"fork"``).
        start_timeout: seconds a worker may take to start (imports on a loaded machine).
    """

    def __init__(self, fn: Callable, workers: int = 2, timeout: float = 30.0,
                 initializer: Callable | None = None, mp_context: str = "spawn",
                 start_timeout: float = 300.0):
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise BonawareError(f"workers must be a positive integer, got {workers!r}")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 86400:
            raise BonawareError(f"timeout must be a number of seconds in (0, 86400], got {timeout!r}")
        self.fn, self.workers, self.timeout = fn, workers, timeout
        self.initializer, self.start_timeout = initializer, start_timeout
        self._ctx = mp.get_context(mp_context)
        self._pool: list[_Worker] = []

    def _spawn(self) -> _Worker:
        return _Worker(self._ctx, self.fn, self.initializer, self.start_timeout)

    def map(self, items: Sequence[tuple], desc: str = "verify") -> list[Result]:
        """One :data:`Result` per item of ``items`` (argument tuples), in order."""
        results: list[Result | None] = [None] * len(items)
        queue = deque(range(len(items)))
        while len(self._pool) < min(self.workers, len(items)):
            self._pool.append(self._spawn())
        bar = tqdm(total=len(items), desc=desc, leave=False, disable=None if len(items) >= 200 else True)
        try:
            while queue or any(w.index is not None for w in self._pool):
                for w in self._pool:
                    if w.ready and w.index is None and queue:
                        i = queue.popleft()
                        w.send(i, items[i], self.timeout)
                waiting = [w for w in self._pool if w.waiting]
                wait_for = max(0.0, min(w.deadline for w in waiting) - time.monotonic())
                ready = connection.wait([w.conn for w in waiting], timeout=wait_for)
                for w in [w for w in waiting if w.conn in ready]:
                    try:
                        msg = w.conn.recv()
                    except (EOFError, OSError):  # the worker died (e.g. killed by the OOM killer)
                        bar.update(w.index is not None)
                        self._replace(w, results, ("error", "worker process died"))
                        continue
                    if msg[0] == "ready":
                        w.ready = True
                    else:
                        results[msg[0]] = msg[1]
                        w.index = None
                        bar.update(1)
                now = time.monotonic()
                for w in [w for w in self._pool if w.waiting and now > w.deadline]:
                    if not w.ready:
                        raise BonawareError(f"a worker did not start within {self.start_timeout:.0f} s")
                    self._replace(w, results, ("timeout", None))
                    bar.update(1)
        except BaseException:
            self.close()
            raise
        finally:
            bar.close()
        return results  # type: ignore[return-value]

    def _replace(self, w: _Worker, results: list, result: Result) -> None:
        if w.index is not None:
            results[w.index] = result
        elif not w.ready:
            raise BonawareError("a worker exited while starting (see its stderr above)")
        w.kill()
        self._pool[self._pool.index(w)] = self._spawn()

    def close(self) -> None:
        """Stop all workers."""
        for w in self._pool:
            with contextlib.suppress(OSError, ValueError):  # already dead
                w.conn.send(None)
        for w in self._pool:
            w.proc.join(2)
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(2)
            w.conn.close()
        self._pool = []

    def __enter__(self) -> TimeoutPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
