"""Which run a training page shows, and the buttons that start, step, pause and stop it.

The rule every panel follows: what is on screen belongs to ONE named run (``ShownRun``),
computed from that run's own configuration (its split, its architecture, its weights).
When the settings on screen differ from the shown run's, the page says so; it never
mixes the two. One ``PageState`` per page lives in ``st.session_state`` (per browser
session); nothing here is shared between sessions.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import streamlit as st

from dl_core.compare import STATUSES
from dl_core.config import Config, differences
from dl_core.i18n import Later, Message, join_words
from dl_core.runs import BackgroundRun, RunSnapshot
from dl_core.settings import LIVE_SETTINGS

CONTINUABLE = ("finished", "stopped")  # a Step after these trains the same model on


@dataclass
class ShownRun:
    """A run with its number on this page and the configuration it trains.

    ``config`` follows the live settings (learning rate, epochs, pace) as they are applied
    to the run; every other setting is fixed for the run's life.
    """

    number: int
    run: BackgroundRun
    config: Config
    record_id: str = field(default_factory=lambda: uuid.uuid4().hex)  # its history entry
    started: float = field(default_factory=time.time)  # Unix time of its first epoch
    # the settings it started with (the history keeps these: its link trains it again,
    # learning-rate changes made during the run aside)
    first_config: object = None

    def __post_init__(self):
        if self.first_config is None:
            self.first_config = self.config

    def continued(self, run: BackgroundRun, config) -> "ShownRun":
        """The run that trains this one further: the same number and history entry."""
        return ShownRun(self.number, run, config, self.record_id, self.started,
                        self.first_config)

    def snapshot(self) -> RunSnapshot:
        return self.run.snapshot()

    @property
    def label(self) -> Message:
        """Its name, in the language of wherever it is shown ("run 3")."""
        return Message("run {number}", number=self.number)

    @property
    def name(self) -> str:
        return str(self.label)


@dataclass
class PageState:
    """Everything a training page keeps between reruns."""

    shown: ShownRun | None = None
    # (st function name, text), shown once per change; a Message when made in a callback
    # (which runs before the page sets the session's language) or kept across reruns
    notice: tuple[str, str | Message] | None = None
    runs_started: int = 0


def page_state(page: str) -> PageState:
    """The page's state; a session's first visit numbers its runs on from the history's
    ("MLP run 4" follows "MLP run 3", kept by another visit)."""
    key = f"{page}:state"
    if key not in st.session_state:
        from ui.history_ui import last_run_number

        st.session_state[key] = PageState(runs_started=last_run_number(page))
    return st.session_state[key]


def current_run(page: str) -> BackgroundRun | None:
    shown = page_state(page).shown
    return shown.run if shown else None


def model_changes(old: Config, new: Config) -> list:
    """Changes a running model cannot take on the fly (it needs a new model)."""
    return [c for c in differences(old, new) if not c.live]


def _make_trainer(config: Config):
    from dl_core.training import Trainer  # TensorFlow loads here, in the run's thread

    return Trainer(config)


def _start(page: str, config: Config, paused: bool, continues: ShownRun | None = None
           ) -> ShownRun | None:
    """Start a run of ``config`` (a new one, or more epochs of ``continues``); show it."""
    state = page_state(page)
    _stop(page)
    t = config.training
    epochs = t.epochs
    if continues is not None:  # at least one more epoch than it has
        continues.run.join(2.0)  # its status is final; its thread is leaving
        continues.run.wait_reported(2.0)  # (its history entry is written before ours)
        epochs = max(epochs, len(continues.snapshot().history) + 1)
    if continues is None:
        state.runs_started += 1
    number = continues.number if continues else state.runs_started
    shown: list[ShownRun] = []  # (the recorder reads the run's config as it is at its end)
    run = BackgroundRun(lambda: _make_trainer(config), epochs=epochs,
                        epoch_delay=t.epoch_delay_ms / 1000,
                        continues=continues.run if continues else None,
                        on_end=_recorder(page, number, shown))
    if continues is not None:  # the run applies it only if it differs from the model's
        run.set_learning_rate(t.learning_rate)
    shown.append(ShownRun(number, run, config) if continues is None else
                 continues.continued(run, config))
    run.start(paused=paused)  # it may wait in the server's queue; the page says so
    state.shown = shown[0]
    state.notice = None
    return state.shown


def history_recorder(shown: list, build):
    """The on_end callback that keeps a run in the history (ui/history_ui.py): when the
    run has something to keep, ``build(shown_run, snapshot, trainer, note)`` makes its
    RunRecord (``note``: what the summary adds when the rate changed during the run).
    ``shown`` holds the run's ShownRun once it exists."""
    from ui.history_ui import recorder

    def make_record(run: BackgroundRun):
        from dl_core.recording import worth_keeping

        snap = run.snapshot()
        if not shown or not worth_keeping(snap):
            return None
        note = "; learning rate changed during the run" if snap.lr_changes else ""
        return build(shown[0], snap, run.trainer, note)
    return recorder(make_record)


def _recorder(page: str, number: int, shown: list):
    """The history's on_end callback of a digits run (its record: dl_core.recording)."""
    from dl_core.config import describe, to_query_params
    from dl_core.i18n import in_english
    from dl_core.recording import digits_record
    from ui.history_ui import PAGE_TITLES

    return history_recorder(shown, lambda own, snap, trainer, note: digits_record(
        page, to_query_params(own.first_config), in_english(describe, own.first_config) + note,
        snap, trainer, own.record_id, own.started, name=f"{PAGE_TITLES[page]} run {number}"))


def on_train(page: str, config: Config) -> None:
    _start(page, config, paused=False)


def on_step(page: str, config: Config) -> None:
    """One more epoch of the shown run; a new run when its settings or state rule it out."""
    state = page_state(page)
    shown = state.shown
    if shown is not None and shown.snapshot().active:
        shown.run.step()
        state.notice = None  # a notice about how this run began is no longer news
        return
    reason = _why_not_continue(shown, config)
    started = _start(page, config, paused=True, continues=None if reason else shown)
    if started is None:
        return
    started.run.step()
    if reason and shown is not None:
        state.notice = ("info", Message("Step started a new run ({run}) at epoch 1: {reason}.",
                                        run=started.label, reason=reason))


def _why_not_continue(shown: ShownRun | None, config: Config) -> Message | None:
    """None when Step may train the shown run further; else the reason it may not."""
    if shown is None:
        return Message("no run yet")
    snap = shown.snapshot()
    if snap.status not in CONTINUABLE or shown.run.trainer is None or not snap.history:
        return Message("{run} {status} and cannot go on", run=shown.label,
                       status=Message(STATUSES.get(snap.status, snap.status)))
    changes = model_changes(shown.config, config)
    if changes:
        return Message("settings changed since {run} ({changes})", run=shown.label,
                       changes=Later(join_words, changes))
    return None


def on_pause_resume(page: str) -> None:
    run = current_run(page)
    if run is not None:
        run.resume() if run.snapshot().pause_requested else run.pause()


def _stop(page: str) -> None:
    run = current_run(page)
    if run is not None:
        run.stop()


def on_stop(page: str) -> None:
    _stop(page)


def on_reset(page: str) -> None:
    _stop(page)  # (the numbering goes on: "run 1" names one run in the history)
    st.session_state[f"{page}:state"] = PageState(runs_started=page_state(page).runs_started)


def sync_run(page: str, config: Config) -> None:
    """Apply setting changes to an active run: a new learning rate from the next epoch, a
    new epoch limit or pace at once; any other change stops the run (it needs a new
    model). The run keeps its own configuration either way."""
    state = page_state(page)
    shown = state.shown
    if shown is None or not shown.snapshot().active:
        return
    if model_changes(shown.config, config):
        shown.run.stop()
        shown.run.join(1.0)  # mostly "stopped" before this rerun draws the buttons
        done = len(shown.snapshot().history)
        state.notice = ("info", Message("Training of {run} stopped at epoch {epoch}: the new "
                                        "settings need a new model.", run=shown.label,
                                        epoch=done))
        return
    run, t = shown.run, config.training
    run.epochs = max(t.epochs, 1)
    run.epoch_delay = t.epoch_delay_ms / 1000
    if t.learning_rate != shown.config.training.learning_rate:
        run.set_learning_rate(t.learning_rate)
    shown.config = shown.config.replace(**{n: config.get(n) for n in LIVE_SETTINGS})
