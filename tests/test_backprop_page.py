"""The Backprop page run headless (AppTest): what issue 8 asked for, checked with NumPy.

Every number is read back from the page's formulas and recomputed by hand (NumPy), the way a
learner would check it.
"""

import json
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dl_core.backprop import gradient_flow
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
PAGE = "pages/3_backprop.py"
TIMEOUT = 180  # TensorFlow's first import alone takes seconds


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def formulas(at) -> list[str]:
    return [e.value.strip().strip("$").strip() for e in at.latex]


def matrix(tex: str) -> np.ndarray:
    body = re.search(r"\\begin\{bmatrix\}(.*)\\end\{bmatrix\}", tex).group(1)
    return np.array([[float(v) for v in row.split("&")] for row in body.split(r"\\")])


def shown(at, head: str) -> np.ndarray:
    """The matrix of the first equation that starts with ``head`` (its first matrix)."""
    texts = formulas(at)
    i = next(i for i, t in enumerate(texts) if t.startswith(head))
    return matrix(next(t for t in texts[i:i + 3] if "bmatrix" in t))


def run(widget) -> AppTest:
    at = widget.run()
    assert not at.exception, at.exception
    return at


def test_weights_before_the_step_let_z1_be_checked_by_hand():
    at = open_page()
    x, w1, b1 = shown(at, "x ="), shown(at, "W_1"), shown(at, "b_1")
    assert w1.shape == (2, 3) and b1.shape == (1, 3)
    np.testing.assert_allclose(shown(at, "z_1"), x @ w1 + b1, atol=2e-3)
    w2, b2 = shown(at, "W_2"), shown(at, "b_2")
    h = shown(at, "h =")
    np.testing.assert_allclose(shown(at, r"\hat y"), h @ w2 + b2, atol=3e-3)
    updated = shown(at, r"W_1 \leftarrow")
    at = run(at.button(key="bp:next").click())
    assert at.subheader[0].value.startswith("Step 2:")
    np.testing.assert_allclose(shown(at, "W_1"), updated)  # step 2 starts where 1 ended
    np.testing.assert_allclose(shown(at, "z_1"), x @ updated + shown(at, "b_1"), atol=2e-3)


@pytest.mark.parametrize("outputs, target", [(2, 0), (3, 2)])
def test_softmax_probabilities_are_shown_and_give_the_loss(outputs, target):
    at = open_page()
    run(at.slider(key="bp:outputs").set_value(outputs))
    at = run(at.selectbox(key="bp:target").set_value(target))
    y_hat, p = shown(at, r"\hat y"), shown(at, "p =")
    np.testing.assert_allclose(p, np.exp(y_hat) / np.exp(y_hat).sum(), atol=5e-3)
    loss = float(at.subheader[0].value.split("loss ")[1])
    assert loss == pytest.approx(-np.log(p[0, target]), abs=3e-4)
    assert any(rf"-\log {p[0, target]:.4f}" in t for t in formulas(at))
    y = np.eye(outputs)[[target]]
    np.testing.assert_allclose(shown(at, r"\delta_2"), p - y, atol=2e-3)
    at = run(at.selectbox(key="bp:loss").set_value("mse"))
    assert not any(t.startswith("p =") for t in formulas(at))  # no softmax in MSE


def test_the_update_shows_the_learning_rate_it_was_computed_with():
    at = open_page()
    w1, dw1 = shown(at, "W_1"), shown(at, r"\frac{\partial L}{\partial W_1}")
    at = run(at.select_slider(key="bp:lr").set_value(0.1))
    headings = [m.value for m in at.markdown]
    assert "#### Update with learning rate η = 0.5" in headings  # the step on screen used 0.5
    assert any("next step will use η = 0.1" in c.value for c in at.caption)
    np.testing.assert_allclose(shown(at, r"W_1 \leftarrow"), w1 - 0.5 * dw1, atol=1.5e-3)
    at = run(at.button(key="bp:next").click())
    assert "#### Update with learning rate η = 0.1" in [m.value for m in at.markdown]
    w1, dw1 = shown(at, "W_1"), shown(at, r"\frac{\partial L}{\partial W_1}")
    np.testing.assert_allclose(shown(at, r"W_1 \leftarrow"), w1 - 0.1 * dw1, atol=1.5e-3)


def all_zero_setting():
    """A depth, step count and rate of the page's controls after which every ReLU is dead."""
    for rate in (0.5, 0.3):
        for steps in (100, 200, 500):
            for depth in range(10, 1, -1):
                if not any(gradient_flow(depth, "relu", steps, learning_rate=rate).after_norms):
                    return depth, steps, rate
    return None


def test_dead_relus_are_explained_and_zeros_are_not_drawn_as_bars():
    setting = all_zero_setting()
    if setting is None:
        pytest.skip("no setting of the page kills every ReLU on this data (see test_backprop)")
    depth, steps, rate = setting
    at = open_page()
    assert not at.warning  # sigmoid: nothing to explain
    run(at.radio(key="bp:flow_act").set_value("relu"))
    run(at.slider(key="bp:depth").set_value(depth))
    run(at.select_slider(key="bp:flow_steps").set_value(steps))
    at = run(at.select_slider(key="bp:flow_lr").set_value(rate))
    (warning,) = at.warning
    assert "Every weight gradient is exactly 0" in warning.value
    assert "dead ReLUs" in warning.value and "fewer steps" in warning.value
    spec = json.loads(at.get("plotly_chart")[-1].proto.spec)
    assert not [t for t in spec["data"] if t["type"] == "bar"]
    (zeros,) = [t for t in spec["data"] if t.get("name") == f"after {steps} SGD steps: exactly 0"]
    assert zeros["yaxis"] == "y2" and len(zeros["text"]) == depth + 1  # all in the "= 0" strip


def test_no_combination_of_widgets_shows_a_traceback():
    at = open_page()
    for activation in ("relu", "tanh", "sigmoid", "linear"):
        run(at.selectbox(key="bp:activation").set_value(activation))
        for loss in ("cross_entropy", "mse"):
            run(at.selectbox(key="bp:loss").set_value(loss))
            for n_in, hidden, outputs in ((1, 1, 2), (4, 4, 3)):
                run(at.slider(key="bp:inputs").set_value(n_in))
                run(at.slider(key="bp:hidden").set_value(hidden))
                run(at.slider(key="bp:outputs").set_value(outputs))
                assert shown(at, "W_1").shape == (n_in, hidden)
    run(at.selectbox(key="bp:target").set_value(2))
    at = run(at.slider(key="bp:outputs").set_value(2))  # the chosen class no longer exists
    assert at.selectbox(key="bp:target").value in (0, 1)
    run(at.number_input(key="bp:seed").set_value(10_000))
    run(at.select_slider(key="bp:lr").set_value(5.0))
    for _ in range(6):  # a huge rate: the numbers may blow up, the page must not
        run(at.button(key="bp:next").click())
    for activation in ("sigmoid", "tanh", "relu"):
        run(at.radio(key="bp:flow_act").set_value(activation))
        for depth, steps, rate in ((2, 0, 0.01), (10, 500, 0.5), (10, 0, 0.5), (2, 500, 0.01)):
            run(at.slider(key="bp:depth").set_value(depth))
            run(at.select_slider(key="bp:flow_steps").set_value(steps))
            run(at.select_slider(key="bp:flow_lr").set_value(rate))
    assert len(at.get("plotly_chart")) == 2
