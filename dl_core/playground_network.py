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

from dl_core.i18n import _
from dl_core.playground_charts import (CLASS_COLOURS, MIDDLE, _rgb, heatmap_rgb, hex_colours,
                                       label_expr, neuron_rgb)
from dl_core.playground_settings import PlaygroundSpec
from dl_core.toy2d import FEATURES, input_features, plane_grid

CELL_BUDGET = 1000  # heatmap cells for all neurons together (the browser draws each)
WEIGHT_SCALE = 1.0  # a weight of this size or more is drawn in full colour
TRAIN_COLOUR, TEST_COLOUR = "#1f77b4", "#ff7f0e"
LEFT, RIGHT, TOP, BOTTOM = 50, 8, 26, 8  # px around the neurons (feature names, titles)


def layer_sizes(spec: PlaygroundSpec) -> list[int]:
    """Neurons per column: the input features, each hidden layer, the output units."""
    return [len(spec.features), *spec.hidden, spec.classes or 1]


def network_width(spec: PlaygroundSpec) -> int:
    """The picture's width in pixels: about 90 per column, 340 at least (a phone)."""
    return max(340, 90 * len(layer_sizes(spec)))


def thumbnail(spec: PlaygroundSpec) -> int:
    """Grid cells per side of one neuron's heatmap: finer for small networks."""
    neurons = sum(layer_sizes(spec))
    return int(np.clip(np.sqrt(CELL_BUDGET / neurons), 4, 10))


def _layout(spec: PlaygroundSpec) -> tuple[list[list[tuple[float, float]]], int, int]:
    """Pixel centres of every neuron (each column centred on the tallest), the side of a
    neuron in pixels, and the picture's height."""
    sizes = layer_sizes(spec)
    spacing = (network_width(spec) - LEFT - RIGHT) / len(sizes)
    node = int(np.clip(min(spacing * 0.45, 320 / max(sizes) - 6), 10, 30))
    pitch = node + 6
    height = TOP + max(sizes) * pitch + BOTTOM
    middle = TOP + max(sizes) * pitch / 2
    positions = [[(LEFT + spacing * (c + 0.5), middle + (r - (n - 1) / 2) * pitch)
                  for r in range(n)] for c, n in enumerate(sizes)]
    return positions, node, height


def column_titles(spec: PlaygroundSpec) -> list[str]:
    hidden = [f"{units} {activation}" for units, activation in
              zip(spec.hidden, spec.activations)]
    return [_("Input"), *hidden, _("Output")]


def network_spec(spec: PlaygroundSpec) -> dict:
    """The fixed part of the picture for ``spec``'s layers, in pixels."""
    node, height = _layout(spec)[1:]
    cell = node / thumbnail(spec)
    # x in the pixels of the full width, scaled to the width there is (a phone); y in pixels
    width = network_width(spec)
    x = {"field": "x", "type": "quantitative", "axis": None,
         "scale": {"domain": [0, width], "nice": False, "zero": False}}
    y = {"field": "y", "type": "quantitative", "scale": None, "axis": None}
    return {
        "width": width, "height": height,
        "autosize": {"type": "none"},
        "padding": {"left": 0, "top": 0, "right": 0, "bottom": 0},
        "config": {"view": {"stroke": None}},
        "layer": [
            {"data": {"name": "links"},
             "mark": {"type": "rule", "strokeCap": "round"},
             "encoding": {
                 "x": x, "y": y, "x2": {"field": "x2"}, "y2": {"field": "y2"},
                 "strokeWidth": {"field": "width", "type": "quantitative", "scale": None},
                 "color": {"field": "weight", "type": "quantitative", "legend": None,
                           "scale": {"domain": [-WEIGHT_SCALE, 0, WEIGHT_SCALE],
                                     "interpolate": "rgb", "clamp": True,
                                     "range": [CLASS_COLOURS[0], "#cccccc",
                                               CLASS_COLOURS[1]]}},
                 "tooltip": [{"field": "link", "title": _("link")},
                             {"field": "weight", "title": _("weight"), "format": ".4f"}]}},
            # (the neurons' squares on top give the tooltips; the cells and labels none)
            {"data": {"name": "cells"},
             "mark": {"type": "rect", "width": cell + 0.5, "height": cell + 0.5,
                      "tooltip": None},
             "encoding": {"x": x, "y": y,
                          "fill": {"field": "colour", "type": "nominal", "scale": None}}},
            {"data": {"name": "nodes"},
             "mark": {"type": "square", "size": node * node, "fill": "white",
                      "fillOpacity": 0.001, "stroke": "#666666", "strokeWidth": 0.6},
             "encoding": {"x": x, "y": y,
                          "tooltip": [{"field": "neuron", "title": _("neuron")},
                                      {"field": "detail", "title": _("detail")}]}},
            {"data": {"name": "titles"},
             "mark": {"type": "text", "fontSize": 10, "color": "#444444", "align": "center",
                      "tooltip": None},
             "encoding": {"x": x, "y": y, "text": {"field": "text"}}},
            {"data": {"name": "features"},
             "mark": {"type": "text", "fontSize": 10, "color": "#444444", "align": "right",
                      "baseline": "middle", "tooltip": None},
             "encoding": {"x": x, "y": y, "text": {"field": "text"}}},
        ],
    }


def _labels(spec: PlaygroundSpec, positions, node: int) -> dict:
    """Column titles above the columns; feature names left of the input neurons."""
    titles = {"x": [column[0][0] for column in positions], "y": [TOP / 2] * len(positions),
              "text": column_titles(spec)}
    features = {"x": [x - node / 2 - 4 for x, _ in positions[0]],
                "y": [y for _, y in positions[0]],
                "text": [FEATURES[name][0] for name in spec.features]}
    return {"titles": titles, "features": features}


def _output_rgb(values: np.ndarray, classes: int, unit: int) -> np.ndarray:
    if classes == 0:
        return heatmap_rgb(values, -1.0, 1.0)
    if classes == 2:  # P(class 1) on the orange-blue scale, P(class 0) the other way
        return heatmap_rgb(values if unit == 1 else 1 - values, 0.0, 1.0)
    colour = _rgb(CLASS_COLOURS[unit])
    return (_rgb(MIDDLE) + (colour - _rgb(MIDDLE)) * values[..., None]).round().astype(
        np.uint8)


def _add_cells(cells: dict, centre, node: int, rgb: np.ndarray) -> None:
    """One neuron's heatmap (r, r, 3) as r x r cells around its centre."""
    r = rgb.shape[0]
    offsets = (np.arange(r) + 0.5) / r * node - node / 2
    xs, ys = np.meshgrid(centre[0] + offsets, centre[1] + offsets)  # row 0 at the top
    cells["x"] += xs.ravel().round(2).tolist()
    cells["y"] += ys.ravel().round(2).tolist()
    cells["colour"] += hex_colours(rgb)


def network_datasets(spec: PlaygroundSpec, weights: dict[str, np.ndarray] | None,
                     maps: list[np.ndarray] | None) -> dict:
    """The picture's datasets for ``weights`` (``PlaygroundTrainer.kernels()``) and
    ``maps`` (``forward_on_grid(spec, weights, thumbnail(spec))``); grey neurons and no
    links before there is a network."""
    positions, node = _layout(spec)[:2]
    r = thumbnail(spec)
    names = [f"hidden_{i}" for i in range(1, len(spec.hidden) + 1)] + ["output"]
    activations = [*spec.activations, "softmax" if spec.classes else "linear"]
    nodes = {"x": [], "y": [], "neuron": [], "detail": []}
    cells = {"x": [], "y": [], "colour": []}
    inputs = input_features(plane_grid(r), spec.features).reshape(r, r, -1)
    for u, (centre, name) in enumerate(zip(positions[0], spec.features)):
        values = inputs[..., u]
        nodes["x"].append(centre[0]), nodes["y"].append(centre[1])
        nodes["neuron"].append(_("input {feature}").format(feature=FEATURES[name][0]))
        nodes["detail"].append(_("from {low:.2f} to {high:.2f} on the plane").format(
            low=values.min(), high=values.max()))
        _add_cells(cells, centre, node, neuron_rgb(values, "linear"))
    blank = np.full((r, r, 3), 240, np.uint8)
    for layer, (column, name, activation) in enumerate(zip(positions[1:], names,
                                                           activations)):
        for u, centre in enumerate(column):
            title = (_("layer {layer}, neuron {unit}") if name != "output" else
                     _("output {output} (P(class {output}))") if spec.classes else
                     _("output {output}")).format(layer=layer + 1, unit=u + 1, output=u)
            nodes["x"].append(centre[0]), nodes["y"].append(centre[1])
            nodes["neuron"].append(title)
            if weights is None or maps is None:
                nodes["detail"].append(_("not trained yet"))
                _add_cells(cells, centre, node, blank)
                continue
            values = maps[layer][..., u]
            rgb = (_output_rgb(values, spec.classes, u) if name == "output" else
                   neuron_rgb(values, activation))
            _add_cells(cells, centre, node, rgb)
            nodes["detail"].append(_("{activation}, bias {bias:.4f}, output {low:.3f} to "
                                     "{high:.3f}").format(
                activation=activation, bias=weights[name + "/bias"][u], low=values.min(),
                high=values.max()))
    return {"nodes": nodes, "cells": cells,
            "links": _links(spec, positions, names, weights),
            **_labels(spec, positions, node)}


def _links(spec, positions, names, weights) -> dict:
    links = {"x": [], "y": [], "x2": [], "y2": [], "width": [], "weight": [], "link": []}
    if weights is None:
        return links
    for layer, name in enumerate(names):
        kernel = weights[name]
        for i, (x0, y0) in enumerate(positions[layer]):
            for j, (x1, y1) in enumerate(positions[layer + 1]):
                w = float(kernel[i, j])
                links["x"].append(x0), links["y"].append(y0)
                links["x2"].append(x1), links["y2"].append(y1)
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
        return _("output {output}").format(output=unit)
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
        "title": {"text": _("Loss"), "fontSize": 13,
                  "subtitle": _("blue: training · orange: test"), "subtitleColor": "#666666"},
        "layer": [{
            "data": {"name": "curves"},
            "transform": [{"calculate": label_expr("series", {"training": _("training"),
                                                              "test": _("test")}),
                           "as": "name"}],  # (the series' name in the tooltip)
            "mark": {"type": "line", "strokeWidth": 1.8},
            "encoding": {"x": {"field": "epoch", "type": "quantitative", "title": _("epoch"),
                               "axis": {"tickMinStep": 1, "format": "d"}},
                         "y": {"field": "loss", "type": "quantitative", "title": None,
                               "scale": {"zero": True}},
                         "color": colour,
                         "tooltip": [{"field": "name", "title": _("series")},
                                     {"field": "epoch", "title": _("epoch")},
                                     {"field": "loss", "title": _("loss"), "format": ".4f"}]}}],
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
        "title": {"text": _("Test points by class"), "fontSize": 13},
        "data": {"name": "cells"},
        # (the tooltip is the cell's and its number's alike)
        "encoding": {"x": {"field": "predicted", **axis, "title": _("predicted")},
                     "y": {"field": "true", **axis, "title": _("true")},
                     "tooltip": [{"field": "true", "title": _("true")},
                                 {"field": "predicted", "title": _("predicted")},
                                 {"field": "count", "title": _("count")}]},
        "layer": [
            {"mark": "rect",
             "encoding": {"color": {"field": "count", "type": "quantitative", "legend": None,
                                    "scale": {"scheme": "blues", "domainMin": 0}}}},
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
