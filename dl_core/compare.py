"""Comparing kept runs (the Compare page): what differs between them, their curves overlaid.

No Streamlit here. Runs are :class:`~dl_core.history.RunRecord` objects; their settings are
the text of their links, so two runs differ in a setting when that text differs (a setting
one run's page does not have counts as "-").

A record keeps its texts in English (its status, default name and summary): the functions
below show them in the active language.
"""

from __future__ import annotations

import re

import plotly.graph_objects as go
import plotly.express as px

from dl_core.history import PAGE_TITLES, RunRecord
from dl_core.i18n import N_, _

COLOURS = px.colors.qualitative.D3 + px.colors.qualitative.Set2
MISSING = "-"
NOT_THE_RUN = {"epoch_delay_ms", "speed"}  # how fast it was shown, not what was trained
CURVES = {  # metric -> (title, axis title, training series, held-out series, axis format)
    "loss": (N_("Loss"), N_("loss"), "loss", "val_loss", ""),
    "accuracy": (N_("Accuracy"), N_("accuracy"), "accuracy", "val_accuracy", ".0%"),
}
STATUSES = {  # a run's status (kept in English) -> its label
    "queued": N_("queued"), "starting": N_("starting"), "running": N_("running"),
    "paused": N_("paused"), "finished": N_("finished"), "stopped": N_("stopped"),
    "diverged": N_("diverged"), "failed": N_("failed"),
}
# The English pieces of a kept summary (dl_core.config.describe, the 2D page's summary)
SUMMARY_PARTS = (
    (re.compile(r"\blr (?P<rate>\S+)"), N_("lr {rate}")),
    (re.compile(r"\bbatch (?P<size>\d+)"), N_("batch {size}")),
    (re.compile(r"\bseed (?P<seed>\d+)"), N_("seed {seed}")),
    (re.compile(r"\bno hidden layer\b"), N_("no hidden layer")),
    (re.compile(r" \+ dense (?P<units>\d+)"), N_(" + dense {units}")),
    (re.compile(r"; learning rate changed during the run$"),
     N_("; learning rate changed during the run")),
)


def status_text(status: str) -> str:
    return _(STATUSES[status]) if status in STATUSES else status


def run_name(record: RunRecord) -> str:
    """A run's name; the default one ("MLP run 4", or none) in the active language."""
    title = PAGE_TITLES[record.page]
    if not record.name:
        return _("{page} run").format(page=title)
    default = re.fullmatch(rf"{re.escape(title)} run (\d+)", record.name)
    return _("{page} run {number}").format(page=title, number=default.group(1)) if default \
        else record.name


def summary_text(record: RunRecord) -> str:
    """A run's kept summary in the active language, piece by piece: a 2D run's set by its
    name, the known words; a layer list, a setting's value or an unknown piece stays."""
    summary = record.summary
    if record.page == "playground":
        from dl_core.playground_settings import DATASET_LABELS, dataset_name

        dataset, sep, rest = summary.partition(" · ")
        if dataset in DATASET_LABELS:
            summary = dataset_name(dataset) + sep + rest
    for pattern, text in SUMMARY_PARTS:
        summary = pattern.sub(lambda m, text=text: _(text).format(**m.groupdict()), summary)
    return summary


def setting_label(name: str) -> str:
    """The settings tables' label for a setting's name, with its layer kind for a per-layer
    setting ("Activation (conv layers)"); the name itself if unknown."""
    from dl_core.playground_settings import PLAYGROUND_BY_NAME
    from dl_core.settings import SETTINGS_BY_NAME

    setting = SETTINGS_BY_NAME.get(name) or PLAYGROUND_BY_NAME.get(name)
    if setting is None:
        return name
    kind = {"dense": N_("dense layers"), "conv": N_("conv layers")}.get(setting.layer_group)
    return (_("{setting} ({layers})").format(setting=_(setting.label), layers=_(kind)) if kind
            else _(setting.label))


def differing_settings(records: list[RunRecord]) -> list[str]:
    """Names of the settings whose values are not the same in all ``records`` (in the
    order they first appear), "page" first when the runs come from different pages."""
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record.config))
    differ = [n for n in names if n not in NOT_THE_RUN
              and len({r.config.get(n, MISSING) for r in records}) > 1]
    if len({r.page for r in records}) > 1:
        differ.insert(0, "page")
    return differ


def setting_columns(records: list[RunRecord]) -> list[dict[str, str]]:
    """For each record, its values of the differing settings, keyed by their labels
    (a label two settings share gets its name added)."""
    names = differing_settings(records)
    labels = [setting_label(n) if n != "page" else _("Page") for n in names]
    labels = [f"{label} ({name})" if labels.count(label) > 1 else label
              for name, label in zip(names, labels)]
    return [{label: (PAGE_TITLES[r.page] if name == "page" else
                     shown_value(name, r.config.get(name, MISSING)))
             for name, label in zip(names, labels)} for r in records]


def shown_value(name: str, text: str) -> str:
    """A kept setting's value (its link's text) as the pages show it: a 2D data set by its
    name, input features by their symbols, pooling by its word; other values as they are."""
    from dl_core.playground_settings import DATASET_LABELS, dataset_name
    from dl_core.settings import choice_label
    from dl_core.toy2d import FEATURES

    if name == "dataset" and text in DATASET_LABELS:
        return dataset_name(text)
    if name == "features":
        return ", ".join(FEATURES[f][0] if f in FEATURES else f for f in text.split(","))
    if name == "conv_pooling":
        return ",".join(choice_label(item) for item in text.split(","))
    return text


def curves_figure(records: list[RunRecord], names: list[str], metric: str) -> go.Figure:
    """``metric``'s training (solid) and held-out (dashed) curves of every record, one
    colour per run, against epochs."""
    title, axis_title, train, held_out, axis_format = CURVES[metric]
    figure = go.Figure()
    for i, (record, name) in enumerate(zip(records, names)):
        colour = COLOURS[i % len(COLOURS)]
        epochs = record.curves.get("epoch") or list(range(1, record.epochs + 1))
        shown = False  # one legend entry per run (its first curve), both curves toggle
        for series, dash, kind in ((train, "solid", _("training")),
                                   (held_out, "dash", _("validation"))):
            values = record.curves.get(series)
            if not values or all(v is None for v in values):
                continue
            figure.add_trace(go.Scatter(
                x=epochs, y=values, mode="lines", name=name, showlegend=not shown,
                legendgroup=record.id, line={"color": colour, "dash": dash, "width": 2},
                hovertemplate=f"{name} · {kind}<br>" + _("epoch {epoch}: {value}").format(
                    epoch="%{x}", value="%{y:.4g}") + "<extra></extra>"))
            shown = True
    figure.update_layout(
        title=_(title),
        height=360 + 22 * len(records), margin={"l": 10, "r": 10, "t": 50, "b": 10},
        # the axis title clear of the tick labels (CJK glyphs stand taller than Latin ones)
        # and the legend clear of the title: ~60 px below the plot at the least height
        hovermode="closest", legend={"orientation": "h", "yanchor": "top", "y": -0.26,
                                     "x": 0},
        xaxis={"title": {"text": _("epoch"), "standoff": 12}, "automargin": True},
        yaxis={"title": _(axis_title), "tickformat": axis_format})
    return figure
