"""The engine of the one-click experiments: many short training runs as one user's share.

No Streamlit here. An :class:`Experiment` is a list of :class:`Job` objects (a Trainer to
build, epochs to train, what to measure at the end). It keeps at most ``parallel`` of them
training as :class:`~dl_core.runs.BackgroundRun` objects on the process-wide scheduler,
all counted against one :class:`~dl_core.scheduler.FairShare`: an experiment of 54 runs
gets the CPU one person's run would get when others train, and every worker it has runs
for when nobody else does. It has no thread of its own: when a run ends, its ``on_end``
callback measures it, drops its Trainer (model, optimizer, data) and starts the next job.
``stop()`` ends the running jobs, drops the others and keeps every result already
measured. The experiments themselves are in dl_core/experiments.py. Its texts (a job's
message, why it ended) are Messages: they are made in worker threads and shown in the
language of the page that shows them.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from dl_core.i18n import Message, detail
from dl_core.runs import IDLE_TIMEOUT_SECONDS, BackgroundRun
from dl_core.scheduler import FairShare, Scheduler


@dataclass(frozen=True)
class Job:
    """One run of an experiment: ``key`` names its point (e.g. ("mlp", 0.05, 1)).
    ``measure(trainer, snapshot)`` returns its final figures (default: the last epoch's)."""

    key: tuple
    make_trainer: Callable[[], object]
    epochs: int
    measure: Callable | None = None


@dataclass(frozen=True)
class JobState:
    key: tuple
    status: str  # pending | queued | starting | running | finished | stopped | diverged | ...
    history: tuple = ()
    result: dict | None = None
    message: Message | str = ""


@dataclass(frozen=True)
class ExperimentSnapshot:
    jobs: tuple  # JobState, in the order of the experiment's jobs
    active: bool
    elapsed_seconds: float
    reason: Message | str  # why it ended ("" while it runs or when every job ran)

    @property
    def done(self) -> int:
        """Jobs that have ended and will not run again (measured or not)."""
        return sum(j.status in ("finished", "diverged", "failed") for j in self.jobs)

    def results(self) -> dict[tuple, dict]:
        return {j.key: j.result for j in self.jobs if j.result is not None}


def last_epoch(trainer, snap) -> dict:
    last = snap.history[-1]
    return {"loss": last.loss, "accuracy": last.accuracy, "val_loss": last.val_loss,
            "val_accuracy": last.val_accuracy}


class Experiment:
    """Runs ``jobs``, at most ``parallel`` at once, as one share of the scheduler."""

    def __init__(self, jobs: list[Job], parallel: int = 2, scheduler: Scheduler | None = None,
                 idle_timeout: float = IDLE_TIMEOUT_SECONDS, fair: bool = True):
        self.jobs = list(jobs)
        self.parallel = max(1, parallel)
        # (fair=False: every run counts as a user of its own; for bench/experiments.py)
        self.share = FairShare() if fair else None
        self._scheduler = scheduler
        self._idle_timeout = idle_timeout
        self._lock = threading.RLock()
        self._pending = deque(self.jobs)
        self._running: dict[tuple, BackgroundRun] = {}
        self._ended: dict[tuple, JobState] = {}
        self._stopped = False
        self.reason = ""
        self._began = self._finished = None

    def start(self) -> "Experiment":
        with self._lock:
            self._began = time.monotonic()
            for _ in range(self.parallel):
                self._launch_next_locked()
            self._check_done_locked()
        return self

    def _launch_next_locked(self) -> None:
        if self._stopped or not self._pending:
            return
        job = self._pending.popleft()
        run = BackgroundRun(job.make_trainer, epochs=job.epochs, share=self.share,
                            scheduler=self._scheduler, idle_timeout=self._idle_timeout,
                            on_end=lambda r, job=job: self._on_end(job, r))
        self._running[job.key] = run
        run.start()

    def _on_end(self, job: Job, run: BackgroundRun) -> None:
        """Measure an ended job (in the thread that ended it), free its Trainer, and start
        the next job, unless the run was stopped for want of a viewer."""
        snap = run.snapshot()
        result, message = None, snap.message
        # (a job stopped half-way is no point of a sweep: its curves stay, not a result)
        if snap.status == "finished" and run.trainer is not None:
            try:
                result = (job.measure or last_epoch)(run.trainer, snap)
            except Exception as exc:  # noqa: BLE001 - one bad point does not end the rest
                message = Message("could not be measured: {kind}: {error}",
                                  kind=type(exc).__name__, error=detail(exc))
        run.trainer = None  # the model, optimizer and data go now, not with the experiment
        with self._lock:
            self._running.pop(job.key, None)
            self._ended[job.key] = JobState(job.key, snap.status, snap.history, result,
                                            message)
            if snap.status == "stopped" and not self._stopped:
                self._stop_locked(Message("stopped: {reason}", reason=message))
            self._launch_next_locked()
            self._check_done_locked()

    def _check_done_locked(self) -> None:
        if not self._running and (self._stopped or not self._pending) and \
                self._finished is None:
            self._finished = time.monotonic()

    def stop(self, reason: Message | str = Message("stopped")) -> None:
        """End the running jobs and drop the others; results already measured stay."""
        with self._lock:
            self._stop_locked(reason)
            runs = list(self._running.values())
        for run in runs:
            run.stop()

    def _stop_locked(self, reason: Message | str) -> None:
        if not self._stopped:
            self._stopped, self.reason = True, reason
            self._pending.clear()
            for run in self._running.values():
                run.stop()
            self._check_done_locked()

    def touch(self) -> None:
        """Someone is watching: keep the running jobs from their idle timeout."""
        with self._lock:
            runs = list(self._running.values())
        for run in runs:
            run.touch()

    def join(self, timeout: float | None = None) -> bool:
        end = None if timeout is None else time.monotonic() + timeout
        while end is None or time.monotonic() < end:
            if not self.snapshot().active:
                return True
            time.sleep(0.02)
        return False

    def snapshot(self) -> ExperimentSnapshot:
        with self._lock:
            running = dict(self._running)
            ended = dict(self._ended)
            pending = {j.key for j in self._pending}
            began, finished = self._began, self._finished
            reason, active = self.reason, began is not None and finished is None
        states = []
        for job in self.jobs:
            if job.key in ended:
                states.append(ended[job.key])
            elif job.key in running:
                snap = running[job.key].snapshot()
                states.append(JobState(job.key, snap.status, snap.history))
            else:
                states.append(JobState(job.key, "pending" if job.key in pending or not began
                                       else "dropped"))
        now = finished or time.monotonic()
        return ExperimentSnapshot(tuple(states), active,
                                  (now - began) if began else 0.0, reason)


@dataclass
class Summary:
    """Mean, lowest and highest of a point's values over its seeds."""

    mean: float
    low: float
    high: float
    count: int
    values: list = field(default_factory=list)


def summarize(results: dict[tuple, dict], metric: str) -> dict[tuple, Summary]:
    """Results keyed (..., seed) -> per point (the key without its seed) the spread of
    ``metric`` over the seeds measured so far."""
    grouped: dict[tuple, list] = {}
    for key, result in results.items():
        if result is not None and result.get(metric) is not None:
            grouped.setdefault(key[:-1], []).append(result[metric])
    return {point: Summary(float(np.mean(v)), float(min(v)), float(max(v)), len(v), v)
            for point, v in grouped.items()}
