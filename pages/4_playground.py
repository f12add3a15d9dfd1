"""A 2D decision-boundary playground in the spirit of the TensorFlow Playground, on Keras."""

import streamlit as st

from dl_core.i18n import _
from ui.streamlit_fixes import ensure_app_navigation

ensure_app_navigation()

from ui import playground_ui as ui  # noqa: E402
from ui import playground_view as view  # noqa: E402
from ui.history_ui import history_panel  # noqa: E402

st.title(_("Decision boundaries in 2D"))
st.caption(_("A small Keras network learns to separate coloured points on a plane. Pick the "
             "data, the input features and the layers in the sidebar, press **Play**, and "
             "watch every neuron and the output change as it learns."))

with st.expander(_("What am I looking at?"), icon=":material/help:", expanded=False):
    st.markdown(_(ui.EXPLANATION))
top = st.container()
live_settings = st.container(key="playground-live-settings").columns(2)
spec, view_options = ui.settings(live_settings)
ui.sync_run(spec)
with top:
    ui.buttons(spec)
    ui.banner(spec)
if spec is None:
    history_panel("playground", ui.state().shown)
    st.stop()

view.live_view(spec, view_options)
view.points_editor(spec)
view.export(spec)
history_panel("playground", ui.state().shown)
