"""The live-training view shared by the MLP and CNN pages.

Train / Pause-Resume / Step / Stop / Reset buttons drive a ``dl_core.runs.BackgroundRun``
kept in ``st.session_state`` (one per browser session and page). A fragment polls the run's
snapshot several times a second while it trains and redraws the progress line, metrics and
curves; it stops polling once the run has ended.
"""

from __future__ import annotations

import streamlit as st

from dl_core.config import Config
from dl_core.plots import training_curves
from dl_core.runs import BackgroundRun, RunLimitError, RunSnapshot

POLL_SECONDS = 0.1  # at least 4 redraws a second after Streamlit overhead
STATUS_LABELS = {
    "starting": ":material/hourglass_top: building the model",
    "running": ":material/play_arrow: training",
    "paused": ":material/pause: paused",
    "finished": ":material/check_circle: finished",
    "stopped": ":material/stop_circle: stopped",
    "diverged": ":material/warning: diverged",
    "failed": ":material/error: failed",
}


def _make_trainer(config: Config):
    from dl_core.training import Trainer  # TensorFlow loads here, in the run's thread

    return Trainer(config)


def current_run(page: str) -> BackgroundRun | None:
    return st.session_state.get(f"{page}:run")


def _start(page: str, config: Config, paused: bool) -> BackgroundRun | None:
    _stop(page)
    t = config.training
    run = BackgroundRun(lambda: _make_trainer(config), epochs=t.epochs,
                        epoch_delay=t.epoch_delay_ms / 1000)
    try:
        run.start(paused=paused)
    except RunLimitError as exc:
        st.session_state[f"{page}:notice"] = ("error", str(exc))
        return None
    st.session_state[f"{page}:run"] = run
    st.session_state[f"{page}:run_config"] = config
    st.session_state.pop(f"{page}:notice", None)
    return run


def _on_train(page: str, config: Config) -> None:
    _start(page, config, paused=False)


def _on_step(page: str, config: Config) -> None:
    run = current_run(page)
    if run is None or not run.snapshot().active:
        run = _start(page, config, paused=True)
    if run is not None:
        run.step()


def _on_pause_resume(page: str) -> None:
    run = current_run(page)
    if run is not None:
        run.resume() if run.snapshot().status == "paused" else run.pause()


def _stop(page: str) -> None:
    run = current_run(page)
    if run is not None:
        run.stop()


def _on_reset(page: str) -> None:
    _stop(page)
    for suffix in ("run", "run_config", "notice"):
        st.session_state.pop(f"{page}:{suffix}", None)


# Settings a running Trainer can take on the fly; any other change needs a new model.
LIVE_SETTINGS = ("learning_rate", "epochs", "epoch_delay_ms")


def _without_live_settings(config: Config) -> Config:
    return config.replace(**{name: Config().get(name) for name in LIVE_SETTINGS})


def sync_run(page: str, config: Config) -> None:
    """Apply setting changes to a live run: a new learning rate from the next epoch, a new
    epoch limit or pace at once; any other change stops the run."""
    run, used = current_run(page), st.session_state.get(f"{page}:run_config")
    if run is None or used is None or not run.snapshot().active:
        return
    if _without_live_settings(config) != _without_live_settings(used):
        run.stop()
        st.session_state[f"{page}:notice"] = (
            "info", "The network, the data or the optimizer settings changed, so training "
                    "stopped: press Train to retrain with the new settings.")
        return
    run.epochs = config.training.epochs
    run.epoch_delay = config.training.epoch_delay_ms / 1000
    if config.training.learning_rate != used.training.learning_rate:
        run.set_learning_rate(config.training.learning_rate)
    st.session_state[f"{page}:run_config"] = config


def training_buttons(page: str, config: Config | None) -> None:
    """The row of run buttons; disabled where they would do nothing."""
    run = current_run(page)
    snap = run.snapshot() if run else None
    active = bool(snap and snap.active)
    cols = st.columns(5)
    cols[0].button("Train", type="primary", icon=":material/play_arrow:", width="stretch",
                   key=f"{page}:train", disabled=config is None,
                   on_click=_on_train, args=(page, config))
    paused = bool(snap and snap.status == "paused")
    cols[1].button("Resume" if paused else "Pause", width="stretch", key=f"{page}:pause",
                   icon=":material/play_arrow:" if paused else ":material/pause:",
                   disabled=not active, on_click=_on_pause_resume, args=(page,))
    cols[2].button("Step", icon=":material/skip_next:", width="stretch", key=f"{page}:step",
                   help="Train exactly one epoch, then pause.", disabled=config is None,
                   on_click=_on_step, args=(page, config))
    cols[3].button("Stop", icon=":material/stop:", width="stretch", key=f"{page}:stop",
                   disabled=not active, on_click=_stop, args=(page,))
    cols[4].button("Reset", icon=":material/restart_alt:", width="stretch", key=f"{page}:reset",
                   disabled=run is None, on_click=_on_reset, args=(page,))
    notice = st.session_state.get(f"{page}:notice")
    if notice:
        getattr(st, notice[0])(notice[1])


def live_view(page: str, baseline: dict | None, target_epochs: int) -> None:
    """Progress, metrics and curves; polls while the run is active."""
    run = current_run(page)
    polling = bool(run and run.snapshot().active)

    @st.fragment(run_every=POLL_SECONDS if polling else None)
    def _view():
        snap = run.snapshot() if run else None
        if polling and run is not None:
            run.touch()
            if not snap.active:
                st.rerun()  # the run ended: redraw the page once, without polling
        _progress(snap, target_epochs)
        _metrics(snap, baseline)
        history = snap.history if snap else ()
        figure = training_curves(history, snap.target_epochs if snap else target_epochs,
                                 snap.lr_changes if snap else (), baseline)
        st.plotly_chart(figure, config={"displaylogo": False})

    _view()


def _progress(snap: RunSnapshot | None, target_epochs: int) -> None:
    if snap is None:
        st.caption(f"Press **Train** to train for {target_epochs} epochs, or **Step** for one.")
        return
    done = len(snap.history)
    st.markdown(
        f"{STATUS_LABELS[snap.status]} · epoch **{done}** of {snap.target_epochs} · "
        f"{snap.elapsed_seconds:.1f} s elapsed · {snap.epochs_per_second:.1f} epochs/s")
    st.progress(min(done / max(snap.target_epochs, 1), 1.0))
    message = snap.message[:1].upper() + snap.message[1:]
    if snap.status == "diverged":
        st.error(message, icon=":material/warning:")
    elif snap.status == "failed":
        st.error(message)
    elif snap.status == "stopped" and snap.message != "stopped":
        st.info(message)


def _metrics(snap: RunSnapshot | None, baseline: dict | None) -> None:
    cols = st.columns(4)
    last = snap.history[-1] if snap and snap.history else None
    prev = snap.history[-2] if snap and len(snap.history) > 1 else None

    def delta(attr, scale=1.0):
        return f"{(getattr(last, attr) - getattr(prev, attr)) * scale:+.2f}" if prev else None

    cols[0].metric("Training loss", f"{last.loss:.3f}" if last else "-", delta("loss"),
                   delta_color="inverse")
    cols[1].metric("Validation loss", f"{last.val_loss:.3f}" if last else "-",
                   delta("val_loss"), delta_color="inverse")
    accuracy_delta = delta("val_accuracy", 100)
    cols[2].metric("Validation accuracy", f"{last.val_accuracy:.1%}" if last else "-",
                   accuracy_delta and f"{accuracy_delta} pts")
    if baseline:
        cols[3].metric("Logistic regression", f"{baseline['val_accuracy']:.1%}",
                       help="scikit-learn LogisticRegression on the same split: the classic "
                            "machine-learning baseline (validation accuracy).")


def training_section(page: str, architecture: str) -> Config | None:
    """Sidebar settings, run buttons and the live view: the top of a training page.

    Returns the page's Config, or None when the settings cannot be built (the reason is
    shown and the Train button disabled).
    """
    from ui.cache import baseline
    from ui.settings_ui import config_sidebar

    config = config_sidebar(page, architecture)
    if config is not None:
        sync_run(page, config)
    training_buttons(page, config)
    if config is not None:
        live_view(page, baseline(config.data, config.training.seed), config.training.epochs)
    return config
