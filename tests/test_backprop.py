import numpy as np
import pytest

from dl_core.backprop import (gradient_flow, largest_difference, latex_matrix,
                              tensorflow_gradients, trace_step)
from dl_core.scratch import Network


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
    init, after, loss0, loss1 = gradient_flow(6, "sigmoid", steps=20)
    assert len(init) == 7 and init[0] < init[-1] / 100
    init_relu, _, _, _ = gradient_flow(6, "relu", steps=0)
    assert init_relu[0] > init_relu[-1] / 30
    with pytest.raises(ValueError, match="depth"):
        gradient_flow(11, "relu")


def test_latex_matrix():
    assert latex_matrix([1, 2.5]) == r"\begin{bmatrix}1.000 & 2.500\end{bmatrix}"
    assert r"\\" in latex_matrix(np.eye(2), digits=1)
