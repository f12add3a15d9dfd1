"""The live-training view shared by the MLP and CNN pages.

Train / Pause-Resume / Step / Stop / Reset drive the page's shown run (ui/run_state.py),
a ``dl_core.runs.BackgroundRun`` in ``st.session_state``. The settings a run takes on the
fly (learning rate, epochs, pace) sit beside the chart; a fragment polls the run's
snapshot several times a second while it trains and redraws the progress line, metrics
and curves; it stops polling once the run has ended.
"""

from __future__ import annotations

import functools
import time
import uuid
from typing import Callable
from urllib.parse import urlencode

import pyarrow as pa
import streamlit as st

from dl_core.config import Config, describe, differences, to_query_params
from dl_core.i18n import N_, _, current_language, ngettext, sentence_start
from dl_core.live_charts import curve_chart
from dl_core.plots import batch_losses
from dl_core.runs import RunSnapshot, active_run_count
from dl_core.metrics import collapse_warning
from ui import run_state
from ui.i18n import activate, with_language
from ui.polling import LOAD
from ui.run_state import page_state
from ui.streamlit_fixes import set_fragment_interval

STATUS_LABELS = {  # translate where shown: _(STATUS_LABELS[status])
    "queued": N_(":material/hourglass_empty: waiting for a free slot"),
    "starting": N_(":material/hourglass_top: building the model"),
    "running": N_(":material/play_arrow: training"),
    "paused": N_(":material/pause: paused"),
    "finished": N_(":material/check_circle: finished"),
    "stopped": N_(":material/stop_circle: stopped"),
    "diverged": N_(":material/warning: diverged"),
    "failed": N_(":material/error: failed"),
}
CHART_CONFIG = {"displaylogo": False}
CHART_HEIGHT = 300  # px, each live chart
# Streamlit fades an element to 33% while a rerun that will redraw it is under way; the
# live view reruns several times a second, so under load it would flicker grey.
LIVE_CSS = """<style>
.st-key-PAGE-live [data-stale="true"] { opacity: 1 !important; transition: none !important; }
</style>"""


def training_buttons(page: str, config: Config | None) -> None:
    """The row of run buttons (wrapping on narrow screens); disabled where they would do
    nothing. Pause reads "Resume" as soon as a pause is requested."""
    shown = page_state(page).shown
    snap = shown.snapshot() if shown else None
    active = bool(snap and snap.active)
    paused = bool(active and snap.pause_requested)
    row = st.container(horizontal=True, gap="small", key=f"{page}:buttons")
    row.button(_("Train"), type="primary", icon=":material/play_arrow:", key=f"{page}:train",
               disabled=config is None, on_click=run_state.on_train, args=(page, config),
               help=_("Train a new model from scratch with the settings on screen."))
    row.button(_("Resume") if paused else _("Pause"), key=f"{page}:pause",
               icon=":material/play_arrow:" if paused else ":material/pause:",
               disabled=not active, on_click=run_state.on_pause_resume, args=(page,))
    row.button(_("Step"), icon=":material/skip_next:", key=f"{page}:step",
               help=_("Train exactly one more epoch of the shown run, then pause."),
               disabled=config is None, on_click=run_state.on_step, args=(page, config))
    row.button(_("Stop"), icon=":material/stop:", key=f"{page}:stop", disabled=not active,
               on_click=run_state.on_stop, args=(page,))
    row.button(_("Reset"), icon=":material/restart_alt:", key=f"{page}:reset",
               disabled=shown is None, on_click=run_state.on_reset, args=(page,),
               help=_("Stop and forget the shown run."))
    if config is not None:
        with row.popover(_("Share"), icon=":material/link:"):
            _share(config)


def _share(config: Config) -> None:
    base = st.context.url or ""
    st.markdown(_("This link opens the page with every setting, the seed included:"))
    st.code(f"{base}?{urlencode(with_language(to_query_params(config)))}", language=None,
            wrap_lines=True)
    st.caption(_("Select it and copy, or use the copy icon at the top right of the box "
                 "(it shows when you point at the box)."))


def run_banner(page: str, config: Config | None) -> None:
    """Which run the results belong to, and what changed on screen since it started."""
    state = page_state(page)
    if state.notice:
        kind, text = state.notice
        getattr(st, kind)(str(text))
    shown = state.shown
    if shown is None:
        return
    snap = shown.snapshot()
    times = len(snap.lr_changes)
    # (this line is drawn by full reruns only: while the run trains, no count that would lag)
    caption = (_("Results of **{run}**: {settings}") if not times else
               _("Results of **{run}**: {settings} (learning rate changed during the run: see "
                 "the marks on the curves)") if snap.active else
               ngettext("Results of **{run}**: {settings} (learning rate changed once during "
                        "the run: see the marks on the curves)",
                        "Results of **{run}**: {settings} (learning rate changed {n} times "
                        "during the run: see the marks on the curves)", times))
    st.caption(caption.format(run=shown.name, settings=describe(shown.config), n=times))
    if config is None or snap.active:
        return
    changes = differences(shown.config, config)
    if not changes:
        return
    listed = _("; ").join(map(str, changes))  # (a separator of the language)
    text = (_("The results below are those of {run}. Settings changed since: {changes}; "
              "press **Step** to go on training it with them, or **Train** to start again.")
            if all(c.live for c in changes) else
            _("The results below are those of {run}. Settings changed since: {changes}; "
              "press **Train** to train with them."))
    st.info(text.format(run=shown.name, changes=listed), icon=":material/difference:")


def live_view(page: str, baseline: dict | None, target_epochs: int) -> None:
    """Progress, metrics and curves; polls while the run is active.

    The fragment's layout never changes while it polls (a fixed slot for messages), and
    the curves are Vega-Lite charts whose spec stays the same during a run, so the browser
    swaps their data in place rather than rebuilding them: they never blink. Stale
    elements of the live view are not faded while a refresh is under way (LIVE_CSS).
    """
    shown = page_state(page).shown
    polling = bool(shown and shown.snapshot().active)
    session = session_id()

    @polling_fragment(f"{page}:interval", live_interval, polling)
    def _view():
        cpu, wall = time.thread_time(), time.perf_counter()
        snap = follow_run(shown, polling)
        _progress(snap, target_epochs)
        _messages(snap, st.empty())
        _metrics(snap, baseline)
        _curves(page, snap, target_epochs, baseline)
        if polling:
            LOAD.record(session, time.thread_time() - cpu, time.perf_counter() - wall)
        if snap is not None and snap.divergence is not None:
            d = snap.divergence
            st.plotly_chart(batch_losses(d.batch_losses, d.epoch, d.batch, d.batches),
                            config=CHART_CONFIG, key=f"{page}:nan_batches")

    st.html(LIVE_CSS.replace("PAGE", page))
    with st.container(key=f"{page}:live"):
        _view()


def follow_run(shown, polling: bool) -> RunSnapshot | None:
    """The shown run's snapshot for one refresh of a polling view (None without a run).
    Keeps the run from its idle timeout while someone watches, and once the run has ended
    reruns the whole page (drawn once more, without polling)."""
    snap = shown.snapshot() if shown else None
    if polling and shown is not None:
        shown.run.touch()
        if not snap.active:
            st.rerun()
    return snap


def session_id() -> str:
    """This browser session's id for the load figures (ui/polling.py)."""
    return st.session_state.setdefault("session_id", uuid.uuid4().hex)


def panel_interval() -> float:
    """The refresh interval of a heavier panel that follows a run (ui/polling.py)."""
    return LOAD.panel_interval(session_id(), active_run_count())


def live_interval() -> float:
    """The live view's refresh interval now (ui/polling.py)."""
    return LOAD.interval(session_id(), active_run_count())


def polling_fragment(key: str, interval: Callable[[], float], polling: bool):
    """``@st.fragment`` that reruns every ``interval()`` seconds while ``polling``, and whose
    pace follows the server's load: each run sends the browser a new interval when it
    changed (kept under ``key`` in session state)."""
    st.session_state[key] = every = interval() if polling else None

    def decorate(function):
        @functools.wraps(function)
        def body():
            activate()  # a fragment run does not run app.py
            if polling:
                now = interval()
                if now != st.session_state.get(key) and set_fragment_interval(now):
                    st.session_state[key] = now
            return function()
        return st.fragment(run_every=every)(body)
    return decorate


def _curves(page: str, snap: RunSnapshot | None, target_epochs: int,
            baseline: dict | None) -> None:
    """Loss and accuracy side by side (stacked on phones). The specs stay the same while
    the run goes on and only their data changes, so the charts update in place. A refresh
    with no new epoch re-sends the Arrow bytes of the last one."""
    history = snap.history if snap else ()
    target = snap.target_epochs if snap else target_epochs
    lr_changes = snap.lr_changes if snap else ()
    key = (len(history), history[-1] if history else None, lr_changes, target, str(baseline),
           current_language())
    cache = st.session_state.get(f"{page}:curves")
    if cache is None or cache[0] != key:
        cache = (key, [_chart(m, history, target, lr_changes, baseline)
                       for m in ("loss", "accuracy")])
        st.session_state[f"{page}:curves"] = cache
    alts = (_("loss per epoch: {n} epochs plotted"), _("accuracy per epoch: {n} epochs plotted"))
    for column, alt, spec in zip(st.columns(2), alts, cache[1]):
        column.vega_lite_chart(spec, width="stretch", height=CHART_HEIGHT,
                               alt=alt.format(n=len(history)))


def _chart(metric: str, history, target: int, lr_changes, baseline) -> dict:
    """A live chart's spec with its datasets as Arrow IPC bytes, which Streamlit sends as
    they are (building DataFrames from plain columns took 24 ms a refresh at 500 epochs;
    this takes under 1 ms). The small datasets that rarely change (baseline, learning-rate
    marks) are encoded once for all sessions."""
    spec = curve_chart(metric, history, target, lr_changes, baseline)
    spec["datasets"] = {name: (arrow_bytes(pa.table(columns)) if name == "curves" else
                               _small_arrow_bytes(tuple((k, tuple(v))
                                                        for k, v in columns.items())))
                        for name, columns in spec["datasets"].items()}
    return spec


@functools.lru_cache(maxsize=256)
def _small_arrow_bytes(columns: tuple) -> bytes:
    return arrow_bytes(pa.table({name: list(values) for name, values in columns}))


def arrow_datasets(spec: dict) -> dict:
    """``spec`` with each dataset's plain columns encoded as Arrow IPC bytes (which
    Streamlit sends as they are); mutates and returns it."""
    spec["datasets"] = {name: arrow_bytes(pa.table(columns))
                        for name, columns in spec["datasets"].items()}
    return spec


def arrow_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def progress_line(snap: RunSnapshot) -> str:
    """What the run is doing, in words: building, training, pausing, paused, ended."""
    done = len(snap.history)
    if snap.status == "queued":
        wait = (_("about {seconds:.0f} s").format(seconds=snap.queue_wait_seconds)
                if snap.queue_wait_seconds is not None
                else _("until a paused run is stopped or times out"))
        return _("{status}: the server is training as many runs as it can share fairly; yours "
                 "is **number {position}** in line ({wait}) and starts by itself").format(
            status=_(STATUS_LABELS["queued"]), position=snap.queue_position, wait=wait)
    if snap.status == "starting" or (snap.active and done < snap.first_epoch):
        return _(":material/hourglass_top: building the network and compiling its training "
                 "step into one graph: the first epoch follows in about a second")
    status = _(STATUS_LABELS[snap.status])
    if snap.status == "running" and snap.pause_requested:
        status = _(":material/pause: pausing after this epoch")
    return _("{status} · epoch **{done}** of {total} · {seconds:.1f} s · {speed:.1f} epochs/s"
             ).format(status=status, done=done, total=snap.target_epochs,
                      seconds=snap.elapsed_seconds, speed=snap.epochs_per_second)


def _progress(snap: RunSnapshot | None, target_epochs: int) -> None:
    if snap is None:
        st.caption(_("Press **Train** to train for {epochs} epochs, or **Step** for one.")
                   .format(epochs=target_epochs))
        st.progress(0.0)
        return
    st.markdown(progress_line(snap))
    st.progress(min(len(snap.history) / max(snap.target_epochs, 1), 1.0))


def _messages(snap: RunSnapshot | None, slot) -> None:
    """Divergence, failure, a stop's reason or a collapse, in one fixed slot."""
    if snap is None:
        return
    message = sentence_start(snap.message)  # a Message from the run's thread, rendered here
    if snap.status in ("diverged", "failed"):
        slot.error(message, icon=":material/warning:")
    elif snap.status == "stopped" and snap.message != "stopped":
        slot.info(message)
    else:
        warning = collapse_warning(snap.history, snap.lr_changes)
        if warning:
            slot.warning(warning, icon=":material/trending_down:")


def _signed(value: float, digits: int = 2) -> str:
    """A change with ``digits`` significant digits: +0.00031, -1.2, +3.1e-05, ±0."""
    return "±0" if value == 0 else f"{value:+.{digits}g}"


def _metrics(snap: RunSnapshot | None, baseline: dict | None) -> None:
    row = st.container(horizontal=True, gap="medium")
    last = snap.history[-1] if snap and snap.history else None
    prev = snap.history[-2] if snap and len(snap.history) > 1 else None

    def change(attr, scale=1.0):
        return (getattr(last, attr) - getattr(prev, attr)) * scale if prev else None

    def delta(value, suffix="", digits=2):
        return None if value is None else _signed(value, digits) + suffix

    def colour(value, normal):  # grey when nothing changed
        return "off" if value == 0 else normal

    def arrow(value):
        return "off" if value == 0 else "auto"

    loss, val_loss, accuracy = change("loss"), change("val_loss"), change("val_accuracy", 100)
    row.metric(_("Training loss"), f"{last.loss:.4g}" if last else "-", delta(loss),
               delta_color=colour(loss, "inverse"), delta_arrow=arrow(loss), width="content",
               help=_("Cross-entropy on the training images (plus any L1/L2 penalty); the "
                      "change is since the previous epoch."))
    row.metric(_("Validation loss"), f"{last.val_loss:.4g}" if last else "-", delta(val_loss),
               delta_color=colour(val_loss, "inverse"), delta_arrow=arrow(val_loss),
               width="content")
    row.metric(_("Validation accuracy"), f"{last.val_accuracy:.1%}" if last else "-",
               None if accuracy is None else _("{change} pts").format(
                   change="±0" if accuracy == 0 else f"{accuracy:+.1f}"),
               delta_color=colour(accuracy, "normal"), delta_arrow=arrow(accuracy),
               width="content")
    if baseline:
        row.metric(_("Logistic regression"), f"{baseline['val_accuracy']:.1%}",
                   width="content",
                   help=_("scikit-learn LogisticRegression on the same split: the classic "
                          "machine-learning baseline (validation accuracy)."))


def training_section(page: str, architecture: str) -> Config | None:
    """Sidebar settings, run buttons, the live settings and the live view: the top of a
    training page.

    Returns the page's Config (the settings on screen), or None when the settings cannot
    be built (the reason is shown and Train is disabled).
    """
    from ui.cache import baseline
    from ui.settings_ui import config_sidebar

    buttons = st.container()
    live_settings = st.container(key=f"{page}:live_settings")
    config = config_sidebar(page, architecture, live_settings)
    if config is not None:
        run_state.sync_run(page, config)
    with buttons:
        training_buttons(page, config)
        run_banner(page, config)
    shown = page_state(page).shown
    own = shown.config if shown else config  # curves and baseline belong to the run
    if own is not None:
        with st.spinner(_("Fitting the logistic-regression baseline...")):
            reference = baseline(own.data, own.training.seed)
        live_view(page, reference, own.training.epochs)
    return config
