"""Train an MLP on digits, live: sidebar settings, non-blocking training, inspection."""

import streamlit as st

from ui.streamlit_fixes import ensure_app_navigation

ensure_app_navigation()

from ui.cache import baseline
from ui.inspect_ui import export, inspection
from ui.live import live_view, sync_run, training_buttons
from ui.settings_ui import config_sidebar

PAGE = "mlp"

st.title("Train an MLP on handwritten digits")
st.caption("A multilayer perceptron reads each 8x8 digit as 64 numbers. Set it up in the "
           "sidebar, press **Train**, and move the learning rate while it learns.")

config = config_sidebar(PAGE, "mlp")
if config is not None:
    sync_run(PAGE, config)
training_buttons(PAGE, config)
if config is not None:
    live_view(PAGE, baseline(config.data, config.training.seed), config.training.epochs)
    inspection(PAGE, config)
    export(PAGE, config)
