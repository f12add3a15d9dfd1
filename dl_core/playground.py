"""The engine of the 2D playground (issue 10): a small Keras network on the TensorFlow
Playground's input features, trained one graph call per epoch, and its outputs over the
plane (the decision boundary, and every neuron's own heatmap).

The Playground trains with plain SGD on a tanh output and squared error; here a
classification network ends in a softmax over the classes (2, 3 or 4) with cross-entropy,
and a regression network in one linear unit with squared error, both with plain SGD.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from dl_core.compiled import POOL, CompiledEpoch, run_state
from dl_core.i18n import Message
from dl_core.playground_data import MAX_EPOCHS, forward_on_grid, split  # noqa: F401
from dl_core.playground_settings import PLAYGROUND_BY_NAME, PlaygroundSpec
from dl_core.settings import check_value
from dl_core.toy2d import input_features
from dl_core.training import TrainingDiverged, apply_gradients

def build(spec: PlaygroundSpec) -> keras.Model:
    """The network: the chosen features in, ``hidden`` layers, a softmax or linear output.
    Layer i starts from Glorot-uniform weights seeded ``seed + i`` (one seeded initializer
    shared by all layers would give layers of one shape the same weights)."""
    regularizer = keras.regularizers.L1L2(l1=spec.l1, l2=spec.l2) if spec.l1 or spec.l2 \
        else None
    layers = [keras.Input((len(spec.features),), name="features")]
    for i, (units, activation) in enumerate(zip(spec.hidden, spec.activations), start=1):
        layers.append(keras.layers.Dense(
            units, activation=activation, name=f"hidden_{i}", kernel_regularizer=regularizer,
            kernel_initializer=keras.initializers.GlorotUniform(seed=spec.seed + i)))
    output = keras.initializers.GlorotUniform(seed=spec.seed + len(spec.hidden) + 1)
    if spec.classes:
        layers.append(keras.layers.Dense(spec.classes, activation="softmax", name="output",
                                         kernel_initializer=output))
    else:
        layers.append(keras.layers.Dense(1, name="output", kernel_initializer=output))
    return keras.Sequential(layers, name="playground")


def model_bytes_from(spec: PlaygroundSpec, weights: dict[str, np.ndarray]) -> bytes:
    """A .keras file of ``spec``'s network with ``weights`` (``PlaygroundTrainer.kernels()``
    or a run snapshot's copy of them): built afresh, so a run that trains on while the file
    is written cannot mix two epochs into it."""
    from dl_core.models import model_bytes

    model = build(spec)
    for layer in model.layers:
        layer.set_weights([weights[layer.name], weights[f"{layer.name}/bias"]])
    return model_bytes(model)


@dataclass(frozen=True)
class PlaygroundStats:
    """One epoch: losses (regularization included) and accuracies (None for regression;
    the test figures are None too when there are no test points)."""

    epoch: int
    loss: float
    test_loss: float | None
    accuracy: float | None
    test_accuracy: float | None
    learning_rate: float
    seconds: float  # this epoch's training and evaluation
    finished: float = 0.0  # time.monotonic() at its end (the pace is read from these)


class PlaygroundTrainer:
    """Trains :func:`build` on :func:`split` one epoch per call (SGD, in one graph call).

    It speaks dl_core.runs.BackgroundRun's trainer protocol (``train_epoch``, ``history``,
    ``learning_rate`` / ``set_learning_rate``, ``kernels``, ``test_probabilities_``,
    ``compile_seconds``), so the 2D page trains live on the shared scheduler like the
    others, and borrows its traced epoch from dl_core.compiled's pool like them: runs of
    one shape (layers, regularization, batch size, data sizes) trace it once, and the
    server keeps at most that pool's shapes. ``kernels()`` hands out every layer's weights
    and biases, from which :func:`forward_on_grid` draws the heatmaps without touching the
    model.
    """

    def __init__(self, spec: PlaygroundSpec):
        self.spec = spec
        self.x_train, self.y_train, self.x_test, self.y_test = split(spec)
        if not len(self.y_train):
            raise ValueError(Message("no points to train on: add some, or choose a generated "
                                     "set"))
        self.model = build(spec)
        self.optimizer = keras.optimizers.SGD(spec.learning_rate)
        self.optimizer.build(self.model.trainable_variables)
        self._inputs = [tf.constant(input_features(x, spec.features))
                        for x in (self.x_train, self.x_test)]
        self._labels = [tf.constant(y) for y in (self.y_train, self.y_test)]
        self._rng = np.random.default_rng(spec.seed + 2)
        self._state = run_state(self.model, self.optimizer)
        # (the graphs take any number of points: adding one does not trace anew)
        self._shape = ("playground", len(spec.features), spec.hidden, spec.activations,
                       spec.classes, spec.l1, spec.l2, spec.batch_size)
        self.history: list[PlaygroundStats] = []
        self.test_probabilities_: np.ndarray | None = None
        self.compile_seconds = 0.0  # the last epoch's, when it traced a template

    @property
    def learning_rate(self) -> float:
        return float(f"{float(self.optimizer.learning_rate.numpy()):.6g}")

    def set_learning_rate(self, learning_rate: float) -> None:
        self.optimizer.learning_rate = check_value(PLAYGROUND_BY_NAME["learning_rate"],
                                                   learning_rate)

    def kernels(self) -> dict[str, np.ndarray]:
        """Layer name -> kernel and "<name>/bias" -> bias, as NumPy copies."""
        weights = {}
        for layer in self.model.layers:
            weights[layer.name] = layer.kernel.numpy()
            weights[f"{layer.name}/bias"] = layer.bias.numpy()
        return weights

    def train_epoch(self) -> PlaygroundStats:
        """One epoch; returns (and appends to ``history``) its losses and accuracies."""
        start = time.perf_counter()
        perm = tf.constant(self._rng.permutation(len(self.y_train)).astype(np.int32))
        compiled_now = []

        def compile_template() -> CompiledEpoch:
            compiled_now.append(True)
            model = build(self.spec)
            optimizer = keras.optimizers.SGD(self.spec.learning_rate)
            optimizer.build(model.trainable_variables)
            return CompiledEpoch(model, optimizer, self.spec.batch_size, _epoch, _evaluate,
                                 any_length=True)

        with POOL.borrow(self._shape, compile_template) as compiled:
            compiled.load(self._state)
            compiled.epoch(self._inputs[0], self._labels[0], perm)
            results = compiled.evaluate(*self._inputs, *self._labels)
            compiled.store(self._state)
        loss, test_loss, train_out, test_out = (v.numpy() for v in results)
        self.compile_seconds = time.perf_counter() - start if compiled_now else 0.0
        has_test = len(self.y_test) > 0
        if not (np.isfinite(loss) and (not has_test or np.isfinite(test_loss))):
            epoch = len(self.history) + 1
            raise TrainingDiverged(Message(  # (made in the run's thread, shown in the page's)
                "loss became NaN at epoch {epoch}: learning rate {rate:g} is too high; try "
                "{lower:g}", epoch=epoch, rate=self.learning_rate,
                lower=self.learning_rate / 10), epoch=epoch)
        accuracy = test_accuracy = None
        if self.spec.classes:
            accuracy = float(np.mean(train_out.argmax(1) == self.y_train))
            test_accuracy = (float(np.mean(test_out.argmax(1) == self.y_test)) if has_test
                             else None)
        stats = PlaygroundStats(len(self.history) + 1, float(loss),
                                float(test_loss) if has_test else None,
                                accuracy, test_accuracy, self.learning_rate,
                                time.perf_counter() - start, time.monotonic())
        self.history.append(stats)
        self.test_probabilities_ = test_out
        return stats


def _total_loss(compiled: CompiledEpoch, y, out):
    """Cross-entropy (classes) or squared error (a value), plus any L1/L2 penalty."""
    loss_fn = (keras.losses.SparseCategoricalCrossentropy() if out.shape[-1] > 1 else
               keras.losses.MeanSquaredError())
    loss = loss_fn(y, out)
    penalties = compiled.model.losses
    return loss + tf.add_n(penalties) if penalties else loss


def _epoch(compiled: CompiledEpoch, x, y, perm):
    """One epoch of plain SGD over the batches ``perm`` orders, in one graph."""
    model, bs, n = compiled.model, compiled.batch_size, tf.shape(perm)[0]
    for i in tf.range((n + bs - 1) // bs):
        idx = perm[i * bs: tf.minimum((i + 1) * bs, n)]
        with tf.GradientTape() as tape:
            loss = _total_loss(compiled, tf.gather(y, idx),
                               model(tf.gather(x, idx), training=True))
        variables = model.trainable_variables
        apply_gradients(compiled.optimizer, tape.gradient(loss, variables), variables)
    return n


def _evaluate(compiled: CompiledEpoch, x_train, x_test, y_train, y_test):
    """Losses on both sets and the network's outputs on them."""
    train_out = compiled.model(x_train, training=False)
    test_out = compiled.model(x_test, training=False)
    return (_total_loss(compiled, y_train, train_out), _total_loss(compiled, y_test, test_out),
            train_out, test_out)
