"""Fast training: one compiled graph call per epoch, checked against ``model.fit``.

``model.fit`` spends most of its time in per-step Python overhead on a model this small
(DESIGN.md: 113-157 ms per epoch against 7.6 ms for an in-graph epoch loop). The
:class:`Trainer` compiles the whole epoch (shuffled batches via ``tf.gather``, a
``GradientTape`` step per batch, ``optimizer.apply_gradients``) into one ``tf.function``.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from dl_core.compiled import POOL, CompiledEpoch, run_state
from dl_core.config import Config, TrainingConfig
from dl_core.data import DigitsSplit, load_digits_split
from dl_core.i18n import Message
from dl_core.models import build_model
from dl_core.settings import SETTINGS_BY_NAME, check_value

_LOSS = keras.losses.SparseCategoricalCrossentropy()
OPTIMIZER_NAMES = {
    "sgd": "SGD", "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW",
    "adagrad": "Adagrad", "adadelta": "Adadelta", "nadam": "Nadam",
}


class TrainingDiverged(RuntimeError):
    """The loss stopped being a finite number; the message (a str or a
    :class:`~dl_core.i18n.Message`, ``args[0]``) says what to change.

    ``epoch`` and ``batch`` (1-based) say where the first non-finite loss appeared;
    ``batch_losses`` holds that epoch's losses of every batch up to and including it.
    """

    def __init__(self, message: str | Message, epoch: int = 0, batch: int = 0, batches: int = 0,
                 batch_losses: tuple = ()):
        super().__init__(message)
        self.epoch, self.batch, self.batches = epoch, batch, batches
        self.batch_losses = tuple(batch_losses)


@dataclass(frozen=True)
class EpochStats:
    """What one epoch produced. Losses include regularization penalties, as fit reports."""

    epoch: int  # 1-based
    loss: float
    accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float
    examples_per_second: float
    learning_rate: float
    grad_norms: dict = field(default_factory=dict)  # kernel layer name -> |dL/dW|


def make_optimizer(config: TrainingConfig) -> keras.optimizers.Optimizer:
    """The Keras optimizer named by ``config`` with its learning rate and options."""
    lr = config.learning_rate
    opt = keras.optimizers
    makers = {
        "sgd": lambda: opt.SGD(lr, momentum=config.momentum, nesterov=config.nesterov),
        "rmsprop": lambda: opt.RMSprop(lr, momentum=config.momentum),
        "adam": lambda: opt.Adam(lr),
        "adamw": lambda: opt.AdamW(lr),
        "adagrad": lambda: opt.Adagrad(lr),
        "adadelta": lambda: opt.Adadelta(lr),
        "nadam": lambda: opt.Nadam(lr),
    }
    return makers[config.optimizer]()


def divergence_message(epoch: int, config: Config, learning_rate: float, batch: int = 0,
                       batches: int = 0) -> Message:
    """Where the loss became NaN and what to try (made in a training worker: a Message)."""
    name = OPTIMIZER_NAMES[config.training.optimizer]
    rate = learning_rate / 10
    advice = Message("try {rate:g} or less", rate=rate) if config.data.scale_inputs else \
        Message("try {rate:g} or less, or scale the pixels to [0, 1]", rate=rate)
    where = Message("epoch {epoch}, batch {batch} of {batches}", epoch=epoch, batch=batch,
                    batches=batches) if batch else Message("epoch {epoch}", epoch=epoch)
    return Message("loss became NaN at {where}: learning rate {rate:g} is too high for "
                   "{optimizer}; {advice}", where=where, rate=learning_rate, optimizer=name,
                   advice=advice)


def model_inputs(config: Config, x_flat: np.ndarray) -> np.ndarray:
    """Flat pixels for an MLP, the (n, 8, 8, 1) image view for a CNN."""
    return DigitsSplit.as_images(x_flat) if config.model.architecture == "cnn" else x_flat


class Trainer:
    """Trains ``build_model(config.model)`` on the digits split one epoch per call.

    Attributes: ``model``, ``optimizer``, ``split``, ``history`` (list of EpochStats),
    ``test_probabilities_`` (class probabilities on the test images after the last epoch).
    """

    def __init__(self, config: Config, split: DigitsSplit | None = None):
        self.config = config
        seed = config.training.seed
        self.split = split or load_digits_split(config.data, seed)
        self.model = build_model(config.model, seed=seed)
        self.optimizer = make_optimizer(config.training)
        self.optimizer.build(self.model.trainable_variables)
        self._rng = np.random.default_rng(seed)
        s = self.split
        self._x = tf.constant(model_inputs(config, s.x_train))
        self._y = tf.constant(s.y_train)
        self._x_val, self._y_val = tf.constant(model_inputs(config, s.x_val)), tf.constant(s.y_val)
        self._x_test = tf.constant(model_inputs(config, s.x_test))
        self._kernels = [(layer.name, layer.kernel) for layer in self.model.layers
                         if hasattr(layer, "kernel")]
        self._state = run_state(self.model, self.optimizer)
        self._shape = _shape_key(config, (self._x, self._x_val, self._x_test))
        self.history: list[EpochStats] = []
        # the last epoch's time when it had to compile a template for the pool (the
        # scheduler does not charge it to this run: later runs of the shape use it)
        self.compile_seconds = 0.0
        self.test_probabilities_: np.ndarray | None = None

    @property
    def learning_rate(self) -> float:
        # The variable is float32: round so 0.001 reads back as 0.001, not 0.0010000000475.
        return float(f"{float(self.optimizer.learning_rate.numpy()):.6g}")

    def kernels(self) -> dict[str, np.ndarray]:
        """Layer name -> current kernel (weights without biases), as NumPy copies."""
        return {name: kernel.numpy() for name, kernel in self._kernels}

    def set_learning_rate(self, learning_rate: float) -> None:
        """Change the rate from the next step on; no rebuild, no retrace."""
        value = check_value(SETTINGS_BY_NAME["learning_rate"], learning_rate)
        self.optimizer.learning_rate = value

    def train_epoch(self) -> EpochStats:
        """Train one epoch, evaluate, append to ``history`` and return the stats.

        Raises :class:`TrainingDiverged` (history unchanged) when the loss is not finite.
        """
        start = time.perf_counter()
        n = int(self._y.shape[0])
        perm = tf.constant(self._rng.permutation(n).astype(np.int32))
        compiled_now = []

        def compile_template() -> CompiledEpoch:
            compiled_now.append(True)
            return self._compile()

        with POOL.borrow(self._shape, compile_template) as compiled:
            compiled.load(self._state)
            loss, accuracy, batch_losses = compiled.epoch(self._x, self._y, perm)
            val_loss, val_accuracy, test_probs, norms = compiled.evaluate(
                self._x_val, self._y_val, self._x_test, self._x, self._y)
            compiled.store(self._state)
        seconds = time.perf_counter() - start
        # tracing a template is done once for every later run of this shape, not for us
        self.compile_seconds = seconds if compiled_now else 0.0
        epoch = len(self.history) + 1
        loss, val_loss = float(loss), float(val_loss)
        if not (math.isfinite(loss) and math.isfinite(val_loss)):
            raise self._diverged(epoch, batch_losses.numpy())
        stats = EpochStats(
            epoch=epoch, loss=loss, accuracy=float(accuracy), val_loss=val_loss,
            val_accuracy=float(val_accuracy), seconds=seconds,
            examples_per_second=n / seconds, learning_rate=self.learning_rate,
            grad_norms={name: float(v) for (name, _), v in zip(self._kernels, norms)})
        self.history.append(stats)
        self.test_probabilities_ = test_probs.numpy()
        return stats

    def _diverged(self, epoch: int, batch_losses: np.ndarray) -> TrainingDiverged:
        """Where the loss first stopped being finite, with the batch losses up to there."""
        bad = np.flatnonzero(~np.isfinite(batch_losses))
        batch = int(bad[0]) + 1 if bad.size else len(batch_losses)  # else: validation
        message = divergence_message(epoch, self.config, self.learning_rate, batch,
                                     len(batch_losses))
        return TrainingDiverged(message, epoch, batch, len(batch_losses),
                                tuple(float(v) for v in batch_losses[:batch]))

    def _compile(self) -> CompiledEpoch:
        """A model and optimizer of this run's shape with the traced epoch (the pool keeps
        it for later runs of the same shape)."""
        model = build_model(self.config.model)
        optimizer = make_optimizer(self.config.training)
        optimizer.build(model.trainable_variables)
        return CompiledEpoch(model, optimizer, self.config.training.batch_size, _train_epoch,
                             _evaluate, any_length=True)


def _shape_key(config: Config, tensors) -> tuple:
    """What the traced epoch depends on: the layers (not how their weights start), the
    optimizer and the options it bakes into the graph, the batch size, the shape of one
    example (the graphs take any number of them: a smaller training set, as in the
    data-efficiency experiment, or another validation fraction trace nothing new)."""
    t = config.training
    options = (t.momentum, t.nesterov) if t.optimizer == "sgd" else \
        (t.momentum,) if t.optimizer == "rmsprop" else ()
    model = dataclasses.replace(config.model, initializer="glorot_uniform")
    return (model, t.optimizer, options, t.batch_size, *(tuple(x.shape[1:]) for x in tensors))


def _total_loss(compiled: CompiledEpoch, y, probs):
    loss = _LOSS(y, probs)
    penalties = compiled.model.losses
    return loss + tf.add_n(penalties) if penalties else loss


def _train_epoch(compiled: CompiledEpoch, x, y, perm):
    """One epoch in-graph: shuffled batches, a GradientTape step each."""
    model, n, bs = compiled.model, tf.shape(perm)[0], compiled.batch_size
    loss_sum, correct = tf.constant(0.0), tf.constant(0.0)
    num_batches = (n + bs - 1) // bs
    batch_losses = tf.TensorArray(tf.float32, size=num_batches)
    for i in tf.range(num_batches):
        idx = perm[i * bs: tf.minimum((i + 1) * bs, n)]
        xb, yb = tf.gather(x, idx), tf.gather(y, idx)
        with tf.GradientTape() as tape:
            probs = model(xb, training=True)
            loss = _total_loss(compiled, yb, probs)
        variables = model.trainable_variables
        apply_gradients(compiled.optimizer, tape.gradient(loss, variables), variables)
        loss_sum += loss * tf.cast(tf.shape(idx)[0], tf.float32)
        correct += _count_correct(yb, probs)
        batch_losses = batch_losses.write(i, loss)
    n_float = tf.cast(n, tf.float32)
    return loss_sum / n_float, correct / n_float, batch_losses.stack()


def _evaluate(compiled: CompiledEpoch, x_val, y_val, x_test, x, y):
    """Validation loss / accuracy, test probabilities, per-layer gradient norms."""
    model = compiled.model
    probs = model(x_val, training=False)
    val_loss = _total_loss(compiled, y_val, probs)
    val_accuracy = _count_correct(y_val, probs) / tf.cast(tf.shape(probs)[0], tf.float32)
    kernels = [layer.kernel for layer in model.layers if hasattr(layer, "kernel")]
    with tf.GradientTape() as tape:
        train_loss = _LOSS(y, model(x, training=False))
    norms = [tf.norm(g) for g in tape.gradient(train_loss, kernels)]
    return val_loss, val_accuracy, model(x_test, training=False), norms


def apply_gradients(optimizer, grads, variables) -> None:
    """``optimizer.apply_gradients`` from a cross-replica context (inside a traced epoch).

    In a replica context Keras first all-reduces the gradients (an identity with one
    replica) through a graph-mode ``tf.custom_gradient``, which registers a gradient
    function in TensorFlow's process-wide gradient registry that is never removed
    (tensorflow#97697). Its closure holds the epoch graph, so every Trainer ever built
    stayed in memory: its FuncGraphs and their while-loop functions, ~3.8 MB a run.
    ``merge_call`` runs the update in the cross-replica context, where Keras skips the
    all-reduce; the update is the same, bit for bit. Thread-safe: the context is pushed on
    the graph being traced, not on process-wide state.
    """
    replica = tf.distribute.get_replica_context()
    if replica is None:  # already cross-replica
        optimizer.apply_gradients(zip(grads, variables))
    else:
        replica.merge_call(lambda _strategy: optimizer.apply_gradients(zip(grads, variables)))


def _count_correct(y, probs):
    return tf.reduce_sum(tf.cast(tf.equal(tf.argmax(probs, axis=1), y), tf.float32))


def fit_reference(config: Config, split: DigitsSplit | None = None, epochs: int | None = None
                  ) -> tuple[keras.Model, dict]:
    """Train the same model the plain way (``compile`` + ``model.fit``): the reference.

    Returns ``(model, history_dict)`` with fit's keys (loss, accuracy, val_loss, ...).
    """
    t = config.training
    split = split or load_digits_split(config.data, t.seed)
    keras.utils.set_random_seed(t.seed)  # fit's shuffling draws on TensorFlow's global seed
    model = build_model(config.model, seed=t.seed)
    model.compile(optimizer=make_optimizer(t), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(
        model_inputs(config, split.x_train), split.y_train, batch_size=t.batch_size,
        epochs=epochs or t.epochs, verbose=0,
        validation_data=(model_inputs(config, split.x_val), split.y_val))
    return model, history.history
