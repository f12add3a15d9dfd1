"""Vega-Lite specs of the 2D playground's decision boundary: a heatmap of the network's
output over [-6, 6]^2 with the points on top, as the TensorFlow Playground draws it.

As for the live curves (dl_core/live_charts.py), the spec depends only on the problem (its
classes, "discretize", the heatmap's resolution) and stays the same while a run trains;
the heatmap and the points are named datasets the browser swaps in place, so the chart
never blinks. No Streamlit here.
"""

from __future__ import annotations

import numpy as np

from dl_core.toy2d import EXTENT

# The Playground's colours: orange for -1 / class 0, blue for +1 / class 1, then more.
CLASS_COLOURS = ("#f59322", "#0877bd", "#2ca02c", "#9467bd")


def boundary_spec(classes: int, discretize: bool = False, resolution: int = 50,
                  size: int = 300) -> dict:
    """The fixed part of the boundary chart for ``classes`` (0: regression)."""
    axis = {"type": "quantitative", "scale": {"domain": [-EXTENT, EXTENT], "nice": False},
            "axis": {"values": [-6, -4, -2, 0, 2, 4, 6], "title": None}}
    if classes > 2:  # colour of the most likely class, paler where it is less sure
        fill = {"field": "cls", "type": "nominal", "legend": None,
                "scale": {"domain": list(range(classes)),
                          "range": list(CLASS_COLOURS[:classes])}}
        heat_encoding = {"fill": fill, "opacity": {
            "field": "value", "type": "quantitative", "legend": None,
            "scale": {"domain": [1 / classes, 1], "range": [0.1, 0.75]}}}
    else:  # one value: P(class 1), or the regression output, on a diverging scale
        low, high = (0, 1) if classes == 2 else (-1, 1)
        heat_encoding = {"fill": {
            "field": "value", "type": "quantitative", "legend": None,
            "scale": {"domain": [low, (low + high) / 2, high],
                      "range": [CLASS_COLOURS[0], "#e8eaeb", CLASS_COLOURS[1]]}},
            "opacity": {"value": 0.8}}
    point_colour = ({"field": "label", "type": "nominal", "legend": None,
                     "scale": {"domain": list(range(classes)),
                               "range": list(CLASS_COLOURS[:classes])}} if classes else
                    {"field": "label", "type": "quantitative", "legend": None,
                     "scale": {"domain": [-1, 0, 1],
                               "range": [CLASS_COLOURS[0], "#e8eaeb", CLASS_COLOURS[1]]}})
    return {
        "width": size, "height": size,
        "padding": {"left": 4, "top": 4, "right": 4, "bottom": 4},  # (Streamlit: an object)
        "title": {"text": "Output over the plane" + (" (discretized)" if discretize else ""),
                  "fontSize": 13},
        "layer": [
            {"data": {"name": "heatmap"},
             # one pixel wider than a cell: no hairline gaps between cells
             "mark": {"type": "rect", "width": {"expr": f"width / {resolution} + 1"},
                      "height": {"expr": f"height / {resolution} + 1"}},
             "encoding": {"x": {"field": "x", **axis}, "y": {"field": "y", **axis},
                          **heat_encoding}},
            {"data": {"name": "points"},
             "mark": {"type": "point", "filled": True, "size": 28, "stroke": "white",
                      "strokeWidth": 0.8},
             "encoding": {"x": {"field": "x", **axis}, "y": {"field": "y", **axis},
                          "fill": point_colour, "color": point_colour,
                          "shape": {"field": "set", "type": "nominal", "legend": None,
                                    "scale": {"domain": ["train", "test"],
                                              "range": ["circle", "square"]}},
                          "tooltip": [{"field": "set"}, {"field": "label"},
                                      {"field": "x", "format": ".2f"},
                                      {"field": "y", "format": ".2f"}]}},
        ],
        "config": {"view": {"stroke": None}},
    }


def boundary_datasets(output: np.ndarray | None, classes: int, points: np.ndarray,
                      labels: np.ndarray, test_points: np.ndarray | None = None,
                      test_labels: np.ndarray | None = None, discretize: bool = False
                      ) -> dict:
    """The named datasets as columns: ``heatmap`` from the output layer over the grid
    (``forward_on_grid(...)[-1]``, shape (r, r, k)), ``points`` the training points (and
    the test points when given)."""
    heatmap = {"x": [], "y": [], "value": [], "cls": []}
    if output is not None:
        r = output.shape[0]
        axis = np.linspace(-EXTENT, EXTENT, r)
        xs, ys = np.meshgrid(axis, axis[::-1])  # row 0 is the top, as plane_grid
        heatmap["x"], heatmap["y"] = xs.ravel().tolist(), ys.ravel().tolist()
        flat = output.reshape(r * r, -1)
        if classes > 2:
            heatmap["cls"] = flat.argmax(axis=1).tolist()
            heatmap["value"] = (np.ones(r * r) if discretize else flat.max(axis=1)).tolist()
        else:
            value = flat[:, 1] if classes == 2 else np.clip(flat[:, 0], -1, 1)
            if discretize:
                value = (value > 0.5).astype(float) if classes == 2 else np.sign(value)
            heatmap["value"], heatmap["cls"] = value.tolist(), [0] * (r * r)
    sets = [("train", points, labels)]
    if test_points is not None and test_labels is not None:
        sets.append(("test", test_points, test_labels))
    columns = {"x": [], "y": [], "label": [], "set": []}
    for name, xy, y in sets:
        columns["x"] += xy[:, 0].astype(float).tolist()
        columns["y"] += xy[:, 1].astype(float).tolist()
        columns["label"] += (y.astype(int) if classes else y.astype(float)).tolist()
        columns["set"] += [name] * len(y)
    return {"heatmap": heatmap, "points": columns}


def boundary_chart(output, classes: int, points, labels, test_points=None, test_labels=None,
                   discretize: bool = False, resolution: int = 50) -> dict:
    """A complete spec: :func:`boundary_spec` plus this moment's datasets."""
    spec = boundary_spec(classes, discretize, resolution)
    spec["datasets"] = boundary_datasets(output, classes, points, labels, test_points,
                                         test_labels, discretize)
    return spec


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


def heatmap_rgb(values: np.ndarray, low: float = -1.0, high: float = 1.0) -> np.ndarray:
    """A (h, w) array as an RGB image (h, w, 3) uint8 on the Playground's scale: orange at
    ``low``, light grey at the middle, blue at ``high`` (values outside are clipped)."""
    t = np.clip((np.asarray(values, float) - low) / (high - low), 0.0, 1.0)[..., None]
    orange, middle, blue = _rgb(CLASS_COLOURS[0]), _rgb("#e8eaeb"), _rgb(CLASS_COLOURS[1])
    lower = middle + (orange - middle) * (1 - 2 * t)  # t in [0, 0.5]
    upper = middle + (blue - middle) * (2 * t - 1)  # t in [0.5, 1]
    return np.where(t < 0.5, lower, upper).round().astype(np.uint8)


ACTIVATION_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}  # else: scaled per neuron


def neuron_thumbnails(layer_maps: np.ndarray, activation: str, gap: int = 2) -> np.ndarray:
    """One layer's neurons side by side: ``layer_maps`` (r, r, units) from
    ``forward_on_grid`` becomes one RGB strip (r, units * (r + gap) - gap, 3), each neuron
    a small heatmap of its own output over the plane, as the Playground shows them.
    tanh and sigmoid use their fixed ranges; relu and linear outputs are scaled by the
    largest magnitude of each neuron (0 stays grey)."""
    r, _, units = layer_maps.shape
    strip = np.full((r, units * (r + gap) - gap, 3), 255, np.uint8)
    for u in range(units):
        values = layer_maps[..., u]
        if activation in ACTIVATION_RANGES:
            low, high = ACTIVATION_RANGES[activation]
        else:
            scale = float(np.max(np.abs(values))) or 1.0
            low, high = -scale, scale
        strip[:, u * (r + gap): u * (r + gap) + r] = heatmap_rgb(values, low, high)
    return strip
