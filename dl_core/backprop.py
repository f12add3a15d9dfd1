"""One training step of the NumPy engine, traced for display, and checked against TensorFlow.

Everything the Backprop page shows comes from here: the weights before the step, the
forward pass, the softmax probabilities and the loss, each layer's delta and gradients, the
updated weights (all as LaTeX equations, see ``step_equations``), TensorFlow's gradients for
the same weights, and the gradient norm per layer of deeper networks (vanishing gradients,
dead ReLUs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from dl_core.i18n import _, join_words, ngettext
from dl_core.scratch import Network, one_hot, softmax


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
    probabilities: np.ndarray | None = None  # softmax(output) for cross-entropy, else None


def trace_step(net: Network, x, y, learning_rate: float) -> StepTrace:
    """Run forward, backward and one SGD step on ``net`` (mutated) and return the numbers."""
    before = [(w.copy(), b.copy()) for w, b in net.params]
    output = net.forward(x)
    loss = net.loss(y)
    output_gradient = net.output_gradient(y)
    grads = net.backward(y)
    deltas = list(net.deltas)
    zs, activations = list(net.zs), list(net.activations)
    net.step(learning_rate)
    probabilities = softmax(output) if net.loss_name == "cross_entropy" else None
    return StepTrace(np.asarray(x, float), np.asarray(y, float), before, zs, activations, loss,
                     output_gradient, deltas, grads, [(w.copy(), b.copy()) for w, b in net.params],
                     learning_rate, probabilities)


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


@dataclass(frozen=True)
class GradientFlow:
    """|dL/dW| per layer of a deeper network, at initialization and after training.

    Layer lists run from the input side to the output layer. ``dead_units[l]`` counts the
    units of hidden layer l + 1 that output exactly 0 for every probe example after training
    (dead ReLUs: no gradient flows back through them).
    """

    init_norms: list
    after_norms: list
    init_loss: float
    after_loss: float
    dead_units: list
    activation: str
    width: int
    steps: int
    learning_rate: float
    probe_size: int


def gradient_flow(depth: int, activation: str, steps: int = 100, width: int = 16,
                  learning_rate: float = 0.5, seed: int = 0, batch_size: int = 64
                  ) -> GradientFlow:
    """Gradient norms per layer at initialization and after ``steps`` SGD steps on digits.

    Measured on a fixed probe batch of 256 training digits; the training batches are drawn
    with ``seed``.
    """
    from dl_core.config import DataConfig
    from dl_core.data import load_digits_split

    if not 1 <= depth <= 10:
        raise ValueError(_("depth: {value!r} is out of range, allowed 1 to 10").format(
            value=depth))
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
    for _step in range(steps):
        idx = rng.choice(len(x), batch_size, replace=False)
        net.forward(x[idx])
        net.backward(y[idx])
        net.step(learning_rate)
    after_norms, after_loss = measure()  # leaves the probe batch's activations in ``net``
    dead = [int(np.sum(np.all(a == 0, axis=0))) for a in net.activations[1:-1]]
    return GradientFlow(init_norms, after_norms, init_loss, after_loss, dead, activation, width,
                        steps, learning_rate, len(x[probe]))


def gradient_flow_notice(flow: GradientFlow) -> str | None:
    """Why some or all gradient norms after training are exactly 0, or None if none is.

    A zero cannot be drawn on the chart's log axis, so the page says it in words.
    """
    zero = [i for i, v in enumerate(flow.after_norms, start=1) if v == 0]
    if not zero or flow.steps == 0:
        return None
    dead = [i for i, n in enumerate(flow.dead_units, start=1) if n == flow.width]
    why = ""
    if dead:
        why = ngettext(
            "All {width} {activation} units of hidden layer {layers} output 0 for every one of "
            "the {probes} probe images (dead ReLUs: a unit whose input is negative for every "
            "example passes no gradient back), so nothing below them can learn. ",
            "All {width} {activation} units of hidden layers {layers} output 0 for every one "
            "of the {probes} probe images (dead ReLUs: a unit whose input is negative for "
            "every example passes no gradient back), so nothing below them can learn. ",
            len(dead)).format(width=flow.width, activation=flow.activation,
                              layers=join_words(dead), probes=flow.probe_size)
    advice = _("Try fewer steps, a lower learning rate, or another activation (tanh or "
               "sigmoid cannot die this way).")
    if len(zero) == len(flow.after_norms):
        return _("Every weight gradient is exactly 0 after {steps} steps, so no point can be "
                 "drawn on the log scale. {why}The network has stopped learning: the loss stays "
                 "at {loss:.3f}. {advice}").format(steps=flow.steps, why=why,
                                                   loss=flow.after_loss, advice=advice)
    return ngettext(
        "The gradient of layer {layers} is exactly 0 after {steps} steps (drawn in the "
        "\u201c= 0\u201d strip under the log scale). {why}{advice}",
        "The gradient of layers {layers} is exactly 0 after {steps} steps (drawn in the "
        "\u201c= 0\u201d strip under the log scale). {why}{advice}",
        len(zero)).format(layers=join_words(zero), steps=flow.steps, why=why, advice=advice)


def _number(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.000"


def latex_matrix(array, digits: int = 3) -> str:
    """A NumPy vector or matrix as a LaTeX bmatrix (rows as rows)."""
    array = np.atleast_2d(np.asarray(array, dtype=float))
    rows = [" & ".join(_number(v, digits) for v in row) for row in array]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


# LaTeX for the page. An equation is a tuple of segments: the page puts segments side by side
# and a narrow screen breaks the line between them, always before an "=" (so no segment is
# longer than one matrix plus a short left-hand side). A row is a list of equations shown
# side by side when there is room.

_DERIVATIVE_TEX = {"relu": r"\mathbb{{1}}[z_{{{l}}} > 0]", "tanh": r"(1 - \tanh^2 z_{{{l}}})",
                   "sigmoid": r"\sigma(z_{{{l}}})\,(1 - \sigma(z_{{{l}}}))", "linear": "1"}


def _is(array, digits: int = 3) -> str:
    return "{}= " + latex_matrix(array, digits)


def _d(top: str, bottom: str) -> str:
    return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"


def _names(layers: int) -> list[str]:
    """The name of each layer's output: x, the hidden outputs, then y-hat."""
    hidden = ["h"] if layers == 2 else [f"h_{{{l}}}" for l in range(1, layers)]
    return ["x"] + hidden + [r"\hat y"]


def _tidy(rows) -> list:
    """Single-digit subscripts without braces (``W_1``, not ``W_{1}``), as written by hand."""
    return [[tuple(re.sub(r"_\{(\d)\}", r"_\1", s) for s in equation) for equation in row]
            for row in rows]


def step_equations(trace: StepTrace, layer_activations, loss_name: str) -> dict[str, list]:
    """The equations of one step, by section: "input", "weights" (before the step),
    "forward", "loss", "backward" and "update"; each a list of rows (see above)."""
    weights = [[(f"W_{{{l}}}", _is(w)), (f"b_{{{l}}}", _is(b))]
               for l, (w, b) in enumerate(trace.params, start=1)]
    update = [[(rf"W_{{{l}}} \leftarrow W_{{{l}}} - \eta\,{_d('L', f'W_{{{l}}}')}", _is(w)),
               (rf"b_{{{l}}} \leftarrow b_{{{l}}} - \eta\,{_d('L', f'b_{{{l}}}')}", _is(b))]
              for l, (w, b) in enumerate(trace.new_params, start=1)]
    sections = {"input": [[("x = " + latex_matrix(trace.x, 2),),
                           ("y = " + latex_matrix(trace.y, 0),)]],
                "weights": weights, "forward": _forward(trace, layer_activations),
                "loss": _loss(trace, loss_name),
                "backward": _backward(trace, layer_activations, loss_name), "update": update}
    return {name: _tidy(rows) for name, rows in sections.items()}


def _forward(trace: StepTrace, layer_activations) -> list:
    names, rows = _names(len(trace.params)), []
    for l, (z, a, act) in enumerate(zip(trace.zs, trace.activations[1:], layer_activations),
                                    start=1):
        weighted = rf"{names[l - 1]} W_{{{l}}} + b_{{{l}}}"
        if l == len(trace.params) and act == "linear":  # the usual output layer
            rows.append([(rf"\hat y = z_{{{l}}} = {weighted}", _is(z))])
            continue
        rows.append([(rf"z_{{{l}}} = {weighted}", _is(z))])
        rows.append([(rf"{names[l]} = \operatorname{{{act}}}(z_{{{l}}})", _is(a))])
    return rows


def _loss(trace: StepTrace, loss_name: str) -> list:
    n = len(trace.y)
    value = f"{{}}= {trace.loss:.4f}"
    if loss_name == "mse":
        scale = r"\frac{1}{K}" if n == 1 else r"\frac{1}{nK}\sum_i"
        return [[(rf"L = {scale}\sum_k (\hat y_k - y_k)^2", value)]]
    p = trace.probabilities
    softmax_tex = r"{}= \frac{e^{\hat y_k}}{\sum_j e^{\hat y_j}}"
    rows = [[(r"p = \operatorname{softmax}(\hat y)", softmax_tex, _is(p, 4))]]
    target = np.flatnonzero(trace.y[0] == 1)
    if n == 1 and len(target) == 1 and trace.y.sum() == 1:  # one example, one-hot target
        c = int(target[0])
        rows.append([(r"L = -\sum_k y_k \log p_k", rf"{{}}= -\log p_{{{c}}}",
                      rf"{{}}= -\log {p[0, c]:.4f}", value)])
    else:
        rows.append([(r"L = -\frac{1}{n}\sum_i \sum_k y_{ik} \log p_{ik}", value)])
    return rows


def _backward(trace: StepTrace, layer_activations, loss_name: str) -> list:
    layers, n = len(trace.params), len(trace.x)
    names, rows = _names(layers), []
    if loss_name == "mse":
        first = r"\tfrac{2}{K}(\hat y - y)" if n == 1 else r"\tfrac{2}{nK}(\hat y - y)"
    else:
        first = "p - y" if n == 1 else r"\tfrac{1}{n}(p - y)"
    for l in range(layers, 0, -1):
        if l == layers:
            delta = rf"\delta_{{{l}}} = {_d('L', f'z_{{{l}}}')} = {first}"
        else:
            derivative = _DERIVATIVE_TEX[layer_activations[l - 1]].format(l=l)
            delta = rf"\delta_{{{l}}} = (\delta_{{{l + 1}}} W_{{{l + 1}}}^\top) \odot {derivative}"
        rows.append([(delta, _is(trace.deltas[l - 1]))])
        bias = rf"\delta_{{{l}}}" if n == 1 else rf"\textstyle\sum_i \delta_{{{l}}}"
        rows.append([(rf"{_d('L', f'W_{{{l}}}')} = {names[l - 1]}^\top \delta_{{{l}}}",
                      _is(trace.grads[l - 1][0])),
                     (rf"{_d('L', f'b_{{{l}}}')} = {bias}",)])
    return rows


def check_equations(tf_grads) -> list:
    """TensorFlow's dL/dW per layer, one row of equations."""
    return _tidy([[(rf"\left.{_d('L', f'W_{{{l}}}')}\right|_{{\mathrm{{TF}}}}", _is(dw))
                   for l, (dw, _) in enumerate(tf_grads, start=1)]])
