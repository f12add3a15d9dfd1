"""Compare runs: every kept run, their curves overlaid, what differs, export and import."""

import streamlit as st

from ui.streamlit_fixes import ensure_app_navigation

ensure_app_navigation()

from dl_core.i18n import _  # noqa: E402
from ui import compare_ui  # noqa: E402

st.title(_("Compare runs"))
compare_ui.page()
