"""A from-scratch multilayer perceptron in NumPy (float64): the teaching engine.

Every number the Backprop page shows comes from here, and the tests check every gradient
against ``tf.GradientTape`` and finite differences. Conventions: ``z = x @ W + b`` with W of
shape (n_in, n_out); hidden layers apply an activation; the output layer is linear (softmax
is part of the cross-entropy loss); losses are averaged over the batch.
"""

from __future__ import annotations

import numpy as np

from dl_core.i18n import _

SCRATCH_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
LOSSES = ("cross_entropy", "mse")


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # stable for large |z|


FORWARD = {  # activation name -> its NumPy function (also the 2D playground's heatmaps)
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "linear": lambda z: z,
}
_DERIVATIVE = {  # d activation / dz, written in terms of z
    "relu": lambda z: (z > 0).astype(z.dtype),
    "tanh": lambda z: 1.0 - np.tanh(z) ** 2,
    "sigmoid": lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)),
    "linear": lambda z: np.ones_like(z),
}


def softmax(z: np.ndarray) -> np.ndarray:
    shifted = np.exp(z - z.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


class Network:
    """A fully connected network with explicit forward, backward and SGD step.

    After ``forward(x)``: ``zs[l]`` and ``activations[l]`` hold layer l's weighted sums and
    outputs (``activations[0]`` is the input). After ``backward(y)``: ``deltas[l]`` is
    dL/dz of layer l and ``grads`` the list of (dW, db) that ``backward`` returned.
    """

    def __init__(self, layer_sizes, activations, loss: str = "cross_entropy", seed: int = 0):
        layer_sizes = [int(n) for n in layer_sizes]
        if len(layer_sizes) < 2 or min(layer_sizes) < 1:
            raise ValueError(_("layer_sizes: {value!r}; need an input and an output size, each "
                               "at least 1").format(value=layer_sizes))
        activations = list(activations)
        if len(activations) != len(layer_sizes) - 2:
            raise ValueError(_("activations: {given} given for {hidden} hidden layers").format(
                given=len(activations), hidden=len(layer_sizes) - 2))
        for a in activations:
            if a not in SCRATCH_ACTIVATIONS:
                raise ValueError(_("activation: {value!r} is not one of {allowed}").format(
                    value=a, allowed=", ".join(SCRATCH_ACTIVATIONS)))
        if loss not in LOSSES:
            raise ValueError(_("loss: {value!r} is not one of {allowed}").format(
                value=loss, allowed=", ".join(LOSSES)))
        self.layer_sizes, self.loss_name = layer_sizes, loss
        self.layer_activations = activations + ["linear"]
        rng = np.random.default_rng(seed)
        self.params = []
        for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
            limit = np.sqrt(6.0 / (n_in + n_out))  # Glorot uniform, as Keras' default
            self.params.append((rng.uniform(-limit, limit, (n_in, n_out)), np.zeros(n_out)))
        self.zs, self.activations, self.deltas, self.grads = [], [], [], []

    def forward(self, x) -> np.ndarray:
        """The output (n, n_out) for a batch x (n, n_in); keeps every intermediate."""
        a = np.asarray(x, dtype=np.float64)
        if a.ndim != 2 or a.shape[1] != self.layer_sizes[0]:
            raise ValueError(_("x: shape {shape}, expected (n, {inputs})").format(
                shape=a.shape, inputs=self.layer_sizes[0]))
        self.zs, self.activations = [], [a]
        for (w, b), name in zip(self.params, self.layer_activations):
            z = a @ w + b
            a = FORWARD[name](z)
            self.zs.append(z)
            self.activations.append(a)
        return a

    def loss(self, y) -> float:
        """The loss of the last forward pass against targets y (one-hot for cross-entropy)."""
        out, y = self.activations[-1], np.asarray(y, dtype=np.float64)
        if self.loss_name == "mse":
            return float(np.mean((out - y) ** 2))
        log_probs = out - out.max(axis=1, keepdims=True)
        log_probs -= np.log(np.exp(log_probs).sum(axis=1, keepdims=True))
        return float(-np.mean(np.sum(y * log_probs, axis=1)))

    def output_gradient(self, y) -> np.ndarray:
        """dL/d(output) of the last forward pass, shape (n, n_out)."""
        out, y = self.activations[-1], np.asarray(y, dtype=np.float64)
        n = out.shape[0]
        if self.loss_name == "mse":
            return 2.0 * (out - y) / (n * out.shape[1])
        return (softmax(out) - y) / n

    def backward(self, y) -> list[tuple[np.ndarray, np.ndarray]]:
        """Gradients (dW, db) per layer of the batch-mean loss of the last forward pass."""
        if not self.zs:
            raise RuntimeError("call forward(x) before backward(y)")
        delta = self.output_gradient(y)  # the output layer is linear: dL/dz = dL/d(output)
        self.deltas = [None] * len(self.params)
        self.grads = [None] * len(self.params)
        for layer in reversed(range(len(self.params))):
            self.deltas[layer] = delta
            w, _ = self.params[layer]
            self.grads[layer] = (self.activations[layer].T @ delta, delta.sum(axis=0))
            if layer:
                below = self.layer_activations[layer - 1]
                delta = (delta @ w.T) * _DERIVATIVE[below](self.zs[layer - 1])
        return list(self.grads)

    def step(self, learning_rate: float) -> None:
        """One SGD update with the gradients of the last ``backward``."""
        if not self.grads:
            raise RuntimeError("call backward(y) before step(learning_rate)")
        self.params = [(w - learning_rate * dw, b - learning_rate * db)
                       for (w, b), (dw, db) in zip(self.params, self.grads)]

    def gradient_norms(self) -> list[float]:
        """|dL/dW| per layer from the last ``backward``."""
        return [float(np.linalg.norm(dw)) for dw, _ in self.grads]

    def train_epoch(self, x, y, batch_size: int, learning_rate: float, rng) -> float:
        """One epoch of shuffled mini-batch SGD; returns the mean training loss."""
        n = len(x)
        order = rng.permutation(n)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            self.forward(x[idx])
            total += self.loss(y[idx]) * len(idx)
            self.backward(y[idx])
            self.step(learning_rate)
        return total / n

    def accuracy(self, x, labels) -> float:
        return float(np.mean(np.argmax(self.forward(x), axis=1) == np.asarray(labels)))


def one_hot(labels, num_classes: int) -> np.ndarray:
    labels = np.asarray(labels, dtype=int)
    out = np.zeros((len(labels), num_classes))
    out[np.arange(len(labels)), labels] = 1.0
    return out
