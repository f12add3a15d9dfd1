"""Backpropagation step by step: one SGD step of a tiny NumPy network, with real numbers."""

import numpy as np
import streamlit as st

from ui.streamlit_fixes import ensure_app_navigation

ensure_app_navigation()

from dl_core import plots  # noqa: E402
from dl_core.backprop import (gradient_flow, largest_difference, latex_matrix,  # noqa: E402
                              tensorflow_gradients, trace_step)
from dl_core.scratch import SCRATCH_ACTIVATIONS, Network, one_hot  # noqa: E402
from dl_core.settings import LEARNING_RATES  # noqa: E402

PAGE = "bp"
DERIVATIVES = {"relu": r"\mathbb{1}[z > 0]", "tanh": r"1 - \tanh^2(z)",
               "sigmoid": r"\sigma(z)\,(1 - \sigma(z))", "linear": "1"}

st.title("Backpropagation step by step")
st.caption("A tiny network, one example, every number of one gradient-descent step: the "
           "forward pass, the loss, the gradients flowing back layer by layer, the update.")

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


st.button("Next step", type="primary", icon=":material/skip_next:", key=f"{PAGE}:next",
          on_click=_request_step, help="Apply the update below and compute the next step.")
for _ in range(state.pop(f"{PAGE}:pending", 0) or (0 if traces else 1)):
    traces.append(trace_step(net, x, y, learning_rate))
t = traces[-1]

st.subheader(f"Step {len(traces)}: loss {t.loss:.4f}")
st.plotly_chart(plots.loss_over_steps([s.loss for s in traces]), config={"displaylogo": False})

forward, backward = st.container(), st.container()  # full width: matrices need room
with forward:
    st.markdown("#### Forward pass")
    st.latex(rf"x = {latex_matrix(t.x, 2)} \qquad y = {latex_matrix(t.y, 0)}")
    names = ["h", "\\hat y"]
    for layer, ((w, b), z, a) in enumerate(zip(t.params, t.zs, t.activations[1:]), start=1):
        source = "x" if layer == 1 else "h"
        st.latex(rf"z_{layer} = {source} W_{layer} + b_{layer} = {latex_matrix(z)}")
        act = net.layer_activations[layer - 1]
        label = "output (linear)" if layer == len(t.params) else act
        st.latex(rf"{names[layer - 1]} = \mathrm{{{label}}}(z_{layer}) = {latex_matrix(a)}")
    if loss_name == "cross_entropy":
        st.latex(r"L = -\sum_k y_k \log \mathrm{softmax}(\hat y)_k = " + f"{t.loss:.4f}")
    else:
        st.latex(r"L = \frac{1}{K}\sum_k (\hat y_k - y_k)^2 = " + f"{t.loss:.4f}")

with backward:
    st.markdown("#### Backward pass")
    formula = r"\mathrm{softmax}(\hat y) - y" if loss_name == "cross_entropy" else \
        r"\tfrac{2}{K}(\hat y - y)"
    st.latex(rf"\delta_2 = \frac{{\partial L}}{{\partial z_2}} = {formula} = "
             f"{latex_matrix(t.deltas[1])}")
    st.latex(rf"\frac{{\partial L}}{{\partial W_2}} = h^\top \delta_2 = {latex_matrix(t.grads[1][0])}"
             rf"\qquad \frac{{\partial L}}{{\partial b_2}} = \delta_2")
    st.latex(rf"\delta_1 = (\delta_2 W_2^\top) \odot {DERIVATIVES[activation]}\big|_{{z_1}} = "
             f"{latex_matrix(t.deltas[0])}")
    st.latex(rf"\frac{{\partial L}}{{\partial W_1}} = x^\top \delta_1 = {latex_matrix(t.grads[0][0])}"
             rf"\qquad \frac{{\partial L}}{{\partial b_1}} = \delta_1")
    st.markdown(f"#### Update with learning rate η = {learning_rate:g}")
    for layer, ((w, b), (dw, db)) in enumerate(zip(t.new_params, t.grads), start=1):
        st.latex(rf"W_{layer} \leftarrow W_{layer} - \eta \frac{{\partial L}}{{\partial W_{layer}}}"
                 rf" = {latex_matrix(w)} \qquad b_{layer} \leftarrow b_{layer} - \eta\,"
                 rf"\frac{{\partial L}}{{\partial b_{layer}}} = {latex_matrix(b)}")

with st.container(border=True):
    tf_loss, tf_grads = tensorflow_gradients(t.params, net.layer_activations, loss_name, t.x, t.y)
    difference = largest_difference(t.grads, tf_grads)
    st.markdown("**Checked against TensorFlow** (`tf.GradientTape` on the same weights, "
                f"float64): loss {tf_loss:.6f}, largest gradient difference **{difference:.1e}**.")
    cols = st.columns(len(tf_grads))
    for layer, (col, (dw, _)) in enumerate(zip(cols, tf_grads), start=1):
        col.latex(rf"\frac{{\partial L}}{{\partial W_{layer}}}_{{\mathrm{{TF}}}} = {latex_matrix(dw)}")

st.divider()
st.subheader("Gradient flow in deeper networks")
st.caption("The gradient norm of every layer of a deeper network (16 units per layer) on a batch "
           "of digits. With sigmoid the bars shrink layer after layer towards the input: the "
           "early layers barely learn (vanishing gradients).")
left, right = st.columns([1, 3])
depth = left.slider("Hidden layers", 2, 10, 6, key=f"{PAGE}:depth")
flow_activation = left.radio("Activation", ("sigmoid", "tanh", "relu"), key=f"{PAGE}:flow_act")
steps = left.select_slider("Training steps", (0, 50, 100, 200, 500), value=100,
                           key=f"{PAGE}:flow_steps")


@st.cache_data
def _flow(depth, activation, steps):
    return gradient_flow(depth, activation, steps=steps)


init, after, loss0, loss1 = _flow(depth, flow_activation, steps)
right.plotly_chart(plots.gradient_flow_bars(init, after, f"after {steps} SGD steps"),
                   config={"displaylogo": False})
left.metric("First / last layer", f"{init[0] / init[-1]:.1e}", help="Ratio of the gradient "
            "norms of the first and the output layer at initialization.")
left.caption(f"Loss {loss0:.3f} at initialization, {loss1:.3f} after {steps} steps.")
