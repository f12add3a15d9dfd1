"""Deep-learning playground: entry point (``streamlit run app.py``).

Sets the page config and the navigation; each page lives in pages/ and keeps TensorFlow
out of its start-up unless it needs it.
"""

# pandas is imported here, once, before any session runs: TensorFlow imports it in a run's
# thread while Plotly, in another session's script, reads sys.modules["pandas"] without
# waiting for that import ("partially initialized module 'pandas'" on a page).
import os
import sys

import pandas  # noqa: F401
import streamlit as st

# Every session's script runs in its own thread and all of them share one GIL with the
# event loop (which sends every session's messages) and the training workers. Both of
# those give the GIL up at each I/O or graph call and then wait for it behind the script
# threads, one switch interval each: at Python's default 5 ms, 30 users' refreshes
# starved them (bench/load.py). 1 ms hands the GIL on sooner.
sys.setswitchinterval(float(os.environ.get("DL_SWITCH_INTERVAL", "0.001")))

from ui import streamlit_fixes

streamlit_fixes.install()

from dl_core.i18n import N_, _
from ui import i18n

i18n.activate()
st.set_page_config(page_title=_("Deep-learning playground"), page_icon=":material/neurology:",
                   layout="wide")

# (script, title, icon, URL path): titles are translated on every run, paths never change.
PAGES = [
    ("pages/home.py", N_("Home"), ":material/home:", None),
    ("pages/1_mlp.py", N_("Train an MLP"), ":material/hub:", "mlp"),
    ("pages/2_cnn.py", N_("CNN feature maps"), ":material/grid_on:", "cnn"),
    ("pages/3_backprop.py", N_("Backprop step by step"), ":material/calculate:", "backprop"),
    ("pages/4_playground.py", N_("Decision boundaries in 2D"), ":material/scatter_plot:",
     "playground"),
    ("pages/5_compare.py", N_("Compare runs"), ":material/compare_arrows:", "compare"),
    ("pages/6_experiments.py", N_("Experiments"), ":material/science:", "experiments"),
]

navigation = st.navigation([
    st.Page(path, title=_(title), icon=icon, url_path=url_path, default=url_path is None)
    for path, title, icon, url_path in PAGES])
i18n.language_switch()
i18n.sync_url()
navigation.run()
