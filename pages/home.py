"""Home: what each page offers. Imports nothing heavy (no TensorFlow)."""

import streamlit as st

from dl_core.i18n import N_, _
from ui.streamlit_fixes import ensure_app_navigation

ensure_app_navigation()

st.title(_("Deep-learning playground"))
st.markdown(_(
    "Watch real Keras models learn. Three pages train or inspect a real network on "
    "scikit-learn's 1,797 8x8 handwritten digit images; the fourth teaches a small one to "
    "separate coloured points on a plane; the last two keep every run for comparison and "
    "run whole experiments at a click. The networks train on the server this page comes "
    "from, and you watch them learn live in your browser, with settings you can drag and "
    "links you can share."))

CARDS = [
    ("pages/1_mlp.py", N_("Train an MLP"), ":material/hub:",
     N_("Drag sliders for layers, units, activations, optimizer and learning rate, press "
     "**Train** and watch loss and accuracy curves grow live. Inspect the network, the "
     "confusion matrix, the digits it gets wrong, weights and gradient norms; share the "
     "experiment as a link or export it as a Keras script.")),
    ("pages/2_cnn.py", N_("CNN feature maps"), ":material/grid_on:",
     N_("Train a small convolutional network and look at what each filter sees: feature maps "
     "after convolution, activation and pooling, the kernels, the arithmetic of one "
     "convolution step, saliency maps, and predictions for a digit you draw.")),
    ("pages/3_backprop.py", N_("Backprop step by step"), ":material/calculate:",
     N_("Follow one training step of a tiny network with real numbers: the forward pass, the "
     "loss, each layer's gradients beside their formulas, the update, checked against "
     "TensorFlow; and see gradients vanish in deep sigmoid networks.")),
    ("pages/4_playground.py", N_("Decision boundaries in 2D"), ":material/scatter_plot:",
     N_("The TensorFlow Playground on a real Keras network: circle, XOR, spiral and more, "
     "input features to toggle, every neuron's own heatmap, the decision boundary moving "
     "live; add your own points by clicking or from a CSV file.")),
    ("pages/5_compare.py", N_("Compare runs"), ":material/compare_arrows:",
     N_("Every run of the training pages is kept when it ends: overlay the curves of any of "
     "them, see which settings differ and what each one cost, reopen a run's settings with "
     "one click, name, pin or delete runs, and export or import them as JSON.")),
    ("pages/6_experiments.py", N_("Experiments"), ":material/science:",
     N_("One click, many networks: eight optimizers racing from the same weights; test "
     "accuracy against the amount of data for logistic regression, an MLP and a CNN; the "
     "overfitting gap as a network widens or is regularized; accuracy against its cost.")),
]

columns = [column for _row in range(0, len(CARDS), 2) for column in st.columns(2)]
for column, (path, title, icon, text) in zip(columns, CARDS):
    with column.container(border=True, height="stretch"):
        st.page_link(path, label=f"**{_(title)}**", icon=icon)
        st.markdown(_(text))
