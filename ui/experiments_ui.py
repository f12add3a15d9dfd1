"""The Experiments page: four one-click experiments, live, in the background, cancellable.

Each session runs at most one experiment at a time (a new one stops the other); the
finished ones stay on screen until run again. The experiments are dl_core.experiments
objects in ``st.session_state``; a polling fragment draws their charts, whose specs stay
the same while the data grows (no blinking).

Server cost per user, while an experiment runs: one fair share of the training workers
(the CPU one person's run gets when others train; every worker when nobody does), at most
8 runs admitted at once for the race and 2 for the sweeps, each run's Trainer (~4-6 MB)
freed when it ends; no thread of its own. The page's refresh: ~2-5 ms every polling
interval. Texts made in a callback or a worker thread (a notice, why an experiment
ended) are kept as data or Messages and said in the language of the run that shows them.
"""

from __future__ import annotations

import time

import streamlit as st

from dl_core import experiment_charts as charts
from dl_core import experiments as ex
from dl_core.compare import status_text
from dl_core.i18n import Message, N_, _, mid_sentence, ngettext
from ui.live import arrow_datasets, live_interval, polling_fragment, session_id
from ui.polling import LOAD

KEY = "experiments"
KINDS = {  # kind -> (label, icon)
    "race": (N_("Optimizer race"), ":material/sprint:"),
    "efficiency": (N_("Data efficiency"), ":material/stacked_line_chart:"),
    "generalization": (N_("Generalization"), ":material/compare:"),
    "cost": (N_("Compute cost"), ":material/speed:"),
}
RUN_LABELS = {"race": N_("Run the optimizer race"),
              "efficiency": N_("Run the data-efficiency sweep"),
              "generalization": N_("Run the generalization sweep")}
ABOUT = {  # kind -> (what it does, what it costs)
    "race": (
        N_("The default MLP (64-64-32 ReLU) trained for 30 epochs from **the same initial "
        "weights and the same batches**, once with each of eight optimizers, all at once: "
        "ConvNetJS's trainer comparison, on our digits. Each optimizer runs at a learning "
        "rate it is usually run with (SGD family 0.01, momentum 0.9; Adagrad 0.01; Adadelta "
        "1.0; RMSprop, Adam, Nadam 0.001)."), N_("8 runs × 30 epochs, about 2-7 s")),
    "efficiency": (
        N_("Test accuracy against the size of the training set, from 2 % (23 images) to all "
        "1,149, for scikit-learn's logistic regression, the default MLP and the default "
        "CNN. Every point is the mean of 3 seeds (each draws its own stratified subset and "
        "initial weights; a point is hollow while fewer are done); the bar spans the "
        "lowest to the highest. Each network trains for about 600 gradient steps, between "
        "20 and 150 epochs (so the two smallest sets get 150 and 300 steps). The FAQ asks "
        "when deep learning beats classic machine learning: here is the answer on these "
        "images."),
        N_("54 runs, about 25 s")),
    "generalization": (
        N_("Training against validation accuracy of a one-hidden-layer MLP trained 60 epochs "
        "on a quarter of the training images (287), where overfitting shows: as its width "
        "grows, then at 256 units as dropout or the L2 penalty grows. The shaded band is "
        "the gap between what it learnt by heart and what carries over. Means of 3 seeds "
        "(hollow while fewer are done); with 288 validation images, accuracy moves in "
        "steps of 0.35 points."),
        N_("54 runs, about 30 s")),
}


def _experiments() -> dict:
    return st.session_state.setdefault(f"{KEY}:runs", {})


def _jobs(kind: str) -> tuple[list, int]:
    """(jobs, how many train at once)."""
    if kind == "race":
        return ex.optimizer_race(), len(ex.RACE)
    if kind == "efficiency":
        return ex.data_efficiency(), 2
    return ex.generalization(), 2


def on_run(kind: str) -> None:
    """Start ``kind`` (stopping this session's other experiment, if one runs)."""
    runs = _experiments()
    for other, experiment in runs.items():
        if experiment.snapshot().active:
            experiment.stop(Message("stopped: another experiment was started"))
            if other != kind:  # (said by controls(), in the page's language)
                st.session_state[f"{KEY}:notice"] = (other, kind)
    jobs, parallel = _jobs(kind)
    runs[kind] = ex.Experiment(jobs, parallel=parallel).start()


def on_stop(kind: str) -> None:
    experiment = _experiments().get(kind)
    if experiment is not None:
        experiment.stop(Message("stopped with the Stop button"))


def controls(kind: str) -> None:
    about, cost = ABOUT[kind]
    st.markdown(_(about))
    experiment = _experiments().get(kind)
    active = bool(experiment and experiment.snapshot().active)
    row = st.container(horizontal=True, gap="small", vertical_alignment="center")
    row.button(_(RUN_LABELS[kind]), type="primary",
               icon=":material/play_arrow:", key=f"{KEY}:run:{kind}", on_click=on_run,
               args=(kind,), disabled=active,
               help=_("Trains in the background on the server's shared workers; the points "
                      "appear as they finish."))
    row.button(_("Stop"), icon=":material/stop:", key=f"{KEY}:stop:{kind}",
               disabled=not active, on_click=on_stop, args=(kind,),
               help=_("Ends it now; what is done stays."))
    row.caption(_("{cost} on a 2-core server alone").format(cost=_(cost)))
    notice = st.session_state.pop(f"{KEY}:notice", None)
    if notice:
        stopped, started = (_(KINDS[k][0]) for k in notice)
        st.info(_("{stopped} was stopped to run {started} (one experiment at a time); its "
                  "finished points are kept.").format(stopped=stopped,
                                                      started=mid_sentence(started)),
                icon=":material/info:")


def progress_line(snap: ex.ExperimentSnapshot) -> str:
    total = len(snap.jobs)
    training = sum(j.status in ("running", "starting", "paused") for j in snap.jobs)
    queued = sum(j.status == "queued" for j in snap.jobs)
    failed = [j for j in snap.jobs if j.status in ("diverged", "failed") or
              (j.status == "finished" and j.result is None)]
    text = _("**{done}** of {total} runs done · {seconds:.1f} s").format(
        done=snap.done, total=total, seconds=snap.elapsed_seconds)
    if snap.active:
        text = _(":material/play_arrow: running · {progress} · {n} training now").format(
            progress=text, n=training)
        if queued:
            text += _(" · {n} waiting for a free slot (the server is training as many runs "
                      "as it can share fairly)").format(n=queued)
    elif snap.reason:
        text = f":material/stop_circle: {snap.reason} · {text}"
    else:
        text = _(":material/check_circle: finished · {progress}").format(progress=text)
    if failed:
        first = failed[0]
        text += _(" · {n} diverged, failed or could not be measured ({run}: {why})").format(
            n=len(failed), run=_job_name(first.key),
            why=first.message or status_text(first.status))
    return text


def _job_name(key: tuple) -> str:
    """A job's key as shown: its optimizer, model or setting's name, then its values."""
    kind, *values = key
    if kind in charts.GENERALIZATION_AXES:
        kind = charts.GENERALIZATION_AXES[kind][1]
    return " ".join([_(str(kind)), *map(str, values)])


def _chart(spec: dict, data: dict, alt: str, key: str) -> None:
    st.vega_lite_chart(arrow_datasets({**spec, "datasets": data}), width="stretch", alt=alt,
                       key=key)


def _race_charts(snap) -> None:
    labels = [label for label, _settings in ex.RACE]
    epochs = max((len(j.history) for j in snap.jobs), default=0)
    for column, metric in zip(st.columns(2), charts.RACE_METRICS):
        with column:
            _chart(charts.race_spec(metric, labels, 30), {"race": charts.race_data(snap, metric)},
                   _("{title} per epoch for {n} optimizers, up to epoch {epoch}").format(
                       title=_(charts.RACE_METRICS[metric][0]), n=len(labels), epoch=epochs),
                   f"{KEY}:race:{metric}")
    finals = {j.key[0]: j.history[-1] for j in snap.jobs if j.history}
    if finals and not snap.active:
        best = max(finals, key=lambda k: finals[k].val_accuracy)
        st.caption(_("After {epochs} epochs, **{best}** has the best validation accuracy "
                     "({accuracy:.1%}); SGD without momentum is at {sgd:.1%}.").format(
            epochs=max(s.epoch for s in finals.values()), best=_(best),
            accuracy=finals[best].val_accuracy, sgd=finals["SGD"].val_accuracy)
                   if "SGD" in finals else _("Best: {best}.").format(best=_(best)))


def _efficiency_charts(snap) -> None:
    data = charts.efficiency_data(snap, list(ex.MODELS))
    _chart(charts.efficiency_spec(list(ex.MODELS), 23, 1149), {"points": data},
           _("test accuracy against training images: {n} points").format(
               n=len(data["mean"])),
           f"{KEY}:efficiency")
    summary = ex.summarize(snap.results(), "test_accuracy")
    full = {p[0]: s.mean for p, s in summary.items() if p[1] == 1.0 and s.count >= 3}
    if len(full) == len(ex.MODELS):
        ranked = sorted(full, key=full.get, reverse=True)
        st.caption(_("With all 1,149 training images: {results}. On 8×8 digits a linear "
                     "model is a hard baseline to beat: deep learning's edge grows with "
                     "larger images and more data than these.").format(
            results=_(", ").join(f"{_(m)} {full[m]:.1%}" for m in ranked)))


def _generalization_charts(snap) -> None:
    values = {"width": ex.WIDTHS, "dropout": ex.DROPOUTS, "l2": ex.L2S}
    columns = st.columns(3)
    for column, axis in zip(columns, charts.GENERALIZATION_AXES):
        data = charts.generalization_data(snap, axis)
        with column:
            _chart(charts.generalization_spec(axis, list(values[axis])), data,
                   _("training and validation accuracy by {setting}: {n} values "
                     "measured").format(setting=_(charts.GENERALIZATION_AXES[axis][1]),
                                        n=len(data["gap"]["x"])),
                   f"{KEY}:generalization:{axis}")
            gap = data["gap"]
            if len(gap["x"]) == len(values[axis]) and not snap.active:
                pts = [100 * g for g in gap["gap"]]
                st.caption(_("Gap: {first:.1f} pts at {first_value}, {most:.1f} pts at most, "
                             "{last:.1f} pts at {last_value} (validation {start:.1%} → "
                             "{end:.1%}).").format(
                    first=pts[0], first_value=gap["x"][0], most=max(pts), last=pts[-1],
                    last_value=gap["x"][-1], start=gap["validation"][0],
                    end=gap["validation"][-1]))


DRAW = {"race": _race_charts, "efficiency": _efficiency_charts,
        "generalization": _generalization_charts}


def _running() -> list:
    return [e for e in _experiments().values() if e.snapshot().active]


def live(kind: str | None) -> None:
    """Progress and charts of ``kind`` (None: none to draw). Polls while any experiment of
    this session runs, whichever one is shown, so that none of them stops for want of a
    viewer; reruns the page when the shown one, or the last one running, ends."""
    experiment = _experiments().get(kind) if kind else None
    polling = bool(_running())
    shown_active = experiment is not None and experiment.snapshot().active
    session = session_id()

    @polling_fragment(f"{KEY}:interval", live_interval, polling)
    def _view():
        cpu, wall = time.thread_time(), time.perf_counter()
        running = _running()
        for other in running:
            other.touch()
        if polling and (not running or (shown_active and experiment not in running)):
            st.rerun()  # drawn once more as it ended, without polling
        if kind is not None:
            _draw(kind, experiment)
        if polling:
            LOAD.record(session, time.thread_time() - cpu, time.perf_counter() - wall)
    _view()


def _draw(kind: str, experiment) -> None:
    if experiment is None:
        st.caption(_("Not run yet in this session."))
        snap = ex.ExperimentSnapshot((), False, 0.0, "")
    else:
        snap = experiment.snapshot()
        st.markdown(progress_line(snap))
        st.progress(snap.done / max(len(snap.jobs), 1))
    DRAW[kind](snap)


def compute_cost() -> None:
    """Accuracy against size and time, one point per kept run (the history)."""
    from ui.history_ui import label, owner, safely, show_problems, store

    st.markdown(_("Every run kept in your history is a point: its validation accuracy "
                  "against its trainable parameters and against its time per epoch. Bigger "
                  "is not always better; train a few networks of different sizes on the MLP "
                  "and CNN pages to fill it in."))
    where = store()
    records = safely(lambda: where.runs(owner()), []) if where else []
    show_problems()
    points = [r for r in records if r.metrics.get("val_accuracy") is not None and r.parameters]
    if not points:
        st.info(_("No run is kept yet: train on the MLP, CNN or 2D page first."),
                icon=":material/history:")
        return
    names = [label(r) for r in points]
    for column, axis in zip(st.columns(2), charts.COST_AXES):  # (stacked on phones)
        column.plotly_chart(charts.cost_figure(points, names, axis), key=f"{KEY}:cost:{axis}",
                            config={"displaylogo": False})
    st.caption(ngettext(
        "{n} run kept. Point at a run for its FLOPs per example (the forward pass: 2 per "
        "multiply-add, 1 per bias; training costs about three times that).",
        "{n} runs kept. Point at a run for its FLOPs per example (the forward pass: 2 per "
        "multiply-add, 1 per bias; training costs about three times that).",
        len(points)).format(n=len(points)))


def page() -> None:
    kind = st.radio(_("Experiment"), list(KINDS), key=f"{KEY}:kind", horizontal=True,
                    format_func=lambda k: _(KINDS[k][0]), label_visibility="collapsed")
    if kind == "cost":
        compute_cost()
        live(None)  # (keeps a running experiment watched)
        return
    controls(kind)
    live(kind)
