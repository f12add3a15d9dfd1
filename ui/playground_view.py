"""The 2D playground's live view (Streamlit): the network picture, the output over the
plane with the points, the loss chart and the figures, redrawn several times a second
while the shown run trains; the points people add by clicking or from a CSV file; the
export.

Every chart is a Vega-Lite spec fixed for the run with Arrow datasets swapped in place
(no blinking). Cost per refresh (bench/playground.py, ~3 ms): two NumPy forward passes over
the plane (36 x 36 for the output, a few cells a side for each neuron), every cell's
colour, a few tens of KB to send.
"""

from __future__ import annotations

import dataclasses
import functools
import time

import numpy as np
import streamlit as st

from dl_core.i18n import N_, _, current_language, ngettext, sentence_start
from dl_core.playground_charts import GRID, boundary_chart
from dl_core.playground_data import (add_point, forward_on_grid, parse_points_csv,
                                     points_csv, remove_nearest, split)
from dl_core.playground_network import (confusion_datasets, confusion_spec, loss_datasets,
                                        loss_spec, network_datasets, network_spec,
                                        network_width, thumbnail)
from dl_core.playground_settings import (CUSTOM, LIVE, MAX_CLASSES, MAX_POINTS,
                                         PLAYGROUND_BY_NAME, VIEW_SETTINGS, PlaygroundSpec)
from dl_core.runs import RunSnapshot
from ui.live import (LIVE_CSS, STATUS_LABELS, arrow_datasets, follow_run, live_interval,
                     polling_fragment, session_id)
from ui.i18n import activate
from ui.playground_ui import PAGE, dataset_phrase, key, state
from ui.polling import LOAD

REMOVE = "remove"
CLASS_NAMES = (N_("orange"), N_("blue"), N_("green"), N_("purple"))  # the classes' colours
OUTPUT_WIDTH = 340  # px: the plane (320) and its axis


def cached_split(spec: PlaygroundSpec):
    """The run's points: the same for every refresh (and every session) of one spec; the
    settings taken live (learning rate, speed) do not change them."""
    return _split(dataclasses.replace(spec, **{name: PLAYGROUND_BY_NAME[name].default
                                               for name in LIVE}))


@functools.lru_cache(maxsize=32)
def _split(spec: PlaygroundSpec):
    return split(spec)


def live_view(spec: PlaygroundSpec, view: dict) -> None:
    """Figures, network picture, output and loss: polls while the shown run is active."""
    shown = state().shown
    polling = bool(shown and shown.snapshot().active)
    session = session_id()

    @polling_fragment(key("interval"), live_interval, polling)
    def _view():
        if st.session_state.pop(key("clicked"), False):
            st.rerun(scope="app")  # a click or a view option changed: the whole page follows
        cpu, wall = time.thread_time(), time.perf_counter()
        snap = follow_run(shown, polling)
        _progress(snap)
        _figures(spec, snap)
        epochs = len(snap.history) if snap else 0
        network, boundary, loss = _charts(spec, view, snap)
        # side by side where they fit, the output under the network where they do not
        row = st.container(horizontal=True, gap="large")
        picture = row.container(width=network_width(spec))
        output = row.container(width=OUTPUT_WIDTH)
        with picture:
            st.vega_lite_chart(network, width="stretch", height=network["height"],
                               key=key("network"),
                               alt=_("the network's neurons and links after epoch {epoch}")
                               .format(epoch=epochs))
        with output:
            _boundary(spec, boundary, epochs)
            if loss is None:
                st.caption(_("The training and test loss of every epoch are charted here."))
            else:
                st.vega_lite_chart(loss, width="stretch", key=key("loss"),
                                   alt=_("loss per epoch: {epochs} epochs plotted").format(
                                       epochs=epochs))
            if spec.classes and snap and snap.test_probabilities is not None:
                _confusion(spec, snap)
        if polling:
            LOAD.record(session, time.thread_time() - cpu, time.perf_counter() - wall)

    st.html(LIVE_CSS.replace("PAGE", PAGE))
    with st.container(key=key("live")):
        _view()


def _progress(snap: RunSnapshot | None) -> None:
    if snap is None:
        st.markdown(_("Epoch **0** · press **Play** to train, or **Step** for one epoch."))
        return
    epochs = len(snap.history)
    if snap.status == "queued":
        st.markdown(_("{status} (number {position} in line)").format(
            status=_(STATUS_LABELS["queued"]), position=snap.queue_position))
        return
    if snap.status == "starting" or (snap.active and not snap.history):
        st.markdown(_(":material/hourglass_top: building the network and compiling its "
                      "training step…"))
        return
    status = _(STATUS_LABELS[snap.status])
    if snap.status == "running" and snap.pause_requested:
        status = _(":material/pause: pausing")
    rate = pace(snap.history) if snap.status == "running" else 0.0
    line = (_("{status} · epoch **{epochs:,}** · {rate:.0f} epochs/s") if rate else
            _("{status} · epoch **{epochs:,}**"))
    st.markdown(line.format(status=status, epochs=epochs, rate=rate))
    if snap.status in ("diverged", "failed"):
        st.error(sentence_start(snap.message), icon=":material/warning:")


def pace(history, last: int = 30) -> float:
    """Epochs per second over the last ``last`` epochs (0 when fewer than 5: the first
    ones come at once after the network is built)."""
    recent = [s.finished for s in history[-last:]]
    if len(recent) < 5 or recent[-1] <= recent[0]:  # (the first epochs follow the build)
        return 0.0
    return (len(recent) - 1) / (recent[-1] - recent[0])


def _figures(spec: PlaygroundSpec, snap: RunSnapshot | None) -> None:
    last = snap.history[-1] if snap and snap.history else None
    row = st.container(horizontal=True, gap="medium")

    def number(value, percent=False):
        if value is None:
            return "–"
        return f"{value:.1%}" if percent else f"{value:.4f}"

    loss_help = (_("Cross-entropy on the training points (plus any L1/L2 penalty).")
                 if spec.classes else
                 _("Mean squared error on the training points (plus any L1/L2 penalty)."))
    row.metric(_("Training loss"), number(last and last.loss), width="content", help=loss_help)
    row.metric(_("Test loss"), number(last and last.test_loss), width="content",
               help=_("The same on the test points, which the network never trains on "
                      "(none when only your own points are used)."))
    if spec.classes:
        row.metric(_("Training accuracy"), number(last and last.accuracy, True),
                   width="content")
        row.metric(_("Test accuracy"), number(last and last.test_accuracy, True),
                   width="content")


def _charts(spec: PlaygroundSpec, view: dict, snap: RunSnapshot | None):
    """The network, output and loss charts (Arrow datasets) for this moment. They are kept
    until the run has a new epoch: a paused run is still polled, and its refreshes reuse
    them instead of two forward passes and every cell's colour again."""
    history = snap.history if snap else ()
    token = (spec, tuple(view.items()), len(history), history[-1] if history else None,
             current_language())  # (the charts' titles and hover texts are in it)
    cached = st.session_state.get(key("charts"))
    if cached is not None and cached[0] == token:
        return cached[1]
    weights = snap.kernels if snap and snap.kernels else None
    maps = forward_on_grid(spec, weights, thumbnail(spec)) if weights else None
    network = arrow_datasets({**network_spec(spec),
                           "datasets": network_datasets(spec, weights, maps)})
    x_train, y_train, x_test, y_test = cached_split(spec)
    output = forward_on_grid(spec, weights, GRID)[-1] if weights else None
    show_test = view["show_test"] and len(y_test)
    boundary = arrow_datasets(boundary_chart(
        output, spec.classes, x_train, y_train, x_test if show_test else None,
        y_test if show_test else None, discretize=view["discretize"],
        yours=len(spec.points) // 3))
    boundary["points"] = len(y_train) + (len(y_test) if show_test else 0)
    loss = (arrow_datasets({**loss_spec(), "datasets": loss_datasets(history)})
            if history else None)
    st.session_state[key("charts")] = (token, (network, boundary, loss))
    return network, boundary, loss


def _boundary(spec: PlaygroundSpec, chart: dict, epochs: int) -> None:
    """The view options, the click mode and the plane that takes the clicks."""
    _view_options()
    _click_mode(spec)
    nonce = st.session_state.get(key("click_nonce"), 0)
    points = chart["points"]
    st.vega_lite_chart({k: v for k, v in chart.items() if k != "points"}, width="content",
                       height=chart["height"], on_select=_on_click,
                       alt=_("output over the plane after epoch {epoch}: {points} points, "
                             "{yours} of them yours").format(epoch=epochs, points=points,
                                                            yours=len(spec.points) // 3),
                       selection_mode="click", key=key("boundary", nonce))


def _on_click() -> None:
    """A click on the plane: add a point of the chosen class there, or remove the nearest."""
    activate()  # (a callback runs before the page sets the session's language)
    ss = st.session_state
    nonce = ss.get(key("click_nonce"), 0)
    selection = ss[key("boundary", nonce)].selection.get("click") or []
    if not selection:
        return
    x, y = float(selection[0]["x"]), float(selection[0]["y"])
    mode = ss.get(key("click_mode"))
    points = ss[key("points")]
    if mode == REMOVE:
        ss[key("points")] = remove_nearest(points, x, y)
    elif mode is not None:
        if len(points) >= 3 * MAX_POINTS:
            st.toast(_("At most {most} points of your own.").format(most=MAX_POINTS),
                     icon=":material/block:")
        ss[key("points")] = add_point(points, x, y, float(mode))
    ss[key("click_nonce")] = nonce + 1  # a fresh chart: the same cell can be clicked again
    ss[key("clicked")] = True


def click_modes(spec: PlaygroundSpec) -> dict:
    """What a click on the plane can do here: value -> label."""
    if spec.classes == 0:
        modes = {1.0: _("+1 (blue)"), -1.0: _("−1 (orange)")}
    else:
        count = MAX_CLASSES if spec.dataset == CUSTOM else spec.classes
        modes = {float(c): _("{number} ({colour})").format(number=c, colour=_(CLASS_NAMES[c]))
                 for c in range(count)}
    return {**modes, REMOVE: _("remove")}


def _whole_page() -> None:
    st.session_state[key("clicked")] = True  # the fragment reruns the whole page


def _view_options() -> None:
    """Show test data, Discretize output: right above the plane. The fragment they sit in
    reruns the whole page when one changes (the URL and the plane follow)."""
    row = st.container(horizontal=True)
    for setting in VIEW_SETTINGS:
        row.toggle(_(setting.label), key=key(setting.name), help=_(setting.help),
                   on_change=_whole_page)


def _click_mode(spec: PlaygroundSpec) -> None:
    """What a click on the plane does, chosen right above it."""
    modes = click_modes(spec)
    if st.session_state.get(key("click_mode")) not in modes:
        st.session_state[key("click_mode")] = next(iter(modes))
    label = (_("A click on the plane adds a point of class") if spec.classes else
             _("A click on the plane adds a point of value"))
    st.segmented_control(label, list(modes), key=key("click_mode"), format_func=modes.get,
                         required=True,
                         help=_("Or, with **remove**, takes away the point of yours nearest "
                                "to the click."))


def points_editor(spec: PlaygroundSpec) -> None:
    """The CSV upload and download of your points, and Clear."""
    count = len(spec.points) // 3
    row = st.container(horizontal=True, gap="small")
    row.download_button(_("Download your {count} points (CSV)").format(count=count),
                        points_csv(spec.points), file_name="playground_points.csv",
                        mime="text/csv", disabled=not count, icon=":material/download:")
    row.button(_("Clear your points"), icon=":material/delete:", disabled=not count,
               on_click=lambda: st.session_state.update({key("points"): ()}))
    nonce = st.session_state.get(key("upload_nonce"), 0)  # a new, empty box after each file
    st.file_uploader(_("Add points from a CSV file (x, y, label per line)"),
                     type=["csv", "txt"], key=key("upload", nonce), on_change=_on_upload,
                     args=(spec.dataset,), max_upload_size=1,
                     help=_("x and y from -6 to 6; the label a class number (or a value from "
                            "-1 to 1 for regression); at most {most}.").format(most=MAX_POINTS))
    message = st.session_state.pop(key("upload_message"), None)  # shown once
    if message:
        getattr(st, message[0])(message[1])


def _on_upload(dataset: str) -> None:
    """Add a file's points, all of them or none (with the reason)."""
    activate()  # (a callback runs before the page sets the session's language)
    ss = st.session_state
    nonce = ss.get(key("upload_nonce"), 0)
    upload = ss.get(key("upload", nonce))
    if upload is None:
        return
    ss[key("upload_nonce")] = nonce + 1
    try:
        new = parse_points_csv(upload.getvalue(), dataset)
        total = (len(ss[key("points")]) + len(new)) // 3
        if total > MAX_POINTS:
            raise ValueError(_("with its {new} points you would have {total}; at most {most} "
                               "of your own can be kept").format(
                new=len(new) // 3, total=total, most=MAX_POINTS))
    except ValueError as exc:
        ss[key("upload_message")] = ("error", _(
            "{file} was not added: {error}. Your points are as they were.").format(
            file=upload.name, error=exc))
        return
    ss[key("points")] = ss[key("points")] + new
    ss[key("upload_message")] = ("success", _("Added the {count} points of {file} to {data}.")
                                 .format(count=len(new) // 3, file=upload.name,
                                         data=dataset_phrase(dataset)))


def _confusion(spec: PlaygroundSpec, snap: RunSnapshot) -> None:
    from sklearn.metrics import confusion_matrix

    y_test = cached_split(spec)[3]
    if not len(y_test):
        return
    matrix = confusion_matrix(y_test, np.argmax(snap.test_probabilities, axis=1),
                              labels=np.arange(spec.classes))
    chart = {**confusion_spec(spec.classes), "datasets": confusion_datasets(matrix)}
    st.vega_lite_chart(arrow_datasets(chart), width="content", height=chart["height"],
                       key=key("confusion"))


def export(spec: PlaygroundSpec) -> None:
    """The shown run's network as a Keras script; its trained model as a file."""
    from dl_core.playground_codegen import playground_script

    shown = state().shown
    snap = shown.snapshot() if shown else None
    epochs = len(snap.history) if snap and snap.history else 100
    with st.expander(_("Show the code: this network as a plain Keras script"),
                     icon=":material/code:"):
        script = playground_script(spec, epochs)
        st.caption((ngettext("It trains for {epochs} epoch, as {run} has so far.",
                             "It trains for {epochs} epochs, as {run} has so far.", epochs)
                    if snap and snap.history else
                    ngettext("It trains for {epochs} epoch (no run is shown).",
                             "It trains for {epochs} epochs (no run is shown).", epochs))
                   .format(epochs=epochs, run=shown.name if shown else ""))
        st.code(script, language="python", line_numbers=True, height=360)
        st.download_button(_("Download the script"), script,
                           file_name=f"playground_{spec.dataset}.py", mime="text/x-python",
                           icon=":material/download:", key=key("download_code"))
    if snap and snap.history and (snap.pause_requested or not snap.active) \
            and snap.kernels:
        from dl_core.playground import model_bytes_from

        own, weights = shown.config, snap.kernels  # (this moment's, not the live model's)
        n = len(snap.history)
        st.download_button(ngettext("Download {run}'s trained network (.keras, {n} epoch)",
                                    "Download {run}'s trained network (.keras, {n} epochs)",
                                    n).format(run=shown.name, n=n),
                           lambda: model_bytes_from(own, weights),
                           file_name=f"playground_{spec.dataset}_run{shown.number}.keras",
                           mime="application/octet-stream", icon=":material/download:",
                           key=key("download_model"))

