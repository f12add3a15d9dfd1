import re

import numpy as np
import plotly.graph_objects as go
import pytest

from dl_core.backprop import (GradientFlow, check_equations, gradient_flow, gradient_flow_notice,
                              largest_difference, latex_matrix, step_equations,
                              tensorflow_gradients, trace_step)
from dl_core.backprop_plots import gradient_flow_bars
from dl_core.scratch import SCRATCH_ACTIVATIONS, Network, one_hot


def test_trace_step_records_a_consistent_step():
    net = Network([2, 3, 2], ["sigmoid"], seed=0)
    x, y = np.array([[0.5, -1.0]]), np.array([[0.0, 1.0]])
    trace = trace_step(net, x, y, 0.5)
    w1, b1 = trace.params[0]
    np.testing.assert_allclose(trace.zs[0], x @ w1 + b1)
    np.testing.assert_allclose(trace.activations[1], 1 / (1 + np.exp(-trace.zs[0])))
    np.testing.assert_allclose(trace.deltas[-1], trace.output_gradient)
    # delta of the hidden layer: (delta_out @ W2^T) * sigmoid'(z1)
    s = trace.activations[1]
    np.testing.assert_allclose(trace.deltas[0], (trace.deltas[1] @ trace.params[1][0].T) * s * (1 - s))
    for (w, b), (dw, db), (nw, nb) in zip(trace.params, trace.grads, trace.new_params):
        np.testing.assert_allclose(nw, w - 0.5 * dw)
        np.testing.assert_allclose(nb, b - 0.5 * db)
    assert net.params[0][0] is not trace.params[0][0]  # the net moved on; the trace did not


def test_tensorflow_agrees_and_the_loss_goes_down():
    net = Network([2, 3, 2], ["tanh"], seed=1)
    x, y = np.array([[1.0, 2.0]]), np.array([[1.0, 0.0]])
    losses = []
    for _ in range(5):
        trace = trace_step(net, x, y, 0.5)
        tf_loss, tf_grads = tensorflow_gradients(trace.params, net.layer_activations, "cross_entropy",
                                                 x, y)
        assert tf_loss == pytest.approx(trace.loss, rel=1e-12)
        assert largest_difference(trace.grads, tf_grads) < 1e-12
        losses.append(trace.loss)
    assert all(b < a for a, b in zip(losses, losses[1:]))


def test_gradient_flow_shows_vanishing_sigmoid_gradients():
    flow = gradient_flow(6, "sigmoid", steps=20)
    init = flow.init_norms
    assert len(init) == 7 and init[0] < init[-1] / 100
    assert len(flow.dead_units) == 6 and gradient_flow_notice(flow) is None
    init_relu = gradient_flow(6, "relu", steps=0).init_norms
    assert init_relu[0] > init_relu[-1] / 30
    with pytest.raises(ValueError, match="depth"):
        gradient_flow(11, "relu")


def test_latex_matrix():
    assert latex_matrix([1, 2.5]) == r"\begin{bmatrix}1.000 & 2.500\end{bmatrix}"
    assert r"\\" in latex_matrix(np.eye(2), digits=1)
    assert latex_matrix([-0.0001, -0.0006]) == r"\begin{bmatrix}0.000 & -0.001\end{bmatrix}"


def test_probabilities_and_loss_match_tensorflow():
    import tensorflow as tf

    net = Network([3, 4, 3], ["relu"], seed=3)
    x, y = np.array([[0.3, -0.8, 0.5]]), one_hot([2], 3)
    trace = trace_step(net, x, y, 0.5)
    expected = tf.nn.softmax(tf.constant(trace.activations[-1])).numpy()
    np.testing.assert_allclose(trace.probabilities, expected, rtol=1e-12)
    assert trace.loss == pytest.approx(-np.log(expected[0, 2]), rel=1e-12)
    mse = trace_step(Network([3, 4, 3], ["relu"], "mse", seed=3), x, y, 0.5)
    assert mse.probabilities is None


# --- the equations the page shows, read back and recomputed with NumPy -------------------

def matrix(segment: str) -> np.ndarray:
    body = re.search(r"\\begin\{bmatrix\}(.*)\\end\{bmatrix\}", segment).group(1)
    return np.array([[float(v) for v in row.split("&")] for row in body.split(r"\\")])


def shown(rows, head: str) -> np.ndarray:
    """The matrix of the equation whose first segment starts with ``head``."""
    for row in rows:
        for equation in row:
            if equation[0].startswith(head):
                return matrix(equation[-1])
    raise AssertionError(f"no equation starts with {head!r}")


def cases():
    for seed, activation in enumerate(SCRATCH_ACTIVATIONS):
        for loss in ("cross_entropy", "mse"):
            sizes = [(1, 1, 2), (4, 4, 3), (2, 3, 2)][(seed + len(loss)) % 3]
            yield sizes, activation, loss, seed


@pytest.mark.parametrize("sizes, activation, loss, seed", list(cases()))
def test_every_shown_number_can_be_checked_by_hand(sizes, activation, loss, seed):
    rng = np.random.default_rng(seed)
    net = Network(list(sizes), [activation], loss, seed)
    x, target = np.round(rng.uniform(-1, 1, (1, sizes[0])), 2), sizes[2] - 1
    first = trace_step(net, x, one_hot([target], sizes[2]), 0.5)  # so that b is not all 0
    trace = trace_step(net, x, one_hot([target], sizes[2]), 0.5)
    eq = step_equations(trace, net.layer_activations, loss)
    f = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "linear": lambda z: z,
         "sigmoid": lambda z: 1 / (1 + np.exp(-z))}[activation]
    x_shown, y_shown = matrix(eq["input"][0][0][0]), matrix(eq["input"][0][1][0])
    w1, b1 = shown(eq["weights"], "W_1"), shown(eq["weights"], "b_1")
    w2, b2 = shown(eq["weights"], "W_2"), shown(eq["weights"], "b_2")
    # the weights BEFORE the step, and the forward pass recomputed from the shown numbers
    np.testing.assert_allclose(w1, first.new_params[0][0], atol=5e-4)
    assert np.any(b1 != 0)
    z1 = shown(eq["forward"], "z_1")
    np.testing.assert_allclose(z1, x_shown @ w1 + b1, atol=3e-3)
    h = shown(eq["forward"], "h =")
    np.testing.assert_allclose(h, f(z1), atol=2e-3)
    y_hat = shown(eq["forward"], r"\hat y")
    np.testing.assert_allclose(y_hat, h @ w2 + b2, atol=6e-3)
    if loss == "cross_entropy":  # the softmax probabilities, and the loss from them
        p = shown(eq["loss"], "p =")
        np.testing.assert_allclose(p, np.exp(y_hat) / np.exp(y_hat).sum(), atol=5e-3)
        np.testing.assert_allclose(p.sum(), 1, atol=2e-4)
        *_, log_p, value = eq["loss"][1][0]
        assert log_p == rf"{{}}= -\log {p[0, target]:.4f}"
        assert float(value.split("=")[1]) == pytest.approx(-np.log(p[0, target]), abs=2e-4)
        error = p - y_shown
    else:
        value = eq["loss"][0][0][-1]
        assert float(value.split("=")[1]) == pytest.approx(np.mean((y_hat - y_shown) ** 2),
                                                          abs=2e-2)
        error = 2 / sizes[2] * (y_hat - y_shown)
    delta2 = shown(eq["backward"], r"\delta_2")
    np.testing.assert_allclose(delta2, error, atol=6e-3)
    np.testing.assert_allclose(shown(eq["backward"], r"\frac{\partial L}{\partial W_2}"),
                               h.T @ delta2, atol=5e-3)
    # the update: shown new weights = shown old weights - eta * shown gradient
    dw1 = shown(eq["backward"], r"\frac{\partial L}{\partial W_1}")
    np.testing.assert_allclose(shown(eq["update"], "W_1"), w1 - 0.5 * dw1, atol=1.5e-3)
    np.testing.assert_allclose(shown(eq["update"], "b_2"), b2 - 0.5 * delta2, atol=1.5e-3)


def test_check_equations_show_tensorflows_gradients():
    net = Network([2, 3, 2], ["tanh"], seed=1)
    trace = trace_step(net, np.array([[1.0, 2.0]]), one_hot([0], 2), 0.5)
    _, tf_grads = tensorflow_gradients(trace.params, net.layer_activations, "cross_entropy",
                                       trace.x, trace.y)
    (row,) = check_equations(tf_grads)
    assert len(row) == 2
    for (head, value), (dw, _) in zip(row, tf_grads):
        assert "TF" in head
        np.testing.assert_allclose(matrix(value), dw, atol=5e-4)


# --- gradient flow: zeros are explained, not drawn as vanishing bars ----------------------

def test_dead_relus_are_found_and_explained():
    flow = gradient_flow(2, "relu", steps=50, learning_rate=3.0)  # a rate that kills them
    assert flow.after_norms == [0.0, 0.0, 0.0]
    # the explanation is true: the last hidden layer outputs 0 for every probe image
    assert flow.dead_units[-1] == flow.width == 16
    notice = gradient_flow_notice(flow)
    assert "exactly 0" in notice and "dead ReLUs" in notice and "hidden layer" in notice
    for advice in ("fewer steps", "lower learning rate", "another activation"):
        assert advice in notice


def test_notice_names_the_layers_whose_gradient_is_zero():
    flow = GradientFlow([0.1, 0.2, 0.3, 0.4], [0.0, 0.0, 0.05, 0.3], 2.3, 2.0, [3, 16, 2],
                        "relu", 16, 200, 0.5, 256)
    notice = gradient_flow_notice(flow)
    assert "layers 1 and 2 is exactly 0" in notice and "hidden layer 2 output 0" in notice
    assert gradient_flow_notice(GradientFlow([1.0], [1.0], 1, 1, [], "relu", 16, 5, 0.5, 256)) \
        is None
    no_dead_layer = GradientFlow([0.1, 0.2], [0.0, 0.1], 2.3, 2.0, [15], "tanh", 16, 50, 0.5, 256)
    notice = gradient_flow_notice(no_dead_layer)
    assert "layer 1 is exactly 0" in notice and "dead" not in notice


def test_gradient_flow_chart_uses_markers_and_a_zero_strip():
    init, after = [1e-4, 1e-2, 0.3], [0.0, 2e-3, 0.1]
    fig = gradient_flow_bars(init, after, "after 9 steps")
    assert not [t for t in fig.data if isinstance(t, go.Bar)]  # no bars from a log floor
    markers = {t.name: t for t in fig.data if t.mode == "markers"}
    assert list(markers["at initialization"].y) == init
    assert list(markers["after 9 steps"].y) == [2e-3, 0.1]  # the zero is not on the log axis
    zero = markers["after 9 steps: exactly 0"]
    assert list(zero.y) == [0] and zero.yaxis == "y2" and list(zero.text) == ["layer 1"]
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis2.type != "log"
    assert list(fig.layout.yaxis2.ticktext) == ["= 0"]
    plain = gradient_flow_bars(init, [1e-3, 2e-3, 0.1], "after")
    assert "yaxis2" not in plain.layout.to_plotly_json()  # no strip without a zero
