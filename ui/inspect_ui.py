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
from dl_core.i18n import N_, _, current_language, sentence_start
from dl_core.metrics import confusion, mistakes, per_class_accuracy
from dl_core.runs import RunSnapshot
from ui import i18n
from ui.cache import digits_split, layer_rows_table
from ui.live import panel_interval, polling_fragment
from ui.run_state import ShownRun, page_state

MAX_MISTAKES = 18
DIAGRAM_SECONDS = 6.0  # while a run trains, the network diagram follows it this often
# The columns of dl_core.models.layer_table, shown translated in the summary
LAYER_COLUMNS = (N_("layer"), N_("type"), N_("output shape"), N_("parameters"))


def inspection(page: str, config: Config) -> None:
    """Tabs of figures drawn from the shown run; refreshed every few seconds while it
    trains (less often on a loaded server: ui/polling.py). Only the open tab is computed.
    ``config`` (the settings on screen) is used only when there is no run yet."""
    shown = page_state(page).shown
    polling = bool(shown and shown.snapshot().active)
    own = shown.config if shown else config
    titles = [N_("Summary"), N_("Confusion matrix"), N_("Mistakes"), N_("Weights & gradients")]

    @polling_fragment(f"{page}:panel_interval", panel_interval, polling)
    def _panels():
        snap = shown.snapshot() if shown else None
        tabs = i18n.tabs(titles, key=f"{page}:inspect_tab", on_change="rerun")
        panels = [lambda: _summary(page, own, snap, shown), lambda: _confusion(own, snap),
                  lambda: _mistakes(own, snap), lambda: _weights(snap)]
        for tab, panel in zip(tabs, panels):
            if tab.open:
                with tab:
                    panel()

    _panels()


def _needs_training(snap: RunSnapshot | None) -> bool:
    if snap is None or not snap.history:
        st.info(_("Train for at least one epoch to see this."), icon=":material/info:")
        return True
    return False


def _diagram(page: str, sizes: list[int], snap: RunSnapshot | None, shown: ShownRun | None):
    """The network diagram, rebuilt at most every DIAGRAM_SECONDS while a run trains.

    Building one takes ~20 ms of Plotly object validation under the GIL: with many
    sessions it was half of the server's Python time (bench/load.py with py-spy)."""
    key = (shown.number if shown else 0, len(snap.history) if snap else 0, tuple(sizes),
           current_language())
    cached = st.session_state.get(f"{page}:diagram")  # (key, built at, figure)
    same = cached is not None and cached[0] == key
    recent_of_this_training_run = (cached is not None and snap is not None and snap.active
                                   and cached[0][0] == key[0] and cached[0][3] == key[3]
                                   and time.monotonic() - cached[1] < DIAGRAM_SECONDS)
    if not (same or recent_of_this_training_run):
        kernels = list(snap.kernels.values()) if snap and snap.kernels else None
        cached = (key, time.monotonic(), plots.network_diagram(sizes, kernels))
        st.session_state[f"{page}:diagram"] = cached
    return cached[2]


def _summary(page: str, config: Config, snap: RunSnapshot | None,
             shown: ShownRun | None) -> None:
    """``config`` is the shown run's (or, without a run, the settings on screen)."""
    with st.spinner(_("Building the model...")):
        table = layer_rows_table(config.model)  # shared, not a fresh copy per refresh
    total = sum(table.column("parameters").to_pylist())
    whose = (_("{run}'s network").format(run=shown.name) if shown
             else _("The network of the settings on screen (untrained)"))
    if config.model.architecture == "mlp":  # the diagram above the table: both need width
        sizes = [64, *config.model.hidden_units, 10]
        st.plotly_chart(_diagram(page, sizes, snap, shown), config={"displaylogo": False})
        if not (snap and snap.kernels):
            st.caption(_("Edges appear once the network has trained for an epoch."))
    st.markdown(_("{whose}: **{total:,} trainable parameters** in {layers} Keras layers "
                  "(activations count as layers).").format(
        whose=sentence_start(whose), total=total, layers=table.num_rows))
    shown_table = table.select(list(LAYER_COLUMNS))  # a new table: the shared one is kept
    st.dataframe(shown_table.rename_columns([_(c) for c in LAYER_COLUMNS]), hide_index=True)


def _confusion(config: Config, snap: RunSnapshot | None) -> None:
    if _needs_training(snap):
        return
    y_test = digits_split(config).y_test
    left, right = st.columns([3, 2])
    matrix = confusion(y_test, snap.test_probabilities)
    left.plotly_chart(plots.confusion_heatmap(matrix))
    per_class = per_class_accuracy(y_test, snap.test_probabilities)
    accuracy = matrix.trace() / matrix.sum()
    right.metric(_("Test accuracy"), f"{accuracy:.1%}",
                 help=_("{n} held-out images").format(n=len(y_test)))
    column = _("accuracy")
    right.dataframe({_("digit"): list(range(10)), column: per_class}, hide_index=True,
                    column_config={column: st.column_config.ProgressColumn(
                        column, format="percent", min_value=0.0, max_value=1.0)})


def _mistakes(config: Config, snap: RunSnapshot | None) -> None:
    if _needs_training(snap):
        return
    split = digits_split(config)
    wrong = mistakes(split.y_test, snap.test_probabilities)
    if not wrong:
        st.success(_("No test image is misclassified."))
        return
    shown = wrong[:MAX_MISTAKES]
    st.caption(_("{wrong} of {total} test images are wrong; the {shown} most confident "
                 "mistakes:").format(wrong=len(wrong), total=len(split.y_test), shown=len(shown)))
    title = _("true {true} → {predicted} ({confidence:.0%})")
    titles = [title.format(true=m.true_label, predicted=m.predicted_label,
                           confidence=m.confidence) for m in shown]
    images = [split.x_test[m.index] for m in shown]
    st.plotly_chart(plots.digit_gallery(images, titles, pixel_max=split.pixel_max))


def _weights(snap: RunSnapshot | None) -> None:
    if _needs_training(snap):
        return
    st.plotly_chart(plots.gradient_norms(snap.history))
    st.caption(_("Each line is one layer's gradient norm. Lines that fan out far below the "
                 "output layer's mean the early layers barely learn: vanishing gradients."))
    st.plotly_chart(plots.weight_histograms(snap.kernels))


def export(page: str, config: Config) -> None:
    """'Show the code' (of the settings on screen) and 'Download the model' (the shown
    run's, named after it)."""
    script = keras_script(config)
    name = f"train_{config.model.architecture}.py"
    with st.expander(_("Show the code: the settings on screen as a plain Keras script"),
                     icon=":material/code:"):
        st.code(script, language="python", line_numbers=True)
        st.download_button(_("Download the script"), script, file_name=name, mime="text/x-python",
                           icon=":material/download:", key=f"{page}:download_code")
    shown = page_state(page).shown
    snap = shown.snapshot() if shown else None
    if snap and snap.history and snap.status in ("finished", "stopped") \
            and shown.run.trainer is not None:
        from dl_core.models import model_bytes

        model = shown.run.trainer.model
        architecture = shown.config.model.architecture
        label = _("Download {run}'s trained model (.keras, {epochs} epochs)").format(
            run=shown.name, epochs=len(snap.history))
        st.download_button(label, lambda: model_bytes(model),
                           file_name=f"{architecture}_digits_run{shown.number}.keras",
                           mime="application/octet-stream", icon=":material/download:",
                           key=f"{page}:download_model")
