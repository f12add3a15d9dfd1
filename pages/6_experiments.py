"""Experiments: the optimizer race, data efficiency, generalization and compute cost."""

import streamlit as st

from ui.streamlit_fixes import ensure_app_navigation

ensure_app_navigation()

from dl_core.i18n import _  # noqa: E402
from ui import experiments_ui  # noqa: E402

st.title(_("Experiments"))
st.caption(_("The article ends on open questions: which optimizer, how much data, why "
             "networks overfit, what accuracy costs. Each experiment below trains many real "
             "Keras networks on the server and draws the answer as the runs finish."))
experiments_ui.page()
