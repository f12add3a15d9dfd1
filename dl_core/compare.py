"""Comparing kept runs (the Compare page): what differs between them, their curves overlaid.

No Streamlit here. Runs are :class:`~dl_core.history.RunRecord` objects; their settings are
the text of their links, so two runs differ in a setting when that text differs (a setting
one run's page does not have counts as "-").
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.express as px

from dl_core.history import RunRecord

COLOURS = px.colors.qualitative.D3 + px.colors.qualitative.Set2
MISSING = "-"
NOT_THE_RUN = {"epoch_delay_ms", "speed"}  # how fast it was shown, not what was trained
CURVES = {  # metric -> (title, training series, held-out series, axis format)
    "loss": ("Loss", "loss", "val_loss", ""),
    "accuracy": ("Accuracy", "accuracy", "val_accuracy", ".0%"),
}


def setting_label(name: str) -> str:
    """The settings tables' label for a setting's name, with its layer kind for a per-layer
    setting ("Activation (conv layers)"); the name itself if unknown."""
    from dl_core.playground_settings import PLAYGROUND_BY_NAME
    from dl_core.settings import SETTINGS_BY_NAME

    setting = SETTINGS_BY_NAME.get(name) or PLAYGROUND_BY_NAME.get(name)
    if setting is None:
        return name
    kind = {"dense": "dense layers", "conv": "conv layers"}.get(setting.layer_group)
    return f"{setting.label} ({kind})" if kind else setting.label


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
    labels = [setting_label(n) if n != "page" else "Page" for n in names]
    labels = [f"{label} ({name})" if labels.count(label) > 1 else label
              for name, label in zip(names, labels)]
    return [{label: (r.page if name == "page" else r.config.get(name, MISSING))
             for name, label in zip(names, labels)} for r in records]


def curves_figure(records: list[RunRecord], names: list[str], metric: str) -> go.Figure:
    """``metric``'s training (solid) and held-out (dashed) curves of every record, one
    colour per run, against epochs."""
    title, train, held_out, axis_format = CURVES[metric]
    figure = go.Figure()
    for i, (record, name) in enumerate(zip(records, names)):
        colour = COLOURS[i % len(COLOURS)]
        epochs = record.curves.get("epoch") or list(range(1, record.epochs + 1))
        shown = False  # one legend entry per run (its first curve), both curves toggle
        for series, dash, kind in ((train, "solid", "training"),
                                   (held_out, "dash", "validation")):
            values = record.curves.get(series)
            if not values or all(v is None for v in values):
                continue
            figure.add_trace(go.Scatter(
                x=epochs, y=values, mode="lines", name=name, showlegend=not shown,
                legendgroup=record.id, line={"color": colour, "dash": dash, "width": 2},
                hovertemplate=f"{name} · {kind}<br>epoch %{{x}}: %{{y:.4g}}<extra></extra>"))
            shown = True
    figure.update_layout(
        title=title,
        height=360 + 22 * len(records), margin={"l": 10, "r": 10, "t": 50, "b": 10},
        hovermode="closest", legend={"orientation": "h", "yanchor": "top", "y": -0.18,
                                     "x": 0},
        xaxis={"title": {"text": "epoch", "standoff": 4}},
        yaxis={"title": title.lower(), "tickformat": axis_format})
    return figure
