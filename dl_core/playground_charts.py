"""Vega-Lite specs of the 2D playground: the decision boundary (the network's output over
[-6, 6]^2 with the points on top, as the TensorFlow Playground draws it), the network
picture (every neuron's own heatmap, links by weight) and the loss chart.

As for the live curves (dl_core/live_charts.py), each spec depends only on what is fixed
for a run (its classes, its layers) and stays the same while the run trains; what changes
is in named datasets the browser swaps in place, so the charts never blink. Heatmaps are
drawn as coloured cells, not images: Vega draws an image mark blank until its new picture
has loaded, and a walkthrough saw the heatmaps missing in ~46 % of frames while training.
No Streamlit here.
"""

from __future__ import annotations

import json

import numpy as np

from dl_core.i18n import _
from dl_core.toy2d import EXTENT, FEATURES, plane_grid

# The Playground's colours: orange for -1 / class 0, blue for +1 / class 1, then more.
CLASS_COLOURS = ("#f59322", "#0877bd", "#2ca02c", "#9467bd")
MIDDLE = "#e8eaeb"  # the colour of "undecided" (0.5, or 0 for a value)
GRID = 36  # cells per side of the output's heatmap, which also take the clicks (1/3 wide).
# The browser redraws every cell at each refresh: 48 x 48 cells held the page to ~4
# redraws a second, 32 x 32 to ~6.
BLANK = "#f4f5f6"  # a cell before there is a network
ACTIVATION_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}  # else: scaled per neuron


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


def heatmap_rgb(values: np.ndarray, low: float = -1.0, high: float = 1.0) -> np.ndarray:
    """A (h, w) array as an RGB image (h, w, 3) uint8 on the Playground's scale: orange at
    ``low``, light grey at the middle, blue at ``high`` (values outside are clipped)."""
    t = np.clip((np.asarray(values, float) - low) / (high - low), 0.0, 1.0)[..., None]
    orange, middle, blue = _rgb(CLASS_COLOURS[0]), _rgb(MIDDLE), _rgb(CLASS_COLOURS[1])
    lower = middle + (orange - middle) * (1 - 2 * t)  # t in [0, 0.5]
    upper = middle + (blue - middle) * (2 * t - 1)  # t in [0.5, 1]
    return np.where(t < 0.5, lower, upper).round().astype(np.uint8)


def output_rgb(output: np.ndarray, classes: int, discretize: bool = False) -> np.ndarray:
    """The output layer over the grid (r, r, k) as an RGB image: P(class 1) or the value on
    the orange-blue scale; with more classes, the likeliest class's colour, paler where the
    network is less sure. ``discretize``: the decision only, no shades."""
    if classes > 2:
        likeliest = output.argmax(axis=-1)
        colours = np.stack([_rgb(c) for c in CLASS_COLOURS[:classes]])[likeliest]
        sure = np.ones(likeliest.shape) if discretize else \
            (output.max(axis=-1) - 1 / classes) / (1 - 1 / classes)
        mix = sure[..., None]
        return (_rgb(MIDDLE) + (colours - _rgb(MIDDLE)) * mix).round().astype(np.uint8)
    value = output[..., 1] if classes == 2 else output[..., 0]
    low = 0.0 if classes == 2 else -1.0
    if discretize:
        value = np.where(value > (0.5 if classes == 2 else 0.0), 1.0, low)
    return heatmap_rgb(value, low, 1.0)


def neuron_rgb(values: np.ndarray, activation: str) -> np.ndarray:
    """One neuron's output over the plane (r, r) as an RGB image: tanh and sigmoid on their
    fixed ranges; relu and linear scaled by the largest magnitude (0 stays grey)."""
    if activation in ACTIVATION_RANGES:
        low, high = ACTIVATION_RANGES[activation]
    else:
        scale = float(np.max(np.abs(values))) or 1.0
        low, high = -scale, scale
    return heatmap_rgb(values, low, high)


def _paler(rgb: np.ndarray, amount: float = 0.15) -> np.ndarray:
    """``rgb`` mixed with white, so the points stand out on it (cells overlap by a pixel
    to leave no gaps, so they cannot be drawn translucent)."""
    return (rgb + (255 - rgb.astype(float)) * amount).round().astype(np.uint8)


def hex_colours(rgb: np.ndarray) -> list[str]:
    """An RGB image (h, w, 3) as "#rrggbb" strings, row by row."""
    flat = rgb.reshape(-1, 3).astype(np.uint32)
    return [f"#{v:06x}" for v in (flat[:, 0] << 16 | flat[:, 1] << 8 | flat[:, 2]).tolist()]


def label_expr(field: str, labels: dict[str, str]) -> str:
    """A Vega expression giving ``labels[datum[field]]`` (a key's shown name; an unknown key
    as it is), for a ``calculate`` transform: the data keep their ids."""
    return " : ".join(f"datum.{field} === '{k}' ? {json.dumps(v, ensure_ascii=False)}"
                      for k, v in labels.items()) + f" : datum.{field}"


def coordinate_tooltip() -> list[dict]:
    """The tooltip's lines for a point of the plane: its two coordinates, named as the
    network's input features are."""
    return [{"field": field, "title": FEATURES[name][0], "format": ".2f"}
            for field, name in (("x", "x1"), ("y", "x2"))]


# ---------------------------------------------------------------- decision boundary


def boundary_spec(classes: int, size: int = 320, clickable: bool = True) -> dict:
    """The fixed part of the boundary chart for ``classes`` (0: regression). With
    ``clickable`` an invisible grid takes clicks: its selection parameter ``click`` holds
    the (x, y) of the cell clicked."""
    axis = {"type": "quantitative", "scale": {"domain": [-EXTENT, EXTENT], "nice": False},
            "axis": {"values": [-6, -4, -2, 0, 2, 4, 6], "title": None}}
    point_colour = ({"field": "label", "type": "nominal", "legend": None,
                     "scale": {"domain": list(range(classes)),
                               "range": list(CLASS_COLOURS[:classes])}} if classes else
                    {"field": "label", "type": "quantitative", "legend": None,
                     "scale": {"domain": [-1, 0, 1], "interpolate": "rgb",  # (not via green)
                               "range": [CLASS_COLOURS[0], MIDDLE, CLASS_COLOURS[1]]}})
    cells = {"data": {"name": "heatmap"},
             # one pixel wider than a cell: no hairline gaps between cells
             "mark": {"type": "rect", "width": {"expr": f"width / {GRID} + 1"},
                      "height": {"expr": f"height / {GRID} + 1"}},
             "encoding": {"x": {"field": "x", **axis}, "y": {"field": "y", **axis},
                          "fill": {"field": "colour", "type": "nominal", "scale": None},
                          "tooltip": [*coordinate_tooltip(), {
                              "field": "output",
                              "title": _("prediction") if classes else _("output")}]}}
    if clickable:  # a click selects the cell under the pointer: its centre is the point
        cells["params"] = [{"name": "click", "select": {
            "type": "point", "on": "click", "fields": ["x", "y"], "toggle": False,
            "clear": False}}]
        cells["mark"]["cursor"] = "crosshair"
    layers = [cells]
    names = {"train": _("train"), "test": _("test"), "yours": _("yours")}
    layers.append({
        "data": {"name": "points"},
        "transform": [{"calculate": label_expr("set", names), "as": "set_name"}],  # (tooltip)
        "mark": {"type": "point", "filled": True, "size": 30, "strokeWidth": 1},
        "encoding": {
            "x": {"field": "x", **axis}, "y": {"field": "y", **axis},
            "fill": point_colour,
            "stroke": {"field": "set", "type": "nominal", "legend": None,
                       "scale": {"domain": ["train", "test", "yours"],
                                 "range": ["white", "#333333", "black"]}},
            "shape": {"field": "set", "type": "nominal", "legend": None,
                      "scale": {"domain": ["train", "test", "yours"],
                                "range": ["circle", "square", "diamond"]}},
            "tooltip": [{"field": "set_name", "title": _("set")},
                        {"field": "label", "title": _("label")}, *coordinate_tooltip()]}})
    return {
        "width": size, "height": size,
        "padding": {"left": 4, "top": 4, "right": 4, "bottom": 4},  # (Streamlit: an object)
        "layer": layers,
        "config": {"view": {"stroke": None}},
    }


def boundary_datasets(output: np.ndarray | None, classes: int, points: np.ndarray,
                      labels: np.ndarray, test_points: np.ndarray | None = None,
                      test_labels: np.ndarray | None = None, discretize: bool = False,
                      yours: int = 0) -> dict:
    """The named datasets as columns: ``heatmap`` the GRID x GRID cells with the colour of
    the output layer there (``forward_on_grid(..., GRID)[-1]``; a blank colour before
    there is a network) and what it answers there in words, ``points`` the training
    points, the last ``yours`` of them added by hand, then the test points when given."""
    centres = plane_grid(GRID).astype(float).round(3)
    colours = (hex_colours(_paler(output_rgb(output, classes, discretize)))
               if output is not None else [BLANK] * GRID * GRID)
    heatmap = {"x": centres[:, 0].tolist(), "y": centres[:, 1].tolist(), "colour": colours,
               "output": output_texts(output, classes)}
    n = len(labels)
    sets = [("train", points[:n - yours], labels[:n - yours]),
            ("yours", points[n - yours:], labels[n - yours:])]
    if test_points is not None and test_labels is not None:
        sets.append(("test", test_points, test_labels))
    columns = {"x": [], "y": [], "label": [], "set": []}
    for name, xy, y in sets:
        columns["x"] += np.asarray(xy, float)[:, 0].round(3).tolist() if len(y) else []
        columns["y"] += np.asarray(xy, float)[:, 1].round(3).tolist() if len(y) else []
        columns["label"] += (np.asarray(y).astype(int) if classes else
                             np.asarray(y, float).round(3)).tolist()
        columns["set"] += [name] * len(y)
    return {"heatmap": heatmap, "points": columns}


def output_texts(output: np.ndarray | None, classes: int) -> list[str]:
    """What the output layer (GRID, GRID, k) answers in each cell, for the tooltip: the
    likeliest class and its probability, or the value (regression)."""
    if output is None:
        return [_("not trained yet")] * GRID * GRID
    flat = np.asarray(output, float).reshape(-1, output.shape[-1])
    if not classes:
        return [f"{v:.3f}" for v in flat[:, 0].tolist()]
    text = _("class {label} ({probability:.0%})")
    return [text.format(label=k, probability=p) for k, p in
            zip(flat.argmax(axis=1).tolist(), flat.max(axis=1).tolist())]


def boundary_chart(output, classes: int, points, labels, test_points=None, test_labels=None,
                   discretize: bool = False, yours: int = 0, clickable: bool = True) -> dict:
    """A complete spec: :func:`boundary_spec` plus this moment's datasets."""
    spec = boundary_spec(classes, clickable=clickable)
    spec["datasets"] = boundary_datasets(output, classes, points, labels, test_points,
                                         test_labels, discretize, yours)
    return spec
