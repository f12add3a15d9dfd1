"""The NumPy engine's gradients against tf.GradientTape and finite differences."""

import numpy as np
import pytest
from dl_core.backprop import tensorflow_gradients
from dl_core.scratch import SCRATCH_ACTIVATIONS, Network, one_hot, softmax


def tape_gradients(net: Network, x, y):
    return tensorflow_gradients(net.params, net.layer_activations, net.loss_name, x, y)


def relative_error(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-12)


def random_case(seed):
    rng = np.random.default_rng(seed)
    depth = rng.integers(1, 4)
    sizes = [int(rng.integers(1, 7)) for _ in range(depth + 1)] + [int(rng.integers(2, 5))]
    activations = [str(rng.choice(SCRATCH_ACTIVATIONS)) for _ in range(depth)]
    loss = str(rng.choice(["cross_entropy", "mse"]))
    x = rng.normal(size=(int(rng.integers(1, 9)), sizes[0]))
    y = one_hot(rng.integers(0, sizes[-1], len(x)), sizes[-1]) if loss == "cross_entropy" \
        else rng.normal(size=(len(x), sizes[-1]))
    return Network(sizes, activations, loss=loss, seed=seed), x, y


@pytest.mark.parametrize("seed", range(40))
def test_gradients_match_gradient_tape(seed):
    net, x, y = random_case(seed)
    net.forward(x)
    loss = net.loss(y)
    grads = net.backward(y)
    tf_loss, tf_grads = tape_gradients(net, x, y)
    assert loss == pytest.approx(tf_loss, rel=1e-10)
    for (dw, db), (tdw, tdb) in zip(grads, tf_grads):
        assert dw.shape == tdw.shape and db.shape == tdb.shape
        assert relative_error(dw, tdw) < 1e-6 and relative_error(db, tdb) < 1e-6


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "linear", "relu"])
@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_gradients_match_finite_differences(activation, loss):
    rng = np.random.default_rng(1)
    net = Network([3, 4, 2], [activation], loss=loss, seed=2)
    x = rng.normal(size=(5, 3))
    y = one_hot([0, 1, 1, 0, 1], 2) if loss == "cross_entropy" else rng.normal(size=(5, 2))
    net.forward(x)
    grads = net.backward(y)
    eps = 1e-6
    for layer, (w, b) in enumerate(net.params):
        for array, grad in ((w, grads[layer][0]), (b, grads[layer][1])):
            numeric = np.zeros_like(array)
            for idx in np.ndindex(array.shape):
                old = array[idx]
                array[idx] = old + eps
                net.forward(x)
                up = net.loss(y)
                array[idx] = old - eps
                net.forward(x)
                down = net.loss(y)
                array[idx] = old
                numeric[idx] = (up - down) / (2 * eps)
            np.testing.assert_allclose(grad, numeric, atol=1e-7, rtol=1e-5)


def test_step_lowers_the_loss_and_learns_digits():
    from dl_core.config import DataConfig
    from dl_core.data import load_digits_split

    split = load_digits_split(DataConfig(), 0)
    net = Network([64, 32, 10], ["relu"], seed=0)
    rng = np.random.default_rng(0)
    y = one_hot(split.y_train, 10)
    losses = [net.train_epoch(split.x_train, y, 32, 0.1, rng) for _ in range(5)]
    assert losses[-1] < losses[0] / 3
    assert net.accuracy(split.x_val, split.y_val) > 0.9


def test_one_step_matches_the_formula():
    net = Network([2, 3, 2], ["sigmoid"], seed=0)
    x, y = np.array([[0.5, -1.0]]), np.array([[1.0, 0.0]])
    before = [(w.copy(), b.copy()) for w, b in net.params]
    net.forward(x)
    grads = net.backward(y)
    net.step(0.1)
    for (w0, b0), (dw, db), (w1, b1) in zip(before, grads, net.params):
        np.testing.assert_allclose(w1, w0 - 0.1 * dw)
        np.testing.assert_allclose(b1, b0 - 0.1 * db)


@pytest.mark.parametrize("kwargs, message", [
    (dict(layer_sizes=[3], activations=[]), "layer_sizes"),
    (dict(layer_sizes=[3, 2, 2], activations=[]), "1 hidden"),
    (dict(layer_sizes=[3, 2, 2], activations=["swish"]), "activation"),
    (dict(layer_sizes=[3, 2], activations=[], loss="hinge"), "loss")])
def test_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Network(**kwargs)


def test_order_of_calls_is_checked():
    net = Network([2, 2], [])
    with pytest.raises(RuntimeError, match="forward"):
        net.backward(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="shape"):
        net.forward(np.zeros((1, 3)))


def test_softmax_matches_tensorflow_even_for_large_logits():
    import tensorflow as tf

    z = np.array([[0.418, 0.327, -2.0], [800.0, 0.0, -800.0], [-1000.0, -1000.0, -999.0]])
    np.testing.assert_allclose(softmax(z), tf.nn.softmax(tf.constant(z)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(softmax(z).sum(axis=1), 1.0)
