"""One training step of the NumPy engine, traced for display, and checked against TensorFlow.

Everything the Backprop page shows comes from here: the forward pass, the loss, each
layer's delta and gradients, the updated weights, TensorFlow's gradients for the same
weights, and the gradient norm per layer of deeper networks (vanishing gradients).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dl_core.scratch import Network, one_hot


@dataclass(frozen=True)
class StepTrace:
    """The numbers of one SGD step, before the update is applied (float64)."""

    x: np.ndarray  # (1, n_in) the example
    y: np.ndarray  # (1, n_out) its target (one-hot for cross-entropy)
    params: list  # [(W, b)] before the step
    zs: list  # weighted sum per layer
    activations: list  # activations[0] = x, then one per layer
    loss: float
    output_gradient: np.ndarray  # dL/d(output)
    deltas: list  # dL/dz per layer
    grads: list  # [(dW, db)] per layer
    new_params: list  # [(W, b)] after the step
    learning_rate: float


def trace_step(net: Network, x, y, learning_rate: float) -> StepTrace:
    """Run forward, backward and one SGD step on ``net`` (mutated) and return the numbers."""
    before = [(w.copy(), b.copy()) for w, b in net.params]
    net.forward(x)
    loss = net.loss(y)
    output_gradient = net.output_gradient(y)
    grads = net.backward(y)
    deltas = list(net.deltas)
    zs, activations = list(net.zs), list(net.activations)
    net.step(learning_rate)
    return StepTrace(np.asarray(x, float), np.asarray(y, float), before, zs, activations, loss,
                     output_gradient, deltas, grads, [(w.copy(), b.copy()) for w, b in net.params],
                     learning_rate)


def tensorflow_gradients(params, activations, loss_name: str, x, y):
    """Loss and (dW, db) per layer for the same weights, computed by ``tf.GradientTape``.

    ``activations`` names every layer's activation (the output layer's is "linear").
    """
    import tensorflow as tf

    functions = {"relu": tf.nn.relu, "tanh": tf.tanh, "sigmoid": tf.sigmoid,
                 "linear": lambda z: z}
    variables = [(tf.Variable(w, dtype=tf.float64), tf.Variable(b, dtype=tf.float64))
                 for w, b in params]
    y = tf.constant(y, dtype=tf.float64)
    with tf.GradientTape() as tape:
        a = tf.constant(x, dtype=tf.float64)
        for (w, b), name in zip(variables, activations):
            a = functions[name](a @ w + b)
        if loss_name == "mse":
            loss = tf.reduce_mean(tf.square(a - y))
        else:
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=a))
    flat = [v for pair in variables for v in pair]
    grads = tape.gradient(loss, flat)
    return float(loss), [(grads[i].numpy(), grads[i + 1].numpy())
                         for i in range(0, len(grads), 2)]


def largest_difference(ours, theirs) -> float:
    """max |a - b| over every dW and db."""
    return max(float(np.max(np.abs(a - b)))
               for pair_a, pair_b in zip(ours, theirs) for a, b in zip(pair_a, pair_b))


def gradient_flow(depth: int, activation: str, steps: int = 100, width: int = 16,
                  learning_rate: float = 0.5, seed: int = 0, batch_size: int = 64):
    """|dL/dW| per layer at initialization and after ``steps`` SGD steps on digits.

    Returns ``(norms_at_init, norms_after, loss_at_init, loss_after)`` measured on a fixed
    batch of 256 training digits, first layer (input side) first.
    """
    from dl_core.config import DataConfig
    from dl_core.data import load_digits_split

    if not 1 <= depth <= 10:
        raise ValueError(f"depth: {depth!r} is out of range, allowed 1 to 10")
    split = load_digits_split(DataConfig(), seed)
    x, y = split.x_train.astype(float), one_hot(split.y_train, 10)
    net = Network([64] + [width] * depth + [10], [activation] * depth, seed=seed)
    probe = slice(0, 256)

    def measure():
        net.forward(x[probe])
        loss = net.loss(y[probe])
        net.backward(y[probe])
        return net.gradient_norms(), loss

    init_norms, init_loss = measure()
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        idx = rng.choice(len(x), batch_size, replace=False)
        net.forward(x[idx])
        net.backward(y[idx])
        net.step(learning_rate)
    after_norms, after_loss = measure()
    return init_norms, after_norms, init_loss, after_loss


def latex_matrix(array, digits: int = 3) -> str:
    """A NumPy vector or matrix as a LaTeX bmatrix (rows as rows)."""
    array = np.atleast_2d(np.asarray(array, dtype=float))
    rows = [" & ".join(f"{v:.{digits}f}" for v in row) for row in array]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"
