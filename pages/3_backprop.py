"""Backpropagation step by step: one SGD step of a tiny NumPy network, with real numbers."""

import numpy as np
import streamlit as st

from ui.streamlit_fixes import ensure_app_navigation

ensure_app_navigation()

from dl_core import backprop_plots  # noqa: E402
from dl_core.backprop import (check_equations, gradient_flow, gradient_flow_notice,  # noqa: E402
                              largest_difference, step_equations, tensorflow_gradients,
                              trace_step)
from dl_core.i18n import N_, _  # noqa: E402
from dl_core.scratch import SCRATCH_ACTIVATIONS, Network, one_hot  # noqa: E402
from dl_core.settings import LEARNING_RATES  # noqa: E402

PAGE = "bp"
LOSS_LABELS = {"cross_entropy": N_("softmax cross-entropy"), "mse": N_("mean squared error")}
# Equations sit in rows that wrap (st.container(horizontal=True)), so nothing is clipped on a
# narrow screen. CSS scoped to this page's "bpmath" containers: tighter rows; a row gap that
# makes up for Streamlit's -1rem bottom margin of markdown (else wrapped lines overlap); on
# phones KaTeX at the body font size, so that a 4 x 4 matrix fits 390 px.
MATH_CSS = """<style>
[class*="st-key-bpmath"] .katex-display { margin: 0.4em 0; }
[class*="st-key-bpmath"] [data-testid="stHorizontalBlock"] { row-gap: 1rem; }
@media (max-width: 640px) { [class*="st-key-bpmath"] .katex { font-size: 1em; } }
</style>"""

st.title(_("Backpropagation step by step"))
st.caption(_("A tiny network, one example, every number of one gradient-descent step: the "
             "forward pass, the loss, the gradients flowing back layer by layer, the update."))
st.html(MATH_CSS)

with st.sidebar:
    st.subheader(_("Tiny network"), divider="gray")
    n_in = st.slider(_("Inputs"), 1, 4, 2, key=f"{PAGE}:inputs")
    n_hidden = st.slider(_("Hidden units"), 1, 4, 3, key=f"{PAGE}:hidden")
    n_out = st.slider(_("Outputs (classes)"), 2, 3, 2, key=f"{PAGE}:outputs")
    activation = st.selectbox(_("Hidden activation"), SCRATCH_ACTIVATIONS, index=2,
                              key=f"{PAGE}:activation")
    loss_name = st.selectbox(_("Loss"), tuple(LOSS_LABELS), key=f"{PAGE}:loss",
                             format_func=lambda name: _(LOSS_LABELS[name]))
    learning_rate = st.select_slider(_("Learning rate"), [v for v in LEARNING_RATES if v <= 5],
                                     value=0.5, key=f"{PAGE}:lr")
    seed = st.number_input(_("Seed"), 0, 10_000, 0, key=f"{PAGE}:seed")
    target = st.selectbox(_("Target class"), list(range(n_out)), key=f"{PAGE}:target")

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


st.button(_("Next step"), type="primary", icon=":material/skip_next:", key=f"{PAGE}:next",
          on_click=_request_step, help=_("Apply the update below and compute the next step."))
for _step in range(state.pop(f"{PAGE}:pending", 0) or (0 if traces else 1)):
    traces.append(trace_step(net, x, y, learning_rate))
t = traces[-1]

st.subheader(_("Step {step}: loss {loss:.4f}").format(step=len(traces), loss=t.loss))
st.plotly_chart(backprop_plots.loss_over_steps([s.loss for s in traces]),
                config={"displaylogo": False})

equations = step_equations(t, net.layer_activations, loss_name)
st.markdown("#### " + _("Forward pass"))
show_equations(equations["input"], "input")
st.caption(_("Weights before this step (z₁ = xW₁ + b₁ below can be checked by hand):"))
show_equations(equations["weights"], "weights")
show_equations(equations["forward"], "forward")
if loss_name == "cross_entropy":
    st.caption(_("Softmax turns the outputs into probabilities p; the loss is minus the log "
                 "of the target class's probability."))
show_equations(equations["loss"], "loss")
st.markdown("#### " + _("Backward pass"))
show_equations(equations["backward"], "backward")
st.markdown("#### " + _("Update with learning rate η = {rate:g}").format(rate=t.learning_rate))
if t.learning_rate != learning_rate:
    st.caption(_("This step used η = {used:g}; the next step will use η = {next:g}.").format(
        used=t.learning_rate, next=learning_rate))
show_equations(equations["update"], "update")

with st.container(border=True):
    tf_loss, tf_grads = tensorflow_gradients(t.params, net.layer_activations, loss_name, t.x, t.y)
    difference = largest_difference(t.grads, tf_grads)
    st.markdown(_("**Checked against TensorFlow** (`tf.GradientTape` on the same weights, "
                  "float64): loss {loss:.6f}, largest gradient difference **{difference:.1e}**."
                  ).format(loss=tf_loss, difference=difference))
    show_equations(check_equations(tf_grads), "check")

st.divider()
st.subheader(_("Gradient flow in deeper networks"))
st.caption(_("The gradient norm of every layer of a deeper network (16 units per layer) on a "
             "batch of digits, one marker per layer. With sigmoid the markers sink layer after "
             "layer towards the input: the early layers barely learn (vanishing gradients)."))
with st.container(horizontal=True, gap="medium"):
    depth = st.slider(_("Hidden layers"), 2, 10, 6, key=f"{PAGE}:depth", width=200)
    flow_activation = st.radio(_("Activation"), ("sigmoid", "tanh", "relu"), horizontal=True,
                               key=f"{PAGE}:flow_act", width="content")
    steps = st.select_slider(_("Training steps"), (0, 50, 100, 200, 500), value=100,
                             key=f"{PAGE}:flow_steps", width=200)
    flow_rate = st.select_slider(_("Learning rate"), (0.01, 0.03, 0.1, 0.3, 0.5), value=0.5,
                                 key=f"{PAGE}:flow_lr", width=200)


@st.cache_data(max_entries=200)
def _flow(depth, activation, steps, rate):
    return gradient_flow(depth, activation, steps=steps, learning_rate=rate)


flow = _flow(depth, flow_activation, steps, flow_rate)
notice = gradient_flow_notice(flow)
if notice:
    st.warning(notice, icon=":material/warning:")
st.plotly_chart(backprop_plots.gradient_flow_bars(
    flow.init_norms, flow.after_norms, _("after {steps} SGD steps").format(steps=steps)),
    config={"displaylogo": False})
first, last = flow.init_norms[0], flow.init_norms[-1]
ratio = f"{first / last:.1e}" if last > 0 else _("undefined (the output layer's is 0)")
st.caption(_("At initialization the first layer's gradient norm is {ratio} times the output "
             "layer's. Loss {init_loss:.3f} at initialization, {after_loss:.3f} after {steps} "
             "steps.").format(ratio=ratio, init_loss=flow.init_loss, after_loss=flow.after_loss,
                              steps=steps))
