"""Background training runs, scheduled fairly on a small pool of worker threads.

No Streamlit here. A :class:`BackgroundRun` is a state machine (build the Trainer, train
one epoch, wait, ...) that never touches the UI: it appends each epoch's stats to a
lock-protected history and obeys pause / resume / step / stop and a pending learning rate.
The process-wide :class:`Scheduler` runs the turns of every admitted run on
``TRAINING_WORKERS`` threads (the number of cores by default), always giving the next turn
to the ready run that has used the least CPU time so far: a heavy CNN cannot starve a
light MLP, and the number of threads does not grow with the number of users. At most
``MAX_ACTIVE_RUNS`` runs are admitted at once; the others wait in a FIFO queue (with a
position and an estimate), and start by themselves. Nobody is turned away.

Every run is bounded: an epoch limit and an idle timeout (no ``touch()`` from a viewer for
``idle_timeout`` seconds stops it, queued or not).
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

import numpy as np

TRAINING_WORKERS = int(os.environ.get("DL_TRAINING_WORKERS", str(os.cpu_count() or 2)))
MAX_ACTIVE_RUNS = int(os.environ.get("DL_MAX_ACTIVE_RUNS", "32"))
IDLE_TIMEOUT_SECONDS = float(os.environ.get("DL_IDLE_TIMEOUT_SECONDS", "60"))

ACTIVE_STATES = ("queued", "starting", "running", "paused")


@dataclass(frozen=True)
class RunSnapshot:
    """A consistent copy of a run's state for display."""

    status: str  # queued | starting | running | paused | finished | stopped | diverged | failed
    message: str
    history: tuple  # EpochStats, oldest first
    target_epochs: int
    elapsed_seconds: float
    lr_changes: tuple  # (first epoch trained at the new rate, rate)
    test_probabilities: np.ndarray | None
    kernels: dict  # layer name -> kernel array after the last epoch
    pause_requested: bool = False  # Pause (or Step) was pressed; set at once, unlike status
    first_epoch: int = 1  # the first epoch this run trained (> 1 when it continues another)
    divergence: object = None  # the TrainingDiverged error (where the NaN appeared), if any
    queue_position: int = 0  # 1 = next to start; 0 when not queued
    queue_wait_seconds: float | None = None  # estimate while queued (None: unknown)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATES

    @property
    def epochs_per_second(self) -> float:
        """Epochs this run trained (not those it continued from) per second."""
        trained = len(self.history) - (self.first_epoch - 1)
        return trained / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0


class BackgroundRun:
    """Trains ``make_trainer()``'s Trainer for up to ``epochs`` epochs, one scheduled turn
    at a time.

    ``make_trainer`` is called in a worker thread (building and tracing take about a second,
    so the page returns at once). ``epoch_delay`` seconds pass between epochs so people can
    watch. ``continues``: an ended run whose Trainer (model, optimizer, history) this run
    trains on instead of calling ``make_trainer``; its epochs and learning-rate marks carry
    over.
    """

    _ids = itertools.count(1)

    def __init__(self, make_trainer: Callable, epochs: int, epoch_delay: float = 0.0,
                 idle_timeout: float = IDLE_TIMEOUT_SECONDS,
                 continues: "BackgroundRun | None" = None, scheduler: "Scheduler | None" = None):
        if continues is not None and (continues.trainer is None or continues.is_alive()):
            raise ValueError("only an ended run that built its model can be continued")
        self.id = next(self._ids)
        self._make_trainer = make_trainer
        self._continues = continues
        self._scheduler = scheduler
        self.epochs = epochs
        self.epoch_delay = epoch_delay
        self.idle_timeout = idle_timeout
        self.trainer = None
        self._cond = threading.Condition()
        self._status, self._message = "queued", ""
        previous = continues.snapshot() if continues is not None else None
        self._history: list = list(previous.history) if previous else []
        self._lr_changes: list = list(previous.lr_changes) if previous else []
        self._first_epoch = len(self._history) + 1
        self._divergence = None
        self._pending_lr: float | None = None
        self._paused = self._stop = False
        self._steps_requested = 0
        self._test_probs = previous.test_probabilities if previous else None
        self._kernels: dict = dict(previous.kernels) if previous else {}
        self._started = self._ended = None
        self._clock = 0.0  # seconds spent building or training (not paused, not queued)
        self._clock_since: float | None = None  # when the current stretch began
        self._submitted = False
        self._next_due = 0.0  # monotonic time of the next epoch (the pause between epochs)
        self.cpu_seconds = 0.0  # work done in turns: the scheduler's fairness measure
        self.leveled = False  # the scheduler set cpu_seconds level with the others once
        self._last_touch = time.monotonic()

    # ---------------------------------------------------------------- controls
    def start(self, paused: bool = False) -> "BackgroundRun":
        """Hand the run to the scheduler: it starts now, or queues until a slot frees."""
        with self._cond:
            if self._submitted:
                raise RuntimeError("a run can be started once")
            self._submitted, self._paused = True, paused
        (self._scheduler or default_scheduler()).submit(self)
        return self

    def pause(self) -> None:
        self._set(_paused=True)

    def resume(self) -> None:
        self._set(_paused=False)

    def step(self) -> None:
        """Train exactly one more epoch, then pause."""
        with self._cond:
            self._paused = True
            self._steps_requested += 1
        self._wake()

    def stop(self) -> None:
        self._set(_stop=True)

    def set_learning_rate(self, learning_rate: float) -> None:
        """Applied before the next epoch (and recorded as a change on the curves)."""
        self._set(_pending_lr=float(learning_rate))

    def touch(self) -> None:
        """A viewer is still watching: postpone the idle timeout."""
        self._last_touch = time.monotonic()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the run has ended; True if it has."""
        with self._cond:
            return self._cond.wait_for(lambda: self._ended is not None, timeout)

    def is_alive(self) -> bool:
        """Started and not ended yet (a worker may still use its Trainer)."""
        with self._cond:
            return self._submitted and self._ended is None

    def _set(self, **fields) -> None:
        with self._cond:
            for name, value in fields.items():
                setattr(self, name, value)
        self._wake()

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()
        if self._submitted:
            (self._scheduler or default_scheduler()).wake()

    # ---------------------------------------------------------------- reading
    def snapshot(self) -> RunSnapshot:
        position, wait = (self._scheduler or default_scheduler()).queue_info(self) \
            if self._submitted else (0, None)
        with self._cond:
            end = self._ended or time.monotonic()
            return RunSnapshot(
                status=self._status, message=self._message, history=tuple(self._history),
                target_epochs=self.epochs,
                elapsed_seconds=self._clock_seconds(end),
                lr_changes=tuple(self._lr_changes), test_probabilities=self._test_probs,
                kernels=dict(self._kernels), pause_requested=self._paused,
                first_epoch=self._first_epoch, divergence=self._divergence,
                queue_position=position if self._status == "queued" else 0,
                queue_wait_seconds=wait if self._status == "queued" else None)

    def seconds_left(self) -> float | None:
        """Estimated seconds until this run ends by itself (None while paused or unknown)."""
        with self._cond:
            trained = len(self._history) - (self._first_epoch - 1)
            if self._paused or self._ended is not None or not self._started:
                return None if self._ended is None else 0.0
            per_epoch = self._clock_seconds(time.monotonic()) / trained if trained else 2.0
            return max(self.epochs - len(self._history), 0) * per_epoch

    # ---------------------------------------------------------------- scheduling
    def wants_turn(self, now: float) -> float | None:
        """0 if a worker should take a turn now, the seconds until it should, or None
        (waiting for a click: paused)."""
        with self._cond:
            if self._stop or now - self._last_touch > self.idle_timeout or self.trainer is None:
                return 0.0
            if self._paused and not self._steps_requested:
                if self._status == "running":  # paused between epochs: a turn records it
                    return 0.0
                return self._last_touch + self.idle_timeout - now  # then the idle timeout
            return max(self._next_due - now, 0.0)

    def admit(self) -> None:
        """Called by the scheduler when the run leaves the queue."""
        with self._cond:
            self._started = time.monotonic()
            self._set_status_locked("starting")

    def end_unstarted(self) -> bool:
        """Called for a queued run: end it if it was stopped or left idle. True if ended."""
        with self._cond:
            idle = time.monotonic() - self._last_touch
            if self._stop:
                self._finish_locked("stopped", "stopped before it started")
            elif idle > self.idle_timeout:
                self._finish_locked("stopped", f"stopped after {idle:.0f} s in the queue "
                                               "without anyone watching")
            return self._ended is not None

    def turn(self) -> bool:
        """One unit of work (build the Trainer, or train one epoch). True when it ended."""
        start = time.perf_counter()
        try:
            if self.trainer is None:
                with self._cond:
                    if self._stop:
                        self._finish_locked("stopped", "stopped")
                        return True
                self._build()
            elif self._epoch_allowed():
                self._record(self.trainer.train_epoch())
                if len(self._history) >= self.epochs:
                    self._finish("finished", f"trained {self.epochs} epochs")
        except Exception as exc:  # noqa: BLE001 - shown on the page, never a traceback
            self._fail(exc)
        finally:
            self.cpu_seconds += time.perf_counter() - start
        with self._cond:
            return self._ended is not None

    def _build(self) -> None:
        if self._continues is not None:
            trainer, self._continues = self._continues.trainer, None
        else:
            trainer = self._make_trainer()
        with self._cond:
            self.trainer = trainer
            self._set_status_locked("paused" if self._paused and not self._steps_requested
                                    else "running")

    def _epoch_allowed(self) -> bool:
        """Apply a stop, the idle timeout or a pending rate. False when no epoch is due."""
        with self._cond:
            if self._stop:
                return self._finish_locked("stopped", "stopped")
            idle = time.monotonic() - self._last_touch
            if idle > self.idle_timeout:
                return self._finish_locked(
                    "stopped", f"stopped after {idle:.0f} s without anyone watching")
            if self._paused and not self._steps_requested:
                self._set_status_locked("paused")
                return False
            if time.monotonic() < self._next_due:
                return False
            if self._steps_requested:
                self._steps_requested -= 1
            self._set_status_locked("running")
            if self._pending_lr is not None:
                if self._pending_lr != self.trainer.learning_rate:
                    self.trainer.set_learning_rate(self._pending_lr)
                    self._lr_changes.append((len(self._history) + 1, self._pending_lr))
                self._pending_lr = None
            return True

    def _record(self, stats) -> None:
        kernels = self.trainer.kernels()
        with self._cond:
            self._history.append(stats)
            self._test_probs = self.trainer.test_probabilities_
            self._kernels = kernels
            self._next_due = time.monotonic() + self.epoch_delay
            if self._paused and not self._steps_requested:
                self._set_status_locked("paused")

    def _set_status_locked(self, status: str) -> None:
        """Change the status; the clock runs only while building or training."""
        now = time.monotonic()
        if self._clock_since is not None:
            self._clock += now - self._clock_since
        self._clock_since = now if status in ("starting", "running") else None
        self._status = status

    def _clock_seconds(self, now: float) -> float:
        return self._clock + (now - self._clock_since if self._clock_since is not None else 0.0)

    def _fail(self, exc: Exception) -> None:
        from dl_core.training import TrainingDiverged  # TensorFlow is loaded by now

        if isinstance(exc, TrainingDiverged):
            self._divergence = exc.with_traceback(None)  # its frames would hold the model
            self._finish("diverged", str(exc))
        else:
            self._finish("failed", f"training failed: {type(exc).__name__}: {exc}")

    def _finish(self, status: str, message: str) -> None:
        with self._cond:
            self._finish_locked(status, message)

    def _finish_locked(self, status: str, message: str) -> bool:
        self._set_status_locked(status)
        self._message = message
        self._ended = time.monotonic()
        self._started = self._started or self._ended
        self._make_trainer = self._continues = None  # nothing of the run's config is kept
        self._cond.notify_all()
        return False


class Scheduler:
    """Runs the turns of admitted runs on ``workers`` threads; queues past ``max_active``.

    The next turn goes to the ready run with the least ``cpu_seconds`` (a run admitted late
    starts level with the least-served one), so every run gets an equal share of the CPU
    whatever its size. Threads are started lazily, never more than ``workers``.
    """

    def __init__(self, workers: int = TRAINING_WORKERS, max_active: int = MAX_ACTIVE_RUNS):
        self.workers, self.max_active = max(1, workers), max(1, max_active)
        self._cond = threading.Condition()
        self._active: list[BackgroundRun] = []
        self._queue: deque[BackgroundRun] = deque()
        self._busy: set[int] = set()
        self._threads: list[threading.Thread] = []

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
                continue
            run.admit()
            self._active.append(run)

    def _purge_queue_locked(self) -> None:
        for run in [r for r in self._queue if r.end_unstarted()]:
            self._queue.remove(run)

    def _pick_locked(self) -> tuple[BackgroundRun | None, float]:
        """The ready run with the least CPU time, or (None, seconds to wait)."""
        now, best, wait = time.monotonic(), None, 1.0
        for run in self._active:
            if run.id in self._busy:
                continue
            due = run.wants_turn(now)
            if due is None:
                continue
            if due <= 0 and (best is None or run.cpu_seconds < best.cpu_seconds):
                best = run
            elif due > 0:
                wait = min(wait, due)
        return best, wait

    def _work(self) -> None:
        while True:
            with self._cond:
                self._purge_queue_locked()
                run, wait = self._pick_locked()
                if run is None:
                    self._cond.wait(timeout=max(wait, 0.002))
                    continue
                self._busy.add(run.id)
                if not run.leveled:  # a newcomer starts level with the least served
                    others = [r.cpu_seconds for r in self._active if r.leveled]
                    run.cpu_seconds, run.leveled = min(others, default=0.0), True
            ended = run.turn()
            with self._cond:
                self._busy.discard(run.id)
                if ended:
                    self._active.remove(run)
                    self._admit_locked()
                self._cond.notify_all()


_default: Scheduler | None = None
_default_lock = threading.Lock()


def default_scheduler() -> Scheduler:
    """The process-wide scheduler every page's runs share."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Scheduler()
        return _default


def active_run_count() -> int:
    """Runs admitted to the process-wide scheduler (training or paused) right now."""
    return default_scheduler().counts()[0]
