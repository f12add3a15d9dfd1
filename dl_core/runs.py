"""Background training runs, scheduled fairly on a small pool of worker threads.

No Streamlit here. A :class:`BackgroundRun` is a state machine (build the Trainer, train
one epoch, wait, ...) that never touches the UI: it appends each epoch's stats to a
lock-protected history and obeys pause / resume / step / stop and a pending learning rate.
Every run of the process is handed to one :class:`~dl_core.scheduler.Scheduler`
(:func:`default_scheduler`), which runs its turns on a few worker threads and queues runs
past its capacity.

Every run is bounded: an epoch limit and an idle timeout (no ``touch()`` from a viewer for
``idle_timeout`` seconds stops it, queued or not).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from dl_core.i18n import Message, detail
from dl_core.scheduler import FairShare, Scheduler

IDLE_TIMEOUT_SECONDS = float(os.environ.get("DL_IDLE_TIMEOUT_SECONDS", "60"))

ACTIVE_STATES = ("queued", "starting", "running", "paused")


@dataclass(frozen=True)
class RunSnapshot:
    """A consistent copy of a run's state for display."""

    status: str  # queued | starting | running | paused | finished | stopped | diverged | failed
    # why it ended: a Message (rendered where shown: str() it), "" while it has not ended
    message: str | Message
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
        """Epochs per second of training time (a run that continues another counts that
        run's epochs and time too: one Step after a run reads as the whole run's pace)."""
        return len(self.history) / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0


class BackgroundRun:
    """Trains ``make_trainer()``'s Trainer for up to ``epochs`` epochs, one scheduled turn
    at a time.

    ``make_trainer`` is called in a worker thread (building a model takes tens of ms, and
    the first epoch of a new shape traces its graph in ~0.5 s: the page returns at once).
    ``epoch_delay`` seconds pass between epochs so people can watch; with ``paced`` they
    count from the start of each epoch instead (a rate: at most one epoch per
    ``epoch_delay`` seconds). ``continues``: an ended run whose Trainer (model, optimizer,
    history) this run trains on instead of calling ``make_trainer``; its epochs and
    learning-rate marks carry over. ``on_end(run)`` is called once when the run has ended
    (in the thread that ended it, with no lock held; its errors are swallowed: the caller
    reports them). ``share``: a :class:`~dl_core.scheduler.FairShare` the scheduler counts
    this run's CPU time against (an experiment's runs share one).
    """

    def __init__(self, make_trainer: Callable, epochs: int, epoch_delay: float = 0.0,
                 paced: bool = False,
                 idle_timeout: float = IDLE_TIMEOUT_SECONDS,
                 continues: "BackgroundRun | None" = None, scheduler: Scheduler | None = None,
                 on_end: Callable | None = None, share: FairShare | None = None):
        if continues is not None and (continues.trainer is None or continues.is_alive()):
            raise ValueError("only an ended run that built its model can be continued")
        self._make_trainer = make_trainer
        self._continues = continues
        self._scheduler = scheduler
        self._on_end = on_end
        self._reported = threading.Event()  # on_end has returned (or there was none)
        self.share = share
        self.epochs = epochs
        self.epoch_delay = epoch_delay
        self.paced = paced
        self._epoch_began = 0.0
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
        # seconds spent building or training (not paused, not queued), those of the run this
        # one continues included
        self._clock = previous.elapsed_seconds if previous else 0.0
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
            trained = len(self._history)
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

    def ending(self) -> bool:
        """Asked to stop or left idle: its next turn ends it."""
        with self._cond:
            return self._stop or time.monotonic() - self._last_touch > self.idle_timeout

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
                self._finish_locked("stopped", Message("stopped before it started"))
            elif idle > self.idle_timeout:
                self._finish_locked("stopped", Message(
                    "stopped after {seconds:.0f} s in the queue without anyone watching",
                    seconds=idle))
            return self._ended is not None

    def turn(self) -> bool:
        """One unit of work (build the Trainer, or train one epoch). True when it ended."""
        start = time.perf_counter()
        try:
            if self.trainer is None:
                with self._cond:
                    if self._stop:
                        self._finish_locked("stopped", Message("stopped"))
                        return True
                self._build()
            elif self._epoch_allowed():
                self._epoch_began = time.monotonic()
                self._record(self.trainer.train_epoch())
                if len(self._history) >= self.epochs:
                    self._finish("finished", Message("trained {epochs} epochs",
                                                     epochs=self.epochs))
        except Exception as exc:  # noqa: BLE001 - shown on the page, never a traceback
            self._fail(exc)
        finally:
            # not charged: compiling a template that every later run of its shape uses
            shared = 0.0
            if self.trainer is not None:
                shared, self.trainer.compile_seconds = self.trainer.compile_seconds, 0.0
            spent = max(time.perf_counter() - start - shared, 0.0)
            self.cpu_seconds += spent
            if self.share is not None:
                self.share.charge(spent)
        with self._cond:
            ended = self._ended is not None
        if ended:
            self.report_end()
        return ended

    def report_end(self) -> None:
        """Call ``on_end`` once, after the run has ended (no lock held)."""
        with self._cond:
            callback, self._on_end = (self._on_end, None) if self._ended else (None,
                                                                               self._on_end)
        if callback is not None:
            try:
                callback(self)
            except Exception:  # noqa: BLE001 - the callback reports its own failures
                pass
        with self._cond:
            if self._ended is not None:
                self._reported.set()

    def wait_reported(self, timeout: float) -> bool:
        """For an ended run: wait until ``on_end`` has returned (True if it has). A run
        that has not ended returns False at once."""
        with self._cond:
            if self._ended is None:
                return False
        return self._reported.wait(timeout)

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
                return self._finish_locked("stopped", Message("stopped"))
            idle = time.monotonic() - self._last_touch
            if idle > self.idle_timeout:
                return self._finish_locked("stopped", Message(
                    "stopped after {seconds:.0f} s without anyone watching", seconds=idle))
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
            self._next_due = (self._epoch_began if self.paced else time.monotonic()) + \
                self.epoch_delay
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
            self._finish("diverged", exc.args[0])  # a Message, or a str
        else:
            self._finish("failed", Message("training failed: {error}: {detail}",
                                           error=type(exc).__name__, detail=detail(exc)))

    def _finish(self, status: str, message: str | Message) -> None:
        with self._cond:
            self._finish_locked(status, message)

    def _finish_locked(self, status: str, message: str | Message) -> bool:
        self._set_status_locked(status)
        self._message = message
        self._ended = time.monotonic()
        self._started = self._started or self._ended
        self._make_trainer = self._continues = None  # nothing of the run's config is kept
        self._cond.notify_all()
        return False


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
