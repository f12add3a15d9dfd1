"""Charts of the experiments: Vega-Lite specs that update in place, and one Plotly figure.

No Streamlit here. As in dl_core/live_charts.py, each live spec stays the same while its
experiment runs (fixed axes, fixed colour domains) and everything that grows is in its
``datasets`` (plain columns; the page encodes them as Arrow), so the browser swaps the
data without redrawing the chart. ``*_data`` functions turn an experiment's snapshot into
those columns. Texts are in the active language (titles, tooltips, and the names a legend
shows: the optimizers', models' and series' names, in the specs' colour domains and in the
data alike); the experiments' keys stay in English.
"""

from __future__ import annotations

import plotly.graph_objects as go

from dl_core.compare import COLOURS, summary_text
from dl_core.experiment_runner import summarize
from dl_core.i18n import N_, _

FONT = {"labelFontSize": 12, "titleFontSize": 12}


PLOT_HEIGHT = 240  # px of plot, axes and legend come on top (autosize fit-x)


def _base(title: str, data: str) -> dict:
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": {"text": title, "anchor": "start", "fontSize": 14},
            "height": PLOT_HEIGHT, "autosize": {"type": "fit-x", "contains": "padding"},
            "data": {"name": data}, "config": {"axis": FONT, "legend": FONT},
            "datasets": {}}


def _colour(field: str, domain: list[str]) -> dict:
    """A colour per name of ``domain`` (the names as shown), in a legend without a title."""
    return {"field": field, "type": "nominal", "title": None,
            "scale": {"domain": list(domain), "range": COLOURS[:len(domain)]},
            "legend": {"orient": "bottom", "columns": 2, "labelLimit": 130}}


# ------------------------------------------------------------------ optimizer race
RACE_METRICS = {  # metric -> (title, field, scale, format)
    "loss": (N_("Training loss (log scale)"), "loss", {"type": "log"}, ""),
    "val_accuracy": (N_("Validation accuracy"), "val_accuracy", {"domain": [0, 1]}, ".0%"),
}


def race_spec(metric: str, labels: list[str], epochs: int) -> dict:
    """``metric`` per epoch, a line per optimizer (``labels``: the race's keys)."""
    title, _field, scale, axis_format = RACE_METRICS[metric]
    spec = _base(_(title), "race")
    spec.update({
        "mark": {"type": "line", "strokeWidth": 2},
        "encoding": {
            "x": {"field": "epoch", "type": "quantitative", "title": _("epoch"),
                  "scale": {"domain": [1, epochs]}, "axis": {"tickMinStep": 1}},
            "y": {"field": "value", "type": "quantitative", "title": None,
                  "scale": {**scale, "zero": False}, "axis": {"format": axis_format}},
            "color": _colour("optimizer", [_(label) for label in labels]),
            "tooltip": [{"field": "optimizer", "title": _("optimizer")},
                        {"field": "epoch", "title": _("epoch")},
                        {"field": "value", "format": axis_format or ".4g",
                         "title": _("value")}]}})
    return spec


def race_data(snap, metric: str) -> dict[str, list]:
    field = RACE_METRICS[metric][1]
    rows = [(_(job.key[0]), stats.epoch, getattr(stats, field))
            for job in snap.jobs for stats in job.history]
    return {"optimizer": [r[0] for r in rows], "epoch": [r[1] for r in rows],
            "value": [float(r[2]) for r in rows]}


# ------------------------------------------------------------------ data efficiency
SEEDS = 3  # a point is complete with this many seeds; hollow until then
PARTIAL = {"condition": {"test": f"datum.seeds < {SEEDS}", "value": 0}, "value": 1}
POINT = {"type": "point", "filled": False, "size": 50, "strokeWidth": 2}  # (an outline)


def _fill(colour: dict) -> dict:
    """The colour channel again, for the inside of a point (no second legend)."""
    return {**colour, "legend": None}


DODGE = 1.06  # the models' points sit this factor apart on the log axis (bars stay apart)


def efficiency_spec(models: list[str], min_images: int, max_images: int) -> dict:
    """Test accuracy against training images (log axis): the mean over seeds with a
    line, the lowest to highest seed as an error bar (each model's a little to the side
    of the others', at ``x``; the tooltip gives the true ``images``)."""
    spec = _base(_("Test accuracy against the number of training images"), "points")
    x = {"field": "x", "type": "quantitative", "title": _("training images (log scale)"),
         "scale": {"type": "log", "domain": [min_images / 1.25, max_images * 1.25]}}
    colour = _colour("model", [_(model) for model in models])
    tooltip = [{"field": "model", "title": _("model")},
               {"field": "images", "title": _("images")},
               {"field": "mean", "format": ".1%", "title": _("mean test accuracy")},
               *_spread_tooltip()]
    accuracy = _("test accuracy")
    spec["layer"] = [
        {"mark": {"type": "line", "strokeWidth": 2},
         "encoding": {"x": x, "y": {"field": "mean", "type": "quantitative",
                                    "title": accuracy, "axis": {"format": ".0%"},
                                    "scale": {"zero": False}},
                      "color": colour, "tooltip": tooltip}},
        {"mark": POINT,
         "encoding": {"x": x, "y": {"field": "mean", "type": "quantitative", "title": accuracy},
                      "color": colour, "fill": _fill(colour), "fillOpacity": PARTIAL,
                      "tooltip": tooltip}},
        {"mark": {"type": "rule", "strokeWidth": 2},
         "encoding": {"x": x, "y": {"field": "low", "type": "quantitative", "title": accuracy},
                      "y2": {"field": "high"}, "color": colour, "tooltip": tooltip}}]
    return spec


def _spread_tooltip() -> list[dict]:
    """The tooltip's lowest and highest value over the seeds, and how many seeds."""
    return [{"field": "low", "format": ".1%", "title": _("low")},
            {"field": "high", "format": ".1%", "title": _("high")},
            {"field": "seeds", "title": _("seeds")}]


def efficiency_data(snap, order: list[str] | None = None) -> dict[str, list]:
    """One row per (model, training-set size) with at least one seed measured (``order``:
    every model's name, which fixes where each one's points sit)."""
    images = {key[:-1]: result["train_images"] for key, result in snap.results().items()}
    rows = sorted(summarize(snap.results(), "test_accuracy").items(),
                  key=lambda item: (item[0][0], item[0][1]))
    models = list(order) if order else sorted({p[0] for p, _s in rows})
    middle = (len(models) - 1) / 2
    shift = {m: DODGE ** (i - middle) for i, m in enumerate(models)}
    return {"model": [_(p[0]) for p, _s in rows], "images": [images[p] for p, _s in rows],
            "x": [images[p] * shift[p[0]] for p, _s in rows],
            "mean": [s.mean for _p, s in rows], "low": [s.low for _p, s in rows],
            "high": [s.high for _p, s in rows], "seeds": [s.count for _p, s in rows]}


# ------------------------------------------------------------------ generalization
GENERALIZATION_AXES = {  # axis -> (title, x title)
    "width": (N_("As the hidden layer grows"), N_("hidden units")),
    "dropout": (N_("As dropout grows (256 units)"), N_("dropout rate")),
    "l2": (N_("As the L2 penalty grows (256 units)"), N_("L2 weight")),
}
SERIES = [N_("training"), N_("validation")]  # (shown as _(series))


def generalization_spec(axis: str, values: list) -> dict:
    """Training and validation accuracy (means over seeds, lowest to highest as bars)
    against one setting, the gap between them shaded."""
    title, x_title = (_(text) for text in GENERALIZATION_AXES[axis])
    spec = _base(title, "points")
    order = [f"{v:g}" for v in values]
    x = {"field": "x", "type": "ordinal", "title": x_title, "sort": order,
         "scale": {"domain": order}, "axis": {"labelAngle": 0}}
    y = {"field": "mean", "type": "quantitative", "title": _("accuracy"),
         "axis": {"format": ".0%"}, "scale": {"zero": False}}
    colour = _colour("series", [_(series) for series in SERIES])
    tooltip = [{"field": "series", "title": _("series")},
               {"field": "x", "title": x_title},
               {"field": "mean", "format": ".1%", "title": _("mean")},
               *_spread_tooltip()]
    spec["layer"] = [
        {"data": {"name": "gap"}, "mark": {"type": "area", "opacity": 0.15,
                                           "color": "#d62728"},
         "encoding": {"x": x, "y": {"field": "validation", "type": "quantitative",
                                    "title": y["title"]},
                      "y2": {"field": "training"},
                      "tooltip": [{"field": "x", "title": x_title},
                                  {"field": "gap", "format": ".1%",
                                   "title": _("gap (training - validation)")}]}},
        {"mark": {"type": "line", "strokeWidth": 2},
         "encoding": {"x": x, "y": y, "color": colour, "tooltip": tooltip}},
        {"mark": POINT,
         "encoding": {"x": x, "y": y, "color": colour, "fill": _fill(colour),
                      "fillOpacity": PARTIAL, "tooltip": tooltip}},
        {"mark": {"type": "rule", "strokeWidth": 2},
         "encoding": {"x": x, "y": {"field": "low", "type": "quantitative",
                                    "title": y["title"]},
                      "y2": {"field": "high"}, "color": colour, "tooltip": tooltip}}]
    return spec


def generalization_data(snap, axis: str) -> dict[str, dict[str, list]]:
    """The "points" (one row per series and value) and "gap" (one row per value) data."""
    results = {k: v for k, v in snap.results().items() if k[0] == axis}
    train = summarize(results, "train_accuracy")
    val = summarize(results, "val_accuracy")
    points = {"x": [], "series": [], "mean": [], "low": [], "high": [], "seeds": []}
    for series, summary in zip(SERIES, (train, val)):
        for key in sorted(summary, key=lambda k: k[1]):
            s = summary[key]
            for name, value in (("x", f"{key[1]:g}"), ("series", _(series)), ("mean", s.mean),
                                ("low", s.low), ("high", s.high), ("seeds", s.count)):
                points[name].append(value)
    keys = sorted(set(train) & set(val), key=lambda k: k[1])
    gap = {"x": [f"{k[1]:g}" for k in keys], "training": [train[k].mean for k in keys],
           "validation": [val[k].mean for k in keys],
           "gap": [train[k].mean - val[k].mean for k in keys]}
    return {"points": points, "gap": gap}


# ------------------------------------------------------------------ compute cost
COST_AXES = {  # x -> (chart title, x title, record attribute)
    "parameters": (N_("Accuracy against trainable parameters"), N_("trainable parameters"),
                   "parameters"),
    "time": (N_("Accuracy against ms per epoch"), N_("ms per epoch (median)"),
             "ms_per_epoch"),
}
PAGE_NAMES = {"mlp": N_("MLP page"), "cnn": N_("CNN page"),
              "playground": N_("2D page (test points)")}


def cost_figure(records, names: list[str], axis: str) -> go.Figure:
    """Validation accuracy against trainable parameters or ms per epoch (``axis``), one
    point per kept run, a colour per page (log x axis; FLOPs and more on hover)."""
    title, x_title, attribute = COST_AXES[axis]
    figure = go.Figure()
    pages = sorted({r.page for r in records})
    for i, page in enumerate(pages):
        mine = [(r, n) for r, n in zip(records, names)
                if r.page == page and r.metrics.get("val_accuracy") is not None]
        if not mine:
            continue
        hover = [f"{n}<br>{summary_text(r)}<br>" + _(
            "{parameters:,} parameters · {flops:,} FLOPs/example<br>{ms:.1f} ms/epoch · "
            "validation accuracy {accuracy:.1%}").format(
                parameters=r.parameters, flops=r.flops_per_example, ms=r.ms_per_epoch,
                accuracy=r.metrics["val_accuracy"]) for r, n in mine]
        figure.add_trace(go.Scatter(
            x=[getattr(r, attribute) for r, _n in mine],
            y=[r.metrics["val_accuracy"] for r, _n in mine], mode="markers",
            name=_(PAGE_NAMES[page]),
            marker={"color": COLOURS[i % len(COLOURS)], "size": 10, "opacity": 0.8},
            text=hover, hovertemplate="%{text}<extra></extra>"))
    figure.update_layout(
        title=_(title), height=380,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0},
        xaxis={"type": "log", "title": _(x_title), "nticks": 6},
        yaxis={"title": _("validation accuracy"), "tickformat": ".1%"})
    return figure
