"""Backpropagation step by step: one SGD step of a tiny NumPy network, with real numbers."""

import numpy as np
import streamlit as st

from ui.streamlit_fixes import ensure_app_navigation

ensure_app_navigation()

from dl_core import plots  # noqa: E402
from dl_core.backprop import (check_equations, gradient_flow, gradient_flow_notice,  # noqa: E402
                              largest_difference, step_equations, tensorflow_gradients,
                              trace_step)
from dl_core.scratch import SCRATCH_ACTIVATIONS, Network, one_hot  # noqa: E402
from dl_core.settings import LEARNING_RATES  # noqa: E402

PAGE = "bp"
# Equations sit in rows that wrap (st.container(horizontal=True)), so nothing is clipped on a
# narrow screen. CSS scoped to this page's "bpmath" containers: tighter rows; a row gap that
# makes up for Streamlit's -1rem bottom margin of markdown (else wrapped lines overlap); on
# phones KaTeX at the body font size, so that a 4 x 4 matrix fits 390 px.
MATH_CSS = """<style>
[class*="st-key-bpmath"] .katex-display { margin: 0.4em 0; }
[class*="st-key-bpmath"] [data-testid="stHorizontalBlock"] { row-gap: 1rem; }
@media (max-width: 640px) { [class*="st-key-bpmath"] .katex { font-size: 1em; } }
</style>"""

st.title("Backpropagation step by step")
st.caption("A tiny network, one example, every number of one gradient-descent step: the "
           "forward pass, the loss, the gradients flowing back layer by layer, the update.")
st.html(MATH_CSS)

with st.sidebar:
    st.subheader("Tiny network", divider="gray")
    n_in = st.slider("Inputs", 1, 4, 2, key=f"{PAGE}:inputs")
    n_hidden = st.slider("Hidden units", 1, 4, 3, key=f"{PAGE}:hidden")
    n_out = st.slider("Outputs (classes)", 2, 3, 2, key=f"{PAGE}:outputs")
    activation = st.selectbox("Hidden activation", SCRATCH_ACTIVATIONS, index=2,
                              key=f"{PAGE}:activation")
    loss_name = st.selectbox("Loss", ("cross_entropy", "mse"), key=f"{PAGE}:loss",
                             format_func={"cross_entropy": "softmax cross-entropy",
                                          "mse": "mean squared error"}.get)
    learning_rate = st.select_slider("Learning rate", [v for v in LEARNING_RATES if v <= 5],
                                     value=0.5, key=f"{PAGE}:lr")
    seed = st.number_input("Seed", 0, 10_000, 0, key=f"{PAGE}:seed")
    target = st.selectbox("Target class", list(range(n_out)), key=f"{PAGE}:target")

settings = (n_in, n_hidden, n_out, activation, loss_name, seed, target)
state = st.session_state
if state.get(f"{PAGE}:settings") != settings:  # a new network: start again at step 1
    rng = np.random.default_rng(seed)
    state[f"{PAGE}:settings"] = settings
    state[f"{PAGE}:net"] = Network([n_in, n_hidden, n_out], [activation], loss_name, seed)
    state[f"{PAGE}:x"] = np.round(rng.uniform(-1, 1, (1, n_in)), 2)
    state[f"{PAGE}:traces"] = []
net, x = state[f"{PAGE}:net"], state[f"{PAGE}:x"]
y = one_hot([target], n_out)
traces = state[f"{PAGE}:traces"]


def _request_step():  # a callback: the request survives any rerun before the script body
    state[f"{PAGE}:pending"] = state.get(f"{PAGE}:pending", 0) + 1


def show_equations(rows, key: str) -> None:
    """Each row's equations side by side where they fit; an equation may break before '='."""
    with st.container(key=f"bpmath-{key}"):
        for row in rows:
            with st.container(horizontal=True, horizontal_alignment="center",
                              vertical_alignment="center", gap="medium"):
                for equation in row:
                    with st.container(horizontal=True, width="content", gap=None,
                                      horizontal_alignment="center", vertical_alignment="center"):
                        for segment in equation:
                            st.latex(segment, width="content")


st.button("Next step", type="primary", icon=":material/skip_next:", key=f"{PAGE}:next",
          on_click=_request_step, help="Apply the update below and compute the next step.")
for _ in range(state.pop(f"{PAGE}:pending", 0) or (0 if traces else 1)):
    traces.append(trace_step(net, x, y, learning_rate))
t = traces[-1]

st.subheader(f"Step {len(traces)}: loss {t.loss:.4f}")
st.plotly_chart(plots.loss_over_steps([s.loss for s in traces]), config={"displaylogo": False})

equations = step_equations(t, net.layer_activations, loss_name)
st.markdown("#### Forward pass")
show_equations(equations["input"], "input")
st.caption("Weights before this step (z₁ = xW₁ + b₁ below can be checked by hand):")
show_equations(equations["weights"], "weights")
show_equations(equations["forward"], "forward")
if loss_name == "cross_entropy":
    st.caption("Softmax turns the outputs into probabilities p; the loss is minus the log of "
               "the target class's probability.")
show_equations(equations["loss"], "loss")
st.markdown("#### Backward pass")
show_equations(equations["backward"], "backward")
st.markdown(f"#### Update with learning rate η = {t.learning_rate:g}")
if t.learning_rate != learning_rate:
    st.caption(f"This step used η = {t.learning_rate:g}; the next step will use "
               f"η = {learning_rate:g}.")
show_equations(equations["update"], "update")

with st.container(border=True):
    tf_loss, tf_grads = tensorflow_gradients(t.params, net.layer_activations, loss_name, t.x, t.y)
    difference = largest_difference(t.grads, tf_grads)
    st.markdown("**Checked against TensorFlow** (`tf.GradientTape` on the same weights, "
                f"float64): loss {tf_loss:.6f}, largest gradient difference **{difference:.1e}**.")
    show_equations(check_equations(tf_grads), "check")

st.divider()
st.subheader("Gradient flow in deeper networks")
st.caption("The gradient norm of every layer of a deeper network (16 units per layer) on a batch "
           "of digits, one marker per layer. With sigmoid the markers sink layer after layer "
           "towards the input: the early layers barely learn (vanishing gradients).")
with st.container(horizontal=True, gap="medium"):
    depth = st.slider("Hidden layers", 2, 10, 6, key=f"{PAGE}:depth", width=200)
    flow_activation = st.radio("Activation", ("sigmoid", "tanh", "relu"), horizontal=True,
                               key=f"{PAGE}:flow_act", width="content")
    steps = st.select_slider("Training steps", (0, 50, 100, 200, 500), value=100,
                             key=f"{PAGE}:flow_steps", width=200)
    flow_rate = st.select_slider("Learning rate", (0.01, 0.03, 0.1, 0.3, 0.5), value=0.5,
                                 key=f"{PAGE}:flow_lr", width=200)


@st.cache_data(max_entries=200)
def _flow(depth, activation, steps, rate):
    return gradient_flow(depth, activation, steps=steps, learning_rate=rate)


flow = _flow(depth, flow_activation, steps, flow_rate)
notice = gradient_flow_notice(flow)
if notice:
    st.warning(notice, icon=":material/warning:")
st.plotly_chart(plots.gradient_flow_bars(flow.init_norms, flow.after_norms,
                                         f"after {steps} SGD steps"),
                config={"displaylogo": False})
first, last = flow.init_norms[0], flow.init_norms[-1]
ratio = f"{first / last:.1e}" if last > 0 else "undefined (the output layer's is 0)"
st.caption(f"At initialization the first layer's gradient norm is {ratio} times the output "
           f"layer's. Loss {flow.init_loss:.3f} at initialization, {flow.after_loss:.3f} after "
           f"{steps} steps.")
