"""The 2D playground's network picture and loss chart, as Vega-Lite specs.

The picture is the TensorFlow Playground's: one column per layer (the input features,
each hidden layer, the output), every neuron a small heatmap of its own output over the
plane, every link a line whose width is the weight's size and whose colour its sign
(blue positive, orange negative). Pointing at a neuron shows its bias and the range of its
output; pointing at a link shows its weight. The spec depends only on the layers, so it
stays the same while a run trains and the browser swaps the datasets in place.
No Streamlit here.
"""

from __future__ import annotations

import numpy as np

from dl_core.playground_charts import (CLASS_COLOURS, MIDDLE, _rgb, heatmap_rgb, neuron_rgb,
                                       png_uri)
from dl_core.playground_settings import PlaygroundSpec
from dl_core.toy2d import FEATURES, input_features, plane_grid

THUMBNAIL = 20  # grid points per side of a neuron's heatmap
WEIGHT_SCALE = 1.0  # a weight of this size or more is drawn in full colour
TRAIN_COLOUR, TEST_COLOUR = "#1f77b4", "#ff7f0e"


def layer_sizes(spec: PlaygroundSpec) -> list[int]:
    """Neurons per column: the input features, each hidden layer, the output units."""
    return [len(spec.features), *spec.hidden, spec.classes or 1]


def node_pixels(spec: PlaygroundSpec) -> int:
    """The side of one neuron's heatmap in pixels: smaller as the tallest layer grows."""
    return int(np.clip(320 // max(layer_sizes(spec)) - 6, 10, 36))


def column_titles(spec: PlaygroundSpec) -> list[str]:
    hidden = [f"{units} {activation}" for units, activation in
              zip(spec.hidden, spec.activations)]
    return ["Input", *hidden, "Output"]


def _positions(spec: PlaygroundSpec) -> list[list[tuple[float, float]]]:
    """(column, row) of every neuron; each column centred on the tallest."""
    sizes = layer_sizes(spec)
    tallest = max(sizes)
    return [[(c, (tallest - n) / 2 + r) for r in range(n)] for c, n in enumerate(sizes)]


def network_spec(spec: PlaygroundSpec) -> dict:
    """The fixed part of the picture for ``spec``'s layers."""
    sizes = layer_sizes(spec)
    node = node_pixels(spec)
    height = int(max(sizes) * (node + 6) + 30)
    x = {"field": "x", "type": "quantitative", "axis": None,
         "scale": {"domain": [-0.9, len(sizes) - 0.5], "nice": False, "zero": False}}
    y = {"field": "y", "type": "quantitative", "axis": None,
         "scale": {"domain": [-1.2, max(sizes) - 0.4], "reverse": True, "nice": False,
                   "zero": False}}
    x2, y2 = {"field": "x2"}, {"field": "y2"}
    return {
        "height": height,
        "padding": {"left": 4, "top": 4, "right": 4, "bottom": 4},
        "config": {"view": {"stroke": None}},
        "layer": [
            {"data": {"name": "links"},
             "mark": {"type": "rule", "strokeCap": "round"},
             "encoding": {
                 "x": x, "y": y, "x2": x2, "y2": y2,
                 "strokeWidth": {"field": "width", "type": "quantitative", "scale": None},
                 "color": {"field": "weight", "type": "quantitative", "legend": None,
                           "scale": {"domain": [-WEIGHT_SCALE, 0, WEIGHT_SCALE],
                                     "range": [CLASS_COLOURS[0], "#cccccc",
                                               CLASS_COLOURS[1]], "clamp": True}},
                 "tooltip": [{"field": "link", "title": "link"},
                             {"field": "weight", "format": ".4f"}]}},
            {"data": {"name": "nodes"},
             "mark": {"type": "image", "width": node, "height": node, "aspect": False},
             "encoding": {"x": x, "y": y, "url": {"field": "url", "type": "nominal"}}},
            {"data": {"name": "nodes"},
             "mark": {"type": "square", "size": node * node, "fill": "white",
                      "fillOpacity": 0.001, "stroke": "#666666", "strokeWidth": 0.6},
             "encoding": {"x": x, "y": y,
                          "tooltip": [{"field": "neuron"}, {"field": "detail"}]}},
            {"data": {"name": "labels"},
             "mark": {"type": "text", "fontSize": 10, "color": "#444444"},
             "encoding": {"x": x, "y": y, "text": {"field": "text"},
                          "align": {"field": "align", "type": "nominal", "scale": None}}},
        ],
    }


def _labels(spec: PlaygroundSpec) -> dict:
    columns = {"x": [], "y": [], "text": [], "align": []}
    for c, title in enumerate(column_titles(spec)):
        columns["x"].append(c)
        columns["y"].append(-0.85)
        columns["text"].append(title)
        columns["align"].append("center")
    for (c, r), name in zip(_positions(spec)[0], spec.features):
        columns["x"].append(c - 0.32)
        columns["y"].append(r)
        columns["text"].append(FEATURES[name][0])
        columns["align"].append("right")
    return columns


def _input_maps(spec: PlaygroundSpec) -> np.ndarray:
    """Each input feature over the plane, (THUMBNAIL, THUMBNAIL, features)."""
    values = input_features(plane_grid(THUMBNAIL), spec.features)
    return values.reshape(THUMBNAIL, THUMBNAIL, -1)


def _output_rgb(values: np.ndarray, classes: int, unit: int) -> np.ndarray:
    if classes == 0:
        return heatmap_rgb(values, -1.0, 1.0)
    if classes == 2:  # P(class 1) on the orange-blue scale, P(class 0) the other way
        return heatmap_rgb(values if unit == 1 else 1 - values, 0.0, 1.0)
    colour = _rgb(CLASS_COLOURS[unit])
    return (_rgb(MIDDLE) + (colour - _rgb(MIDDLE)) * values[..., None]).round().astype(
        np.uint8)


def network_datasets(spec: PlaygroundSpec, weights: dict[str, np.ndarray] | None,
                     maps: list[np.ndarray] | None) -> dict:
    """The picture's datasets for ``weights`` (``PlaygroundTrainer.kernels()``) and
    ``maps`` (``forward_on_grid(spec, weights, THUMBNAIL)``); grey neurons and no links
    before there is a network."""
    positions = _positions(spec)
    names = [f"hidden_{i}" for i in range(1, len(spec.hidden) + 1)] + ["output"]
    activations = [*spec.activations, "softmax" if spec.classes else "linear"]
    nodes = {"x": [], "y": [], "url": [], "neuron": [], "detail": []}
    inputs = _input_maps(spec)
    for u, ((c, r), name) in enumerate(zip(positions[0], spec.features)):
        values = inputs[..., u]
        nodes["x"].append(c), nodes["y"].append(r)
        nodes["url"].append(png_uri(neuron_rgb(values, "linear")))
        nodes["neuron"].append(f"input {FEATURES[name][0]}")
        nodes["detail"].append(f"from {values.min():.2f} to {values.max():.2f} on the plane")
    blank = png_uri(np.full((2, 2, 3), 240, np.uint8))
    for layer, (column, name, activation) in enumerate(zip(positions[1:], names,
                                                           activations)):
        for u, (c, r) in enumerate(column):
            title = (f"layer {layer + 1}, neuron {u + 1}" if name != "output" else
                     f"output {u}" + (f" (P(class {u}))" if spec.classes else ""))
            nodes["x"].append(c), nodes["y"].append(r), nodes["neuron"].append(title)
            if weights is None or maps is None:
                nodes["url"].append(blank), nodes["detail"].append("not trained yet")
                continue
            values = maps[layer][..., u]
            rgb = (_output_rgb(values, spec.classes, u) if name == "output" else
                   neuron_rgb(values, activation))
            nodes["url"].append(png_uri(rgb))
            nodes["detail"].append(f"{activation}, bias {weights[name + '/bias'][u]:.4f}, "
                                   f"output {values.min():.3f} to {values.max():.3f}")
    return {"nodes": nodes, "links": _links(spec, positions, names, weights),
            "labels": _labels(spec)}


def _links(spec, positions, names, weights) -> dict:
    links = {"x": [], "y": [], "x2": [], "y2": [], "width": [], "weight": [], "link": []}
    if weights is None:
        return links
    for layer, name in enumerate(names):
        kernel = weights[name]
        for i, (c0, r0) in enumerate(positions[layer]):
            for j, (c1, r1) in enumerate(positions[layer + 1]):
                w = float(kernel[i, j])
                links["x"].append(c0), links["y"].append(r0)
                links["x2"].append(c1), links["y2"].append(r1)
                links["width"].append(round(0.4 + 3.6 * min(abs(w) / (2 * WEIGHT_SCALE),
                                                            1.0), 2))
                links["weight"].append(w)
                links["link"].append(f"{_node_name(spec, layer, i)} → "
                                     f"{_node_name(spec, layer + 1, j)}")
    return links


def _node_name(spec: PlaygroundSpec, column: int, unit: int) -> str:
    if column == 0:
        return FEATURES[spec.features[unit]][0]
    if column == len(spec.hidden) + 1:
        return f"output {unit}"
    return f"L{column} n{unit + 1}"


# ---------------------------------------------------------------- loss chart


def loss_spec(height: int = 150) -> dict:
    """Training and test loss per epoch; the x axis grows with the run (as the
    Playground's does), so the spec never changes. ``height`` is the plot's own (Streamlit's
    default autosize would fit title and axes into it too)."""
    colour = {"field": "series", "type": "nominal", "title": None,
              "scale": {"domain": ["training", "test"], "range": [TRAIN_COLOUR, TEST_COLOUR]},
              "legend": None}
    return {
        "height": height,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "padding": {"left": 4, "top": 4, "right": 12, "bottom": 4},
        "title": {"text": "Loss", "fontSize": 13, "subtitle": "blue: training · orange: test",
                  "subtitleColor": "#666666"},
        "layer": [{
            "data": {"name": "curves"},
            "mark": {"type": "line", "strokeWidth": 1.8},
            "encoding": {"x": {"field": "epoch", "type": "quantitative", "title": "epoch",
                               "axis": {"tickMinStep": 1, "format": "d"}},
                         "y": {"field": "loss", "type": "quantitative", "title": None,
                               "scale": {"zero": True}},
                         "color": colour}}],
    }


def loss_datasets(history) -> dict:
    """The loss chart's data from a run's ``PlaygroundStats`` history (no test line when
    there are no test points)."""
    curves = {"epoch": [], "loss": [], "series": []}
    for series, attribute in (("training", "loss"), ("test", "test_loss")):
        for stats in history:
            value = getattr(stats, attribute)
            if value is not None:
                curves["epoch"].append(stats.epoch)
                curves["loss"].append(float(value))
                curves["series"].append(series)
    return {"curves": curves}



def confusion_spec(classes: int, size: int = 200) -> dict:
    """The test points' confusion matrix: true class in rows, predicted in columns."""
    axis = {"type": "ordinal", "scale": {"domain": list(range(classes))},
            "axis": {"labelAngle": 0}}
    return {
        "width": size, "height": size,
        "padding": {"left": 4, "top": 4, "right": 4, "bottom": 4},
        "title": {"text": "Test points by class", "fontSize": 13},
        "data": {"name": "cells"},
        "encoding": {"x": {"field": "predicted", **axis, "title": "predicted"},
                     "y": {"field": "true", **axis, "title": "true"}},
        "layer": [
            {"mark": "rect",
             "encoding": {"color": {"field": "count", "type": "quantitative", "legend": None,
                                    "scale": {"scheme": "blues", "domainMin": 0}},
                          "tooltip": [{"field": "true"}, {"field": "predicted"},
                                      {"field": "count"}]}},
            {"mark": {"type": "text", "fontSize": 12},
             "encoding": {"text": {"field": "count", "type": "quantitative"},
                          "color": {"condition": {"test": "datum.share > 0.5",
                                                  "value": "white"}, "value": "black"}}},
        ],
    }


def confusion_datasets(matrix: np.ndarray) -> dict:
    """``matrix`` (true x predicted counts, scikit-learn's confusion_matrix) as cells."""
    k = matrix.shape[0]
    top = max(int(matrix.max()), 1)
    return {"cells": {"true": [i for i in range(k) for _ in range(k)],
                      "predicted": [j for _ in range(k) for j in range(k)],
                      "count": matrix.ravel().astype(int).tolist(),
                      "share": (matrix.ravel() / top).round(3).tolist()}}
