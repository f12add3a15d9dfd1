"""Sidebar widgets generated from the settings table, synced with the URL query string.

Widget keys are page-prefixed (``mlp:learning_rate``, ``mlp:hidden_units:0``). Widgets are
never given ``value=``: their state is seeded in ``st.session_state`` from, in order, the
config this page last produced, the URL (first visit), or the defaults.
"""

from __future__ import annotations

import math

import streamlit as st

from dl_core.config import Config, encode_value, from_query_params, to_query_params
from dl_core.i18n import N_, _
from dl_core.presets import PRESETS, apply_preset
from dl_core.settings import Setting, choice_label, settings_for
from ui.i18n import sync_url, without_language

GROUP_TITLES = {"data": N_("Data"), "model": N_("Model"), "training": N_("Training")}
# The count slider's title and the caption of each layer ("Layer {number}").
LAYER_GROUP_TITLES = {"dense": (N_("Hidden layers"), N_("Layer {number}")),
                      "conv": (N_("Conv blocks"), N_("Block {number}"))}
# Options that only matter for some optimizers are hidden for the others.
VISIBLE_IF = {
    "momentum": lambda values: values.get("optimizer") in ("sgd", "rmsprop"),
    "nesterov": lambda values: values.get("optimizer") == "sgd",
}


def _key(page: str, name: str, index: int | None = None) -> str:
    return f"{page}:{name}" if index is None else f"{page}:{name}:{index}"


def _count_key(page: str, layer_group: str) -> str:
    return f"{page}:{layer_group}_count"


def _seed_state(page: str, config: Config, overwrite: bool) -> None:
    """Write ``config``'s values into the widget keys (missing keys only unless overwrite)."""
    state = st.session_state
    for s in settings_for(config.model.architecture):
        value = config.get(s.name)
        if s.is_list:
            if overwrite or _count_key(page, s.layer_group) not in state:
                state[_count_key(page, s.layer_group)] = len(value)
            for i, item in enumerate(value):
                if overwrite or _key(page, s.name, i) not in state:
                    state[_key(page, s.name, i)] = item
        elif overwrite or _key(page, s.name) not in state:
            state[_key(page, s.name)] = value


def _on_preset(page: str, architecture: str) -> None:
    name = st.session_state[_key(page, "preset")]
    _seed_state(page, apply_preset(architecture, name), overwrite=True)


def config_sidebar(page: str, architecture: str, live_container=None) -> Config | None:
    """Render the settings sidebar; return the Config it describes (None if invalid).

    Settings a run takes on the fly (``Setting.live``) go into ``live_container`` (beside
    the chart) when one is given, the others into the sidebar. On the session's first
    visit the URL's query string seeds the widgets and any junk in it is reported with
    ``st.warning``. The URL is rewritten to match the widgets.
    """
    state = st.session_state
    last = state.get(_key(page, "config"))
    if last is None:
        last, warnings = from_query_params(without_language(dict(st.query_params)),
                                           architecture)
        for message in warnings:
            st.warning(_("Link: {warning}").format(warning=message), icon=":material/link_off:")
    _seed_state(page, last, overwrite=False)
    with st.sidebar:
        st.selectbox(_("Preset"), list(PRESETS[architecture]), key=_key(page, "preset"),
                     format_func=_, index=None, placeholder=_("Choose a starting point..."),
                     on_change=_on_preset, args=(page, architecture),
                     help=_("Overwrites the settings below with a named example."))
        live = live_container.columns(3) if live_container is not None else None
        values = _render_settings(page, architecture, live)
    try:
        config = Config().replace(architecture=architecture, **values)
    except ValueError as exc:
        st.error(_("These settings cannot be built: {error}").format(error=exc),
                 icon=":material/error:")
        return None
    state[_key(page, "config")] = config
    sync_url(to_query_params(config))
    return config


def _render_settings(page: str, architecture: str, live_columns=None) -> dict:
    values: dict = {}
    drawn_groups: set = set()
    current_group = None
    live = iter(live_columns or ())
    for s in settings_for(architecture):
        if s.live and live_columns:
            values[s.name] = setting_widget(s, _key(page, s.name), dg=next(live))
            continue
        if s.group != current_group:
            current_group = s.group
            st.subheader(_(GROUP_TITLES[s.group]), divider="gray")
        if s.name in VISIBLE_IF and not VISIBLE_IF[s.name](values):
            values[s.name] = s.default
            continue
        if s.is_list:
            if s.layer_group not in drawn_groups:
                drawn_groups.add(s.layer_group)
                values.update(layer_widgets(page, [m for m in settings_for(architecture)
                                                    if m.layer_group == s.layer_group]))
            continue
        values[s.name] = setting_widget(s, _key(page, s.name))
    return values


def layer_widgets(page: str, members: list[Setting]) -> dict:
    """A count slider, then one row of widgets for each layer: one per setting of
    ``members`` (the per-layer lists of one ``layer_group``, the first deciding the count).
    Returns setting name -> tuple of values."""
    layer_group = members[0].layer_group
    title, item = LAYER_GROUP_TITLES[layer_group]
    count = st.slider(_(title), members[0].min_len, members[0].max_len,
                      key=_count_key(page, layer_group))
    values = {s.name: [] for s in members}
    for i in range(count):
        with st.container(border=True):
            st.caption(_(item).format(number=i + 1))
            for s in members:
                key = _key(page, s.name, i)
                if key not in st.session_state:  # a layer just added: copy the one above
                    st.session_state[key] = values[s.name][-1] if i else \
                        (s.default or (s.choices or (s.min,)))[0]
                values[s.name].append(setting_widget(s, key, item=True))
    return {name: tuple(v) for name, v in values.items()}


def setting_widget(s: Setting, key: str, item: bool = False, dg=st):
    """The widget for one setting, drawn in ``dg`` (the sidebar's context by default)."""
    label = _("{label} ({unit})").format(label=_(s.label), unit=_(s.unit)) if s.unit \
        else _(s.label)
    help_text = _(s.help)
    kind = s.kind.removesuffix("_list")
    if kind == "bool":
        return dg.toggle(label, key=key, help=help_text)
    if kind == "choice":
        return dg.selectbox(label, s.choices, key=key, help=help_text, format_func=choice_label)
    if s.options:
        _snap_to_options(s, key)
        return dg.select_slider(label, s.options, key=key, help=help_text,
                                format_func=lambda v: encode_value(s, v) if not item else str(v))
    if s.max - s.min > 10_000:  # too wide for a slider (the seed)
        return dg.number_input(label, int(s.min), int(s.max), key=key, step=1, help=help_text)
    number = int if kind == "int" else float
    return dg.slider(label, number(s.min), number(s.max), key=key, help=help_text,
                     step=number(s.step or 1))


def _snap_to_options(s: Setting, key: str) -> None:
    """A value from a URL may lie between slider options: move it to the nearest one."""
    value = st.session_state.get(key)
    if value not in s.options:
        log_scale = value > 0 and min(s.options) > 0  # learning rates, batch sizes
        distance = (lambda o: abs(math.log(o / value))) if log_scale else \
            (lambda o: abs(o - value))
        st.session_state[key] = min(s.options, key=distance)
