"""Background training runs: a daemon thread drives a Trainer; the page polls snapshots.

No Streamlit here. The thread never touches the UI: it appends each epoch's stats to a
lock-protected history and obeys pause / resume / step / stop and a pending learning rate.
Every run is bounded: an epoch limit, an idle timeout (no ``touch()`` from a viewer for
``idle_timeout`` seconds stops it) and a per-process cap on concurrent runs.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

MAX_CONCURRENT_RUNS = int(os.environ.get("DL_MAX_CONCURRENT_RUNS", "4"))
IDLE_TIMEOUT_SECONDS = float(os.environ.get("DL_IDLE_TIMEOUT_SECONDS", "60"))

_active_lock = threading.Lock()
_active: set["BackgroundRun"] = set()

ACTIVE_STATES = ("starting", "running", "paused")


class RunLimitError(RuntimeError):
    """Too many runs are training in this process right now."""


def active_run_count() -> int:
    with _active_lock:
        return len(_active)


@dataclass(frozen=True)
class RunSnapshot:
    """A consistent copy of a run's state for display."""

    status: str  # starting | running | paused | finished | stopped | diverged | failed
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

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATES

    @property
    def epochs_per_second(self) -> float:
        """Epochs this run trained (not those it continued from) per second."""
        trained = len(self.history) - (self.first_epoch - 1)
        return trained / self.elapsed_seconds if self.elapsed_seconds > 0 else 0.0


class BackgroundRun:
    """Drives ``make_trainer()``'s Trainer for up to ``epochs`` epochs in a daemon thread.

    ``make_trainer`` is called in the thread (building and tracing take about a second, so
    the page returns at once). ``epoch_delay`` seconds pass between epochs so people can watch.
    ``continues``: an ended run whose Trainer (model, optimizer, history) this run trains on
    instead of calling ``make_trainer``; its epochs and learning-rate marks carry over.
    """

    def __init__(self, make_trainer: Callable, epochs: int, epoch_delay: float = 0.0,
                 idle_timeout: float = IDLE_TIMEOUT_SECONDS,
                 continues: "BackgroundRun | None" = None):
        if continues is not None and (continues.trainer is None or continues.is_alive()):
            raise ValueError("only an ended run that built its model can be continued")
        self._make_trainer = make_trainer
        self._continues = continues
        self.epochs = epochs
        self.epoch_delay = epoch_delay
        self.idle_timeout = idle_timeout
        self.trainer = None
        self._cond = threading.Condition()
        self._status, self._message = "starting", ""
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
        self._last_touch = time.monotonic()
        self._thread = threading.Thread(target=self._main, daemon=True, name="training-run")

    # ---------------------------------------------------------------- controls
    def start(self, paused: bool = False) -> "BackgroundRun":
        """Register and start the thread; raises RunLimitError when the cap is reached."""
        with _active_lock:
            if len(_active) >= MAX_CONCURRENT_RUNS:
                raise RunLimitError(
                    f"{len(_active)} runs are already training on this server (the limit is "
                    f"{MAX_CONCURRENT_RUNS}); wait a moment or stop another run.")
            _active.add(self)
        self._paused = paused
        self._started = time.monotonic()
        self._thread.start()
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
            self._cond.notify_all()

    def stop(self) -> None:
        self._set(_stop=True)

    def set_learning_rate(self, learning_rate: float) -> None:
        """Applied before the next epoch (and recorded as a change on the curves)."""
        self._set(_pending_lr=float(learning_rate))

    def touch(self) -> None:
        """A viewer is still watching: postpone the idle timeout."""
        self._last_touch = time.monotonic()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def _set(self, **fields) -> None:
        with self._cond:
            for name, value in fields.items():
                setattr(self, name, value)
            self._cond.notify_all()

    # ---------------------------------------------------------------- reading
    def snapshot(self) -> RunSnapshot:
        with self._cond:
            end = self._ended or time.monotonic()
            return RunSnapshot(
                status=self._status, message=self._message, history=tuple(self._history),
                target_epochs=self.epochs,
                elapsed_seconds=(end - self._started) if self._started else 0.0,
                lr_changes=tuple(self._lr_changes), test_probabilities=self._test_probs,
                kernels=dict(self._kernels), pause_requested=self._paused,
                first_epoch=self._first_epoch, divergence=self._divergence)

    # ---------------------------------------------------------------- the thread
    def _main(self) -> None:
        try:
            if self._continues is not None:
                self.trainer, self._continues = self._continues.trainer, None
            else:
                self.trainer = self._make_trainer()
            while self._next_epoch_allowed():
                stats = self.trainer.train_epoch()
                self._record(stats)
                if len(self._history) >= self.epochs:
                    self._finish("finished", f"trained {self.epochs} epochs")
                    return
                with self._cond:
                    self._cond.wait_for(lambda: self._stop, timeout=self.epoch_delay)
        except Exception as exc:  # noqa: BLE001 - shown on the page, never a traceback
            from dl_core.training import TrainingDiverged  # TensorFlow is loaded by now
            if isinstance(exc, TrainingDiverged):
                self._divergence = exc
                self._finish("diverged", str(exc))
            else:
                self._finish("failed", f"training failed: {type(exc).__name__}: {exc}")
        finally:
            with _active_lock:
                _active.discard(self)

    def _next_epoch_allowed(self) -> bool:
        """Wait while paused; apply a pending rate. False when the run must end."""
        with self._cond:
            while True:
                if self._stop:
                    return self._finish_locked("stopped", "stopped")
                idle = time.monotonic() - self._last_touch
                if idle > self.idle_timeout:
                    return self._finish_locked(
                        "stopped", f"stopped after {idle:.0f} s without anyone watching")
                if not self._paused or self._steps_requested:
                    break
                self._status = "paused"
                self._cond.wait(timeout=0.25)
            if self._steps_requested:
                self._steps_requested -= 1
            self._status = "running"
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

    def _finish(self, status: str, message: str) -> None:
        with self._cond:
            self._finish_locked(status, message)

    def _finish_locked(self, status: str, message: str) -> bool:
        self._status, self._message = status, message
        self._ended = time.monotonic()
        self._cond.notify_all()
        return False
