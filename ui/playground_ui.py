"""The 2D playground's settings and run controls (Streamlit).

One rule: what the page shows is the network of the settings on screen. The shown run
(``run_state.PageState.shown``, its ``config`` a ``PlaygroundSpec``) always has the
settings on screen, apart from the two it takes on the fly (learning rate, speed); a
change that needs a new network (data, features, layers, ...) ends and sets aside the run,
with a notice, as the TensorFlow Playground resets its network. Widgets are generated
from ``PLAYGROUND_SETTINGS`` and every setting is in the URL.
"""

from __future__ import annotations

import random

import streamlit as st

from dl_core.config import decode_value, encode_value, fallback_message
from dl_core.i18n import (N_, Later, Message, _, join_words, mid_sentence, ngettext,
                          sentence_start)
from dl_core.playground_data import MAX_EPOCHS
from dl_core.playground_settings import (CUSTOM, DATASET_LABELS, LIVE, PLAYGROUND_BY_NAME,
                                         PLAYGROUND_SETTINGS, VIEW_SETTINGS, PlaygroundSpec,
                                         dataset_name, from_query_params, points_for,
                                         spec_from_values, to_query_params)
from dl_core.runs import BackgroundRun
from dl_core.toy2d import FEATURES, REGRESSION
from ui.i18n import activate, sync_url, without_language
from ui.run_state import PageState, ShownRun, history_recorder, page_state
from ui.settings_ui import layer_widgets, setting_widget

PAGE = "playground"
# The problem types (kept in session state in English; translated where shown).
PROBLEMS = {N_("Classification"): [d for d in DATASET_LABELS if d not in REGRESSION],
            N_("Regression"): list(REGRESSION)}
CONTINUABLE = ("finished", "stopped")
EXPLANATION = N_("""\
**The points.** Each dot is one example: its place on the plane is its two numbers
X₁ and X₂, its colour its class (orange 0, blue 1, green 2, purple 3) or, for regression,
its value from −1 (orange) to +1 (blue). Circles train the network; squares (with *Show
test data*) are held out to measure the test loss; diamonds are points you added.

**The input features** are what the first layer sees of each point: X₁ and X₂ themselves,
their squares X₁² and X₂² (distance from the axes: a circle becomes easy), their product
X₁X₂ (its sign is the XOR pattern) and sin X₁, sin X₂ (waves: a spiral becomes possible).
Each feature's square shows its value over the whole plane.

**The neurons.** Every small square is one neuron's output over the whole plane: blue where
it is positive (or high), orange where it is negative (or low), grey near zero (tanh and
sigmoid on their fixed ranges; ReLU and linear scaled to each neuron's largest value).
A neuron of a later layer mixes the squares of the layer before it.

**The links.** A line's width is the size of its weight, its colour the sign: blue adds,
orange subtracts. Point at a neuron or a line to read its bias or weight.

**The output.** The large square is the network's answer everywhere on the plane: with two
classes the probability of blue, grey at 50 %; with more classes the colour of the class it
picks, paler where it is unsure. *Discretize output* shows only the decision. The loss
chart shows the training and test loss after every epoch: when the test loss rises while
the training loss falls, the network is learning the training points by heart
(overfitting).""")


def key(name: str, index: int | None = None) -> str:
    return f"{PAGE}:{name}" if index is None else f"{PAGE}:{name}:{index}"


def state() -> PageState:
    return page_state(PAGE)


def dataset_phrase(dataset: str) -> str:
    """The set's name inside a sentence ("circle", "two Gaussians", "XOR (exclusive or)")."""
    return mid_sentence(dataset_name(dataset))


# ---------------------------------------------------------------- settings


def _seed_widgets(spec: PlaygroundSpec, view: dict) -> None:
    """Put ``spec``'s and ``view``'s values into the widget keys that are not set yet."""
    ss = st.session_state
    for s in PLAYGROUND_SETTINGS:
        value = getattr(spec, s.name)
        if s.layer_group:
            ss.setdefault(key("dense_count"), len(value))
            for i, item in enumerate(value):
                ss.setdefault(key(s.name, i), item)
        elif s.name == "features":
            ss.setdefault(key("features"), list(value))
        else:
            ss.setdefault(key(s.name), value)
    for s in VIEW_SETTINGS:
        ss.setdefault(key(s.name), view[s.name])
    ss.setdefault(key("problem"), "Regression" if spec.dataset in REGRESSION
                  else "Classification")


def _view_from_link(warnings: list[str]) -> dict:
    view = {}
    for s in VIEW_SETTINGS:
        view[s.name] = s.default
        if s.name in st.query_params:
            try:
                view[s.name] = decode_value(s, st.query_params[s.name])
            except ValueError as exc:
                warnings.append(fallback_message(s, exc))
    return view


def settings(live_columns) -> tuple[PlaygroundSpec | None, dict]:
    """Draw the settings (the live ones in ``live_columns``, beside the run buttons; the
    others in the sidebar) and return the spec they describe (None, with the reason shown,
    when it cannot be built) and the view options. Keeps the URL in step."""
    ss = st.session_state
    if key("spec") not in ss:  # first visit in this session: the link decides
        spec, warnings = from_query_params(without_language(dict(st.query_params)))
        ss[key("view")] = _view_from_link(warnings)
        for message in warnings:
            st.warning(_("Link: {message}").format(message=message), icon=":material/link_off:")
        ss[key("spec")] = spec
    # Streamlit forgets a page's widget values while another page is shown: put back what
    # this page last had (widgets that kept their value keep it)
    _seed_widgets(ss[key("spec")], ss[key("view")])
    live = iter(live_columns)
    with st.sidebar:
        values = _sidebar_widgets()
    for name in LIVE:
        values[name] = setting_widget(PLAYGROUND_BY_NAME[name], key(name), dg=next(live))
    values["points"] = ss[key("points")]
    view = ss[key("view")] = {s.name: ss[key(s.name)] for s in VIEW_SETTINGS}
    try:
        spec = spec_from_values(values)
    except ValueError as exc:
        st.error(_("These settings cannot be built: {error}").format(error=exc),
                 icon=":material/error:")
        return None, view
    ss[key("spec")] = spec
    params = {**to_query_params(spec), **{s.name: encode_value(s, view[s.name])
                                           for s in VIEW_SETTINGS}}
    sync_url(params)
    return spec, view


def _sidebar_widgets() -> dict:
    values: dict = {}
    st.subheader(_("Data"), divider="gray")
    st.segmented_control(_("Problem type"), list(PROBLEMS), key=key("problem"),
                         on_change=_on_problem, required=True, format_func=_,
                         help=_("Classification: each point has a class (a colour). "
                                "Regression: each point has a value from -1 to 1."))
    dataset = PLAYGROUND_BY_NAME["dataset"]
    values["dataset"] = st.selectbox(_(dataset.label),
                                     PROBLEMS[st.session_state[key("problem")]],
                                     key=key("dataset"), help=_(dataset.help),
                                     format_func=dataset_name, on_change=_on_dataset)
    for name in ("noise", "train_fraction", "n_samples"):
        values[name] = setting_widget(PLAYGROUND_BY_NAME[name], key(name))
    values["seed"] = setting_widget(PLAYGROUND_BY_NAME["seed"], key("seed"))
    st.button(_("Regenerate"), icon=":material/casino:", on_click=_on_regenerate,
              help=_("New points and new starting weights: a new random seed."))
    st.subheader(_("Network"), divider="gray")
    features = PLAYGROUND_BY_NAME["features"]
    chosen = st.pills(_(features.label), list(FEATURES), selection_mode="multi",
                      key=key("features"), format_func=lambda f: FEATURES[f][0],
                      help=_(features.help))
    values["features"] = tuple(f for f in FEATURES if f in chosen)  # the table's order
    values.update(layer_widgets(PAGE, [PLAYGROUND_BY_NAME["hidden"],
                                       PLAYGROUND_BY_NAME["activations"]]))
    for name in ("l1", "l2", "batch_size"):
        values[name] = setting_widget(PLAYGROUND_BY_NAME[name], key(name))
    return values


def _on_problem() -> None:
    ss = st.session_state
    ss[key("dataset")] = PROBLEMS[ss[key("problem")]][0]
    _on_dataset()


def _on_dataset() -> None:
    """Keep the added points that still mean something on the new set; say what went."""
    activate()  # (a callback runs before the page sets the session's language)
    ss = st.session_state
    old = ss[key("spec")].dataset
    kept, removed = points_for(ss[key("points")], old, ss[key("dataset")])
    if removed:
        ss[key("points")] = kept
        ss[key("points_note")] = ngettext(
            "{n} of your points was removed: their labels have no meaning on {dataset}.",
            "{n} of your points were removed: their labels have no meaning on {dataset}.",
            removed).format(n=removed, dataset=dataset_name(ss[key("dataset")]))


def _on_regenerate() -> None:
    st.session_state[key("seed")] = random.randrange(PLAYGROUND_BY_NAME["seed"].max)


# ---------------------------------------------------------------- the run


def model_changes(old: PlaygroundSpec, new: PlaygroundSpec) -> list[str]:
    """Labels (English, translate with _()) of the settings that differ and need a new
    network (not the live ones)."""
    changed = [s for s in PLAYGROUND_SETTINGS
               if s.name not in LIVE and getattr(old, s.name) != getattr(new, s.name)]
    if len(old.hidden) != len(new.hidden):  # one change, not "neurons, activation"
        return [N_("hidden layers")] + [s.label for s in changed if not s.layer_group]
    return [s.label for s in changed]


def _changes_phrase(labels: list[str]) -> str:
    """The changed settings' labels as one phrase: "data, noise and seed"."""
    return join_words(mid_sentence(_(label)) for label in labels)


def _capitalized(label: Message) -> Later:
    return Later(sentence_start, label)  # "Run 1 ended ..."


def sync_run(spec: PlaygroundSpec | None) -> None:
    """Live settings go to the shown run at once; any other change sets the run aside."""
    page = state()
    shown = page.shown
    if shown is None:
        return
    if spec is None:  # the settings on screen describe no network: this one is not theirs
        if shown.snapshot().active:
            shown.run.stop()
            page.notice = ("info", Message(
                "{run} ended at epoch {epoch}: the settings changed and cannot be built (see "
                "the message above).", run=_capitalized(shown.label),
                epoch=len(shown.snapshot().history)))
        page.shown = None
        return
    changes = model_changes(shown.config, spec)
    if changes:
        shown.run.stop()
        done = len(shown.snapshot().history)
        page.shown = None
        page.notice = ("info", Message(
            "{run} ended at epoch {epoch}: {changed} changed, which needs a new network. "
            "Press **Play** to train one.", run=_capitalized(shown.label), epoch=done,
            changed=Later(_changes_phrase, changes)))
        return
    shown.run.epoch_delay = 1 / spec.speed
    if spec.learning_rate != shown.config.learning_rate and shown.snapshot().active:
        shown.run.set_learning_rate(spec.learning_rate)
    shown.config = spec


def _make_trainer(spec: PlaygroundSpec):
    from dl_core.playground import PlaygroundTrainer  # TensorFlow loads in the run's thread

    return PlaygroundTrainer(spec)


def _start(spec: PlaygroundSpec, paused: bool) -> ShownRun:
    """Go on training the shown run when it ended and can, else start a new one."""
    page = state()
    shown = page.shown
    snap = shown.snapshot() if shown else None
    continues = shown if (snap and snap.status in CONTINUABLE and snap.history and
                          shown.run.trainer is not None) else None
    if shown is not None:
        shown.run.stop()
        shown.run.join(2.0)
        shown.run.wait_reported(2.0)  # (its history entry is written before ours)
    done = len(snap.history) if continues is not None else 0
    if continues is None:
        page.runs_started += 1
    number = continues.number if continues else page.runs_started
    shown_now: list[ShownRun] = []  # (the recorder reads the spec as it is at the run's end)
    run = BackgroundRun(lambda: _make_trainer(spec), epochs=done + MAX_EPOCHS,
                        epoch_delay=1 / spec.speed, paced=True,
                        continues=continues.run if continues else None,
                        on_end=_recorder(number, shown_now))
    if continues is not None:
        run.set_learning_rate(spec.learning_rate)
    shown_now.append(ShownRun(number, run, spec) if continues is None else
                     continues.continued(run, spec))
    run.start(paused=paused)
    page.shown = shown_now[0]
    page.notice = None
    return page.shown


def summary(spec: PlaygroundSpec) -> str:
    """One line: the data, the features, the layers, the rate."""
    layers = "-".join(map(str, spec.hidden)) or "no hidden layer"
    acts = "/".join(sorted(set(spec.activations)))
    return (f"{spec.dataset} · {','.join(spec.features)} · {layers} {acts} · "
            f"lr {spec.learning_rate:g} · batch {spec.batch_size} · seed {spec.seed}").replace(
                "  ", " ")


def _recorder(number: int, shown: list):
    """The history's on_end callback of a 2D run (its record: dl_core.recording)."""
    from dl_core.playground_settings import to_query_params
    from dl_core.recording import playground_record

    return history_recorder(shown, lambda own, snap, trainer, note: playground_record(
        to_query_params(own.first_config), summary(own.first_config) + note, snap, trainer,
        own.record_id, own.started, name=f"2D run {number}"))

def on_play(spec: PlaygroundSpec | None) -> None:
    """Play / Pause: pause or resume the shown run while it is active; else train on."""
    shown = state().shown
    if shown is not None and shown.snapshot().active:
        run = shown.run
        run.resume() if shown.snapshot().pause_requested else run.pause()
        return
    if spec is not None:
        _start(spec, paused=False)


def on_step(spec: PlaygroundSpec | None) -> None:
    """Exactly one more epoch, then pause."""
    shown = state().shown
    if spec is None:
        return
    if shown is None or not shown.snapshot().active:
        shown = _start(spec, paused=True)
    shown.run.step()


def on_reset() -> None:
    """Forget the shown run: the next Play starts again from the seed's initial weights."""
    page = state()
    if page.shown is not None:
        page.shown.run.stop()
    st.session_state[f"{PAGE}:state"] = PageState(runs_started=page.runs_started)


def buttons(spec: PlaygroundSpec | None) -> None:
    shown = state().shown
    snap = shown.snapshot() if shown else None
    active = bool(snap and snap.active)
    playing = active and not snap.pause_requested
    trainable = spec is not None and (spec.dataset != CUSTOM or bool(spec.points))
    row = st.container(horizontal=True, gap="small", key=key("buttons"))
    row.button(_("Pause") if playing else _("Play"), type="primary", key=key("play"),
               icon=":material/pause:" if playing else ":material/play_arrow:",
               disabled=not (trainable or active), on_click=on_play, args=(spec,),
               help=_("Train the network epoch after epoch; Pause stops at the next epoch."))
    row.button(_("Step"), icon=":material/skip_next:", key=key("step"), disabled=not trainable,
               on_click=on_step, args=(spec,), help=_("Train exactly one more epoch."))
    row.button(_("Reset"), icon=":material/restart_alt:", key=key("reset"),
               disabled=shown is None, on_click=on_reset,
               help=_("Forget the network: Play starts it again from the seed's initial "
                      "weights (Regenerate draws a new seed)."))
    if spec is not None:
        with row.popover(_("Share"), icon=":material/link:"):
            from urllib.parse import urlencode

            st.markdown(_("This link opens the page with every setting, your points and the "
                          "seed included:"))
            st.code(f"{st.context.url or ''}?{urlencode(dict(st.query_params))}",
                    language=None, wrap_lines=True)


def banner(spec: PlaygroundSpec | None) -> None:
    page = state()
    note = st.session_state.pop(key("points_note"), None)  # (shown once, beside a notice)
    if note:
        st.info(note, icon=":material/scatter_plot:")
    if page.notice:
        kind, text = page.notice
        getattr(st, kind)(str(text))  # (a Message: in the language of this run)
    shown = page.shown
    if shown is not None:
        s = shown.config
        layers = " → ".join(f"{u} {a}" for u, a in zip(s.hidden, s.activations)) or \
            _("no hidden layer")
        st.caption(_("Shown: **{run}** on {data}, features {features}, {layers}, batch "
                     "{batch}, seed {seed}.").format(
            run=shown.name, data=dataset_phrase(s.dataset),
            features=", ".join(FEATURES[f][0] for f in s.features), layers=layers,
            batch=s.batch_size, seed=s.seed))
    elif spec is not None and spec.dataset == CUSTOM:  # (stays: the plane must not move)
        st.info(_("Click on the plane below to add points of the class you pick, or upload "
                  "a CSV file of x, y, label; then press **Play**."),
                icon=":material/touch_app:")
