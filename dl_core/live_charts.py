"""Vega-Lite specs for the live training curves: charts that update in place.

Streamlit's Plotly element takes a hash of the whole figure as the chart's identity, so
every redraw with new data unmounts the chart and draws a new one: the chart area goes
blank for ~100 ms several times a second. A Vega-Lite chart keeps its identity while its
spec stays the same and swaps only the data of its named datasets. So the specs built
here never change during a run (the x axis spans the run's target epochs from the start);
everything that grows is in ``datasets``. No Streamlit here: ``st.vega_lite_chart(spec)``
draws them.
"""

from __future__ import annotations

from dl_core.i18n import N_, _

TRAIN, VALIDATION, BASELINE = "#1f77b4", "#ff7f0e", "#7f7f7f"
# The series' names, translated alike in the data and the colour scale; the baseline is
# scored on the validation data.
SERIES = (N_("training"), N_("validation"), N_("logistic regression"))
MARKERS_UP_TO = 30  # epochs
METRICS = {  # metric -> (title, training field, validation field, axis format)
    "loss": (N_("Loss (cross-entropy)"), "loss", "val_loss", ""),
    "accuracy": (N_("Accuracy"), "accuracy", "val_accuracy", ".0%"),
}


def lr_marks(lr_changes, span: int, min_gap: float = 0.1) -> list[tuple[int, str]]:
    """Learning-rate changes as (epoch, label) marks that do not pile up.

    Changes closer than ``min_gap`` of the ``span`` epochs to the previous mark merge into
    it: one line where the changes began, labelled with the rate they ended at (and how
    many changes it stands for).
    """
    marks: list[list] = []  # [epoch, rate, count]
    for epoch, rate in lr_changes:
        if marks and epoch - marks[-1][0] < min_gap * span:
            marks[-1][1] = rate
            marks[-1][2] += 1
        else:
            marks.append([epoch, rate, 1])
    one, merged = _("lr {rate:g}"), _("lr → {rate:g} ({count} changes)")
    return [(epoch, one.format(rate=rate) if count == 1 else
             merged.format(rate=rate, count=count)) for epoch, rate, count in marks]


def curve_spec(metric: str, target_epochs: int) -> dict:
    """The fixed part of one live chart ("loss" or "accuracy"); data comes from
    :func:`curve_datasets`. Equal arguments in the same language give an equal spec (the
    chart's identity)."""
    title, _train, _val, axis_format = METRICS[metric]
    span = max(target_epochs, 2)
    epoch = _("epoch")
    x = {"field": "epoch", "type": "quantitative", "title": epoch,
         "scale": {"domain": [0.5, span + 0.5], "nice": False},
         "axis": {"tickMinStep": 1, "format": "d"}}
    y_axis = {"title": None, "format": axis_format} if axis_format else {"title": None}
    y_scale = {"domain": [0, 1.02]} if metric == "accuracy" else {"zero": True}
    # Two legend entries fit one row of the narrowest chart (a 225 px column at 800 px);
    # the baseline's dashed line carries its own label instead.
    colour = {"field": "series", "type": "nominal", "title": None,
              "scale": {"domain": [_(s) for s in SERIES[:2]], "range": [TRAIN, VALIDATION]},
              "legend": {"orient": "bottom", "direction": "horizontal"}}
    value = {"field": "value", "type": "quantitative", "title": _("value"), "axis": y_axis,
             "scale": y_scale}
    series = {"field": "series", "title": _("series")}
    number = {"field": "value", "title": _("value"),
              "format": ".1%" if metric == "accuracy" else ".4g"}
    tooltip = [series, {"field": "epoch", "title": epoch}, number]
    return {
        "height": 260,
        "padding": {"left": 5, "top": 5, "right": 16, "bottom": 5},  # room for the last tick
        "title": {"text": _(title), "fontSize": 13},
        "layer": [
            {"data": {"name": "curves"}, "mark": {"type": "line", "strokeWidth": 1.8},
             "encoding": {"x": x, "y": value, "color": colour, "tooltip": tooltip}},
            # Markers while there are few epochs (one epoch is no line yet); past that they
            # only cost the browser SVG work on every redraw.
            {"data": {"name": "curves"},
             "transform": [{"joinaggregate": [{"op": "count", "as": "points"}]},
                           {"filter": f"datum.points <= {2 * MARKERS_UP_TO}"}],
             "mark": {"type": "point", "filled": True, "size": 18},
             "encoding": {"x": x, "y": value, "color": colour, "tooltip": tooltip}},
            {"data": {"name": "baseline"},
             "mark": {"type": "rule", "strokeDash": [6, 4], "color": BASELINE},
             "encoding": {"y": value, "tooltip": [series, number]}},
            {"data": {"name": "baseline"},
             # at the left, where the curves are still far from it (they start high for
             # the loss and low for the accuracy)
             "mark": {"type": "text", "align": "left", "baseline": "bottom", "dx": 4,
                      "dy": -2, "fontSize": 10, "color": BASELINE},
             "encoding": {"x": {"value": 0}, "y": value, "text": {"field": "series"},
                          "tooltip": [series, number]}},
            # the learning rate's marks: their labels say it all (no tooltip)
            {"data": {"name": "lr"},
             "mark": {"type": "rule", "strokeDash": [2, 3], "color": BASELINE, "tooltip": None},
             "encoding": {"x": {"field": "x", "type": "quantitative", "title": epoch}}},
            # the marks' labels where the curves are not: accuracy climbs to the top, the
            # loss falls to the bottom
            {"data": {"name": "lr"},
             "mark": {"type": "text", "align": "left", "dx": 3,
                      "baseline": "bottom" if metric == "accuracy" else "top",
                      "dy": -2 if metric == "accuracy" else 2,
                      "fontSize": 10, "color": BASELINE, "tooltip": None},
             "encoding": {"x": {"field": "x", "type": "quantitative", "title": epoch},
                          "y": {"value": "height" if metric == "accuracy" else 0},
                          "text": {"field": "label"}}},
        ],
    }


def curve_datasets(metric: str, history, lr_changes=(), baseline: dict | None = None,
                   target_epochs: int = 2) -> dict:
    """The named datasets of :func:`curve_spec`: columns as lists (one row per point)."""
    _title, train_key, val_key, _format = METRICS[metric]
    training, validation, baseline_name = (_(s) for s in SERIES)
    curves = {"epoch": [], "value": [], "series": []}
    for key, series in ((train_key, training), (val_key, validation)):
        for s in history:
            curves["epoch"].append(s.epoch)
            curves["value"].append(float(getattr(s, key)))
            curves["series"].append(series)
    base = {"value": [float(baseline[val_key])] if baseline else [],
            "series": [baseline_name] if baseline else []}
    marks = lr_marks(lr_changes, max(target_epochs, 2))
    lr = {"x": [epoch - 0.5 for epoch, _label in marks],
          "label": [label for _epoch, label in marks]}
    return {"curves": curves, "baseline": base, "lr": lr}


def curve_chart(metric: str, history, target_epochs: int, lr_changes=(),
                baseline: dict | None = None) -> dict:
    """A complete spec (the fixed part plus this moment's datasets)."""
    spec = curve_spec(metric, target_epochs)
    spec["datasets"] = curve_datasets(metric, history, lr_changes, baseline, target_epochs)
    return spec
