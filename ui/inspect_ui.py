"""Inspection panels that follow the page's shown run: summary, network, confusion matrix,
mistakes, weights and gradients; and the export of code and model.

Every panel is computed from the shown run's own configuration (its split, its layers),
never from the settings on screen (ui/run_state.py); without a run, the summary shows the
untrained network of the settings on screen and says so."""

from __future__ import annotations

import time

import streamlit as st

from dl_core import plots
from dl_core.codegen import keras_script
from dl_core.config import Config
from dl_core.metrics import confusion, mistakes, per_class_accuracy
from dl_core.runs import RunSnapshot
from ui.cache import digits_split, layer_rows_table
from ui.live import panel_interval, polling_fragment
from ui.run_state import ShownRun, page_state

MAX_MISTAKES = 18
DIAGRAM_SECONDS = 6.0  # while a run trains, the network diagram follows it this often


def inspection(page: str, config: Config) -> None:
    """Tabs of figures drawn from the shown run; refreshed every few seconds while it
    trains (less often on a loaded server: ui/polling.py). Only the open tab is computed.
    ``config`` (the settings on screen) is used only when there is no run yet."""
    shown = page_state(page).shown
    polling = bool(shown and shown.snapshot().active)
    own = shown.config if shown else config
    titles = ["Summary", "Confusion matrix", "Mistakes", "Weights & gradients"]

    @polling_fragment(f"{page}:panel_interval", panel_interval, polling)
    def _panels():
        snap = shown.snapshot() if shown else None
        tabs = st.tabs(titles, key=f"{page}:inspect_tab", on_change="rerun")
        panels = [lambda: _summary(page, own, snap, shown), lambda: _confusion(own, snap),
                  lambda: _mistakes(own, snap), lambda: _weights(snap)]
        for tab, panel in zip(tabs, panels):
            if tab.open:
                with tab:
                    panel()

    _panels()


def _needs_training(snap: RunSnapshot | None) -> bool:
    if snap is None or not snap.history:
        st.info("Train for at least one epoch to see this.", icon=":material/info:")
        return True
    return False


def _diagram(page: str, sizes: list[int], snap: RunSnapshot | None, shown: ShownRun | None):
    """The network diagram, rebuilt at most every DIAGRAM_SECONDS while a run trains.

    Building one takes ~20 ms of Plotly object validation under the GIL: with many
    sessions it was half of the server's Python time (bench/load.py with py-spy)."""
    key = (shown.number if shown else 0, len(snap.history) if snap else 0, tuple(sizes))
    cached = st.session_state.get(f"{page}:diagram")  # (key, built at, figure)
    same = cached is not None and cached[0] == key
    recent_of_this_training_run = (cached is not None and snap is not None and snap.active
                                   and cached[0][0] == key[0]
                                   and time.monotonic() - cached[1] < DIAGRAM_SECONDS)
    if not (same or recent_of_this_training_run):
        kernels = list(snap.kernels.values()) if snap and snap.kernels else None
        cached = (key, time.monotonic(), plots.network_diagram(sizes, kernels))
        st.session_state[f"{page}:diagram"] = cached
    return cached[2]


def _summary(page: str, config: Config, snap: RunSnapshot | None,
             shown: ShownRun | None) -> None:
    """``config`` is the shown run's (or, without a run, the settings on screen)."""
    table = layer_rows_table(config.model)  # shared, not a fresh copy per refresh
    total = sum(table.column("parameters").to_pylist())
    whose = f"{shown.name}'s network" if shown else "The network of the settings on screen " \
                                                     "(untrained)"
    if config.model.architecture == "mlp":  # the diagram above the table: both need width
        sizes = [64, *config.model.hidden_units, 10]
        st.plotly_chart(_diagram(page, sizes, snap, shown), config={"displaylogo": False})
        if not (snap and snap.kernels):
            st.caption("Edges appear once the network has trained for an epoch.")
    st.markdown(f"{whose[:1].upper() + whose[1:]}: **{total:,} trainable parameters** in "
                f"{table.num_rows} Keras layers (activations count as layers).")
    st.dataframe(table, hide_index=True)


def _confusion(config: Config, snap: RunSnapshot | None) -> None:
    if _needs_training(snap):
        return
    y_test = digits_split(config).y_test
    left, right = st.columns([3, 2])
    matrix = confusion(y_test, snap.test_probabilities)
    left.plotly_chart(plots.confusion_heatmap(matrix))
    per_class = per_class_accuracy(y_test, snap.test_probabilities)
    accuracy = matrix.trace() / matrix.sum()
    right.metric("Test accuracy", f"{accuracy:.1%}", help=f"{len(y_test)} held-out images")
    right.dataframe({"digit": list(range(10)), "accuracy": per_class}, hide_index=True,
                    column_config={"accuracy": st.column_config.ProgressColumn(
                        "accuracy", format="percent", min_value=0.0, max_value=1.0)})


def _mistakes(config: Config, snap: RunSnapshot | None) -> None:
    if _needs_training(snap):
        return
    split = digits_split(config)
    wrong = mistakes(split.y_test, snap.test_probabilities)
    if not wrong:
        st.success("No test image is misclassified.")
        return
    shown = wrong[:MAX_MISTAKES]
    st.caption(f"{len(wrong)} of {len(split.y_test)} test images are wrong; the "
               f"{len(shown)} most confident mistakes:")
    titles = [f"true {m.true_label} → {m.predicted_label} ({m.confidence:.0%})" for m in shown]
    images = [split.x_test[m.index] for m in shown]
    st.plotly_chart(plots.digit_gallery(images, titles, pixel_max=split.pixel_max))


def _weights(snap: RunSnapshot | None) -> None:
    if _needs_training(snap):
        return
    st.plotly_chart(plots.gradient_norms(snap.history))
    st.caption("Each line is one layer's gradient norm. Lines that fan out far below the "
               "output layer's mean the early layers barely learn: vanishing gradients.")
    st.plotly_chart(plots.weight_histograms(snap.kernels))


def export(page: str, config: Config) -> None:
    """'Show the code' (of the settings on screen) and 'Download the model' (the shown
    run's, named after it)."""
    script = keras_script(config)
    name = f"train_{config.model.architecture}.py"
    with st.expander("Show the code: the settings on screen as a plain Keras script",
                     icon=":material/code:"):
        st.code(script, language="python", line_numbers=True)
        st.download_button("Download the script", script, file_name=name, mime="text/x-python",
                           icon=":material/download:", key=f"{page}:download_code")
    shown = page_state(page).shown
    snap = shown.snapshot() if shown else None
    if snap and snap.history and snap.status in ("finished", "stopped") \
            and shown.run.trainer is not None:
        from dl_core.models import model_bytes

        model = shown.run.trainer.model
        architecture = shown.config.model.architecture
        st.download_button(f"Download {shown.name}'s trained model (.keras, "
                           f"{len(snap.history)} epochs)", lambda: model_bytes(model),
                           file_name=f"{architecture}_digits_run{shown.number}.keras",
                           mime="application/octet-stream", icon=":material/download:",
                           key=f"{page}:download_model")
