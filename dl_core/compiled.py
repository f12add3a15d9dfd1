"""Compiled epochs shared by the runs of one shape: trace once, train many.

Tracing a Trainer's epoch and evaluation into graphs takes 0.3-0.5 s of CPU under the GIL,
nearly all of a run's start; a class that opens the page and presses Train with the same
settings traced the same graphs 30 times over, on 2 cores. A :class:`CompiledEpoch` owns a
model and an optimizer of one shape (architecture, optimizer and its options, batch size,
data shapes) and their traced functions. A run borrows one for a turn: its state (weights,
batch-norm statistics, dropout seed states, optimizer slots, iteration count, learning
rate) is copied into the template's variables, the epoch runs there, and the state is
copied back. The graphs and the order of their operations are the ones a run of its own
would trace, so the results are the same bit for bit (tests/test_training.py).

Server cost: at most ``MAX_SHAPES`` shapes are kept (least recently used first out), each
with at most as many templates as turns ran at once (the scheduler's workers): about
4-5 MB per template for the digits models.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from typing import Callable, Iterator

import keras
import tensorflow as tf

MAX_SHAPES = 8  # distinct shapes kept compiled
# TensorFlow keeps every graph it ever instantiated for execution (~0.7 MB a template, in
# its function runtime's caches) until the caches are cleared for the whole process; a
# server whose users keep trying new shapes grew by that much per shape (bench/soak.py
# --shapes 12: 0.78 MB a run). Clearing makes every active run re-instantiate its graphs
# once (~0.1 s of CPU each), so it is done once per this many evicted templates.
CLEAR_CACHES_EVERY = 8


def run_state(model: keras.Model, optimizer: keras.optimizers.Optimizer) -> list[tf.Variable]:
    """Every variable a training step reads or writes, in a fixed order."""
    return [v.value for v in (model.trainable_variables + model.non_trainable_variables
                              + optimizer.variables)]


class CompiledEpoch:
    """A model and optimizer of one shape and their traced ``epoch`` and ``evaluate``.

    ``epoch(*tensors)`` and ``evaluate(*tensors)`` call ``epoch_fn(self, *tensors)`` and
    ``evaluate_fn(self, *tensors)`` as graphs (for the digits Trainer: ``epoch(x, y, perm)``
    trains one epoch over the batches ``perm`` orders and returns (mean loss, accuracy,
    per-batch losses); ``evaluate(x_val, y_val, x_test, x, y)`` returns (validation loss,
    validation accuracy, test probabilities, per-kernel gradient norms)). Both act on this
    object's variables: ``load(state)`` first, ``store(state)`` after (``run_state`` lists).
    """

    def __init__(self, model: keras.Model, optimizer: keras.optimizers.Optimizer,
                 batch_size: int, epoch_fn: Callable, evaluate_fn: Callable,
                 any_length: bool = False):
        self.model, self.optimizer = model, optimizer
        self.any_length = any_length  # epoch / evaluate traced for tensors of any length
        self.batch_size = batch_size
        self.state = run_state(model, optimizer)
        self.epoch_fn = tf.function(lambda *args: epoch_fn(self, *args))
        self.evaluate_fn = tf.function(lambda *args: evaluate_fn(self, *args))
        self._load = tf.function(lambda source: _assign_all(self.state, source))
        self._store = tf.function(lambda target: _assign_all(target, self.state))
        self._concrete: dict[str, Callable] = {}

    def _call(self, name: str, function, *args):
        """Call the one graph of ``function`` (the shapes are fixed by the pool key) without
        tf.function's per-call signature lookup (~0.7 ms a call)."""
        concrete = self._concrete.get(name)
        if concrete is None:
            specs = args
            if self.any_length and name in ("epoch", "evaluate"):
                specs = [tf.TensorSpec([None, *a.shape[1:]], a.dtype) for a in args]
            concrete = self._concrete[name] = function.get_concrete_function(*specs)
        return concrete(*args)

    def epoch(self, *tensors):
        return self._call("epoch", self.epoch_fn, *tensors)

    def evaluate(self, *tensors):
        return self._call("evaluate", self.evaluate_fn, *tensors)

    def load(self, state: list[tf.Variable]) -> None:
        self._call("load", self._load, state)

    def store(self, state: list[tf.Variable]) -> None:
        self._call("store", self._store, state)


def _assign_all(targets, sources) -> None:
    for target, source in zip(targets, sources):
        target.assign(source)


class CompiledPool:
    """Idle :class:`CompiledEpoch` objects by shape key; thread-safe."""

    def __init__(self, max_shapes: int = MAX_SHAPES, clear_every: int = CLEAR_CACHES_EVERY,
                 clear_caches: Callable[[], None] | None = None):
        self._lock = threading.Lock()
        self._idle: OrderedDict[tuple, list[CompiledEpoch]] = OrderedDict()
        self._max_shapes = max_shapes
        self._clear_every = clear_every
        self._clear_caches = clear_caches or _clear_tensorflow_caches
        self.evicted = 0  # templates dropped so far

    @contextlib.contextmanager
    def borrow(self, key: tuple, make: Callable[[], CompiledEpoch]) -> Iterator[CompiledEpoch]:
        """One template of shape ``key`` for this caller alone (``make`` builds one when
        none is idle); it goes back to the pool afterwards."""
        with self._lock:
            idle = self._idle.get(key)
            template = idle.pop() if idle else None
        if template is None:
            template = make()
        try:
            yield template
        finally:
            clear = False
            with self._lock:
                self._idle.setdefault(key, []).append(template)
                self._idle.move_to_end(key)
                while len(self._idle) > self._max_shapes:
                    _, dropped = self._idle.popitem(last=False)
                    for _ in dropped:
                        self.evicted += 1
                        clear |= self.evicted % self._clear_every == 0
            if clear:
                self._clear_caches()

    def templates(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._idle.values())

    def clear(self) -> None:
        with self._lock:
            self._idle.clear()


def _clear_tensorflow_caches() -> None:
    """Free the instantiated graphs of evicted templates (TFE_ContextClearCaches)."""
    from tensorflow.python.eager import context

    context.context().clear_kernel_cache()


POOL = CompiledPool()
