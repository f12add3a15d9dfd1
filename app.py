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

st.set_page_config(page_title="Deep-learning playground", page_icon=":material/neurology:",
                   layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/1_mlp.py", title="Train an MLP", icon=":material/hub:", url_path="mlp"),
    st.Page("pages/2_cnn.py", title="CNN feature maps", icon=":material/grid_on:",
            url_path="cnn"),
    st.Page("pages/3_backprop.py", title="Backprop step by step", icon=":material/calculate:",
            url_path="backprop"),
    st.Page("pages/4_playground.py", title="Decision boundaries in 2D",
            icon=":material/scatter_plot:", url_path="playground"),
    st.Page("pages/5_compare.py", title="Compare runs", icon=":material/compare_arrows:",
            url_path="compare"),
    st.Page("pages/6_experiments.py", title="Experiments", icon=":material/science:",
            url_path="experiments"),
]

st.navigation(PAGES).run()
