"""Train an MLP on digits, live: sidebar settings, non-blocking training, inspection."""

import streamlit as st

from ui.streamlit_fixes import ensure_app_navigation

ensure_app_navigation()

from dl_core.i18n import _  # noqa: E402
from ui.inspect_ui import export, inspection  # noqa: E402
from ui.history_ui import history_panel  # noqa: E402
from ui.live import page_state, training_section  # noqa: E402

PAGE = "mlp"

st.title(_("Train an MLP on handwritten digits"))
st.caption(_("A multilayer perceptron reads each 8x8 digit as 64 numbers. Set it up in the "
             "sidebar, press **Train**, and move the learning rate while it learns."))

config = training_section(PAGE, "mlp")
if config is not None:
    inspection(PAGE, config)
    export(PAGE, config)
history_panel(PAGE, page_state(PAGE).shown)
