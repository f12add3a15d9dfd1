"""The scheduler that runs every training run's turns on a small pool of worker threads.

:class:`Scheduler` runs the turns of every admitted :class:`~dl_core.runs.BackgroundRun` on
``TRAINING_WORKERS`` threads (the number of cores by default), always giving the next turn
to the ready run that has used the least CPU time so far: a heavy CNN cannot starve a
light MLP, and the number of threads does not grow with the number of users. At most
``MAX_ACTIVE_RUNS`` runs are admitted at once; the others wait in a FIFO queue (with a
position and an estimate), and start by themselves. Nobody is turned away.

Locks are always taken scheduler first, then run: a run never holds its own lock while it
calls the scheduler.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dl_core.runs import BackgroundRun

TRAINING_WORKERS = int(os.environ.get("DL_TRAINING_WORKERS", str(os.cpu_count() or 2)))
MAX_ACTIVE_RUNS = int(os.environ.get("DL_MAX_ACTIVE_RUNS", "32"))


class FairShare:
    """Runs that count as ONE user for the scheduler's fairness: an experiment's runs
    together get the share of CPU one person's run gets, however many of them there are
    (when nobody else trains, they use every worker). ``cpu_seconds`` is their total."""

    def __init__(self):
        self.cpu_seconds = 0.0
        self.leveled = False
        self._lock = threading.Lock()

    def charge(self, seconds: float) -> None:
        with self._lock:
            self.cpu_seconds += seconds


def _served(run: BackgroundRun) -> tuple[bool, float, float]:
    """The scheduler's order: a run that is ending first (its turn only ends it, and its
    end is reported to a page or an experiment), then its share's CPU time, then its own."""
    return not run.ending(), _share(run).cpu_seconds, run.cpu_seconds


def _share(run: BackgroundRun):
    """What a run's CPU time is counted against: its FairShare, or the run itself."""
    return run.share or run


class Scheduler:
    """Runs the turns of admitted runs on ``workers`` threads; queues past ``max_active``.

    The next turn goes to the ready run with the least ``cpu_seconds`` (a run admitted late
    starts level with the least-served one), so every run gets an equal share of the CPU
    whatever its size. Runs of one :class:`FairShare` count as one: their total is
    compared, and among them the least-served run goes first. Threads are started lazily,
    never more than ``workers``.
    """

    def __init__(self, workers: int = TRAINING_WORKERS, max_active: int = MAX_ACTIVE_RUNS):
        self.workers, self.max_active = max(1, workers), max(1, max_active)
        self._cond = threading.Condition()
        self._active: list[BackgroundRun] = []
        self._queue: deque[BackgroundRun] = deque()
        self._busy: set[BackgroundRun] = set()
        self._threads: list[threading.Thread] = []
        self._unreported: list[BackgroundRun] = []  # ended in the queue; on_end not called

    def submit(self, run: BackgroundRun) -> None:
        with self._cond:
            self._queue.append(run)
            self._admit_locked()
            if len(self._threads) < self.workers:
                thread = threading.Thread(target=self._work, daemon=True,
                                          name=f"training-worker-{len(self._threads) + 1}")
                self._threads.append(thread)
                thread.start()
            self._cond.notify_all()
        # (a run this admission ended in the queue is reported by a worker, not here: the
        # caller may hold a lock of its own that the run's on_end wants, e.g. an
        # experiment's, and two such callers would wait for each other)

    def _report_ended(self) -> None:
        """Runs that ended in the queue get their ``on_end`` call, outside the lock."""
        with self._cond:
            ended, self._unreported = self._unreported, []
        for run in ended:
            run.report_end()

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def counts(self) -> tuple[int, int]:
        """(admitted runs that have not ended, queued runs)."""
        with self._cond:
            active = list(self._active)
            queued = len(self._queue)
        return sum(r.is_alive() for r in active), queued

    def stop_all(self, timeout: float = 10.0) -> bool:
        """Stop every admitted and queued run and wait for them to end (tests, shutdown)."""
        with self._cond:
            runs = [*self._active, *self._queue]
        for run in runs:
            run.stop()
        return all(run.join(timeout) for run in runs)

    def queue_info(self, run: BackgroundRun) -> tuple[int, float | None]:
        """(1-based queue position, estimated seconds until it starts) or (0, None)."""
        with self._cond:
            if run not in self._queue:
                return 0, None
            position = self._queue.index(run) + 1
            active = list(self._active)
        left = sorted(t for t in (r.seconds_left() for r in active) if t is not None)
        free_now = self.max_active - len(active)
        if position <= free_now:
            return position, 0.0
        k = position - free_now  # the k-th run to end lets this one in
        return position, (left[k - 1] if k <= len(left) else None)

    def _admit_locked(self) -> None:
        while self._queue and len(self._active) < self.max_active:
            run = self._queue.popleft()
            if run.end_unstarted():
                self._unreported.append(run)
                continue
            run.admit()
            self._active.append(run)

    def _purge_queue_locked(self) -> None:
        for run in [r for r in self._queue if r.end_unstarted()]:
            self._queue.remove(run)
            self._unreported.append(run)

    def _pick_locked(self) -> tuple[BackgroundRun | None, float]:
        """The ready run with the least CPU time, or (None, seconds to wait)."""
        now, best, wait = time.monotonic(), None, 1.0
        for run in self._active:
            if run in self._busy:
                continue
            due = run.wants_turn(now)
            if due is None:
                continue
            if due <= 0 and (best is None or _served(run) < _served(best)):
                best = run
            elif due > 0:
                wait = min(wait, due)
        return best, wait

    def _level_locked(self, run: BackgroundRun) -> None:
        """A newcomer starts level with the least served (a share with the least served
        share; a run of a share with the least served run of it)."""
        share = _share(run)
        if not share.leveled:
            others = {id(s): s.cpu_seconds for s in map(_share, self._active) if s.leveled}
            share.cpu_seconds, share.leveled = min(others.values(), default=0.0), True
        if share is not run and not run.leveled:
            mates = [r.cpu_seconds for r in self._active if r.share is share and r.leveled]
            run.cpu_seconds, run.leveled = min(mates, default=0.0), True

    def _work(self) -> None:
        while True:
            # (no local keeps the run between turns: an ended run must become unreachable)
            self._take_turn(self._next_turn())
            self._report_ended()

    def _take_turn(self, run: BackgroundRun | None) -> None:
        if run is None:
            return
        ended = run.turn()
        with self._cond:
            self._busy.discard(run)
            if ended:
                self._active.remove(run)
                self._admit_locked()
            self._cond.notify_all()

    def _next_turn(self) -> BackgroundRun | None:
        """The run to give a turn to now (marked busy), or None after a short wait."""
        with self._cond:
            self._purge_queue_locked()
            run, wait = self._pick_locked()
            if run is None:
                if not self._unreported:
                    self._cond.wait(timeout=max(wait, 0.002))
                return None
            self._busy.add(run)
            self._level_locked(run)
            return run
