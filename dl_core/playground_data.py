"""The 2D playground's data without TensorFlow: the split a run trains on, the network's
outputs over the plane computed in NumPy from a run's weights, and the points people add
(by clicking, or from a CSV file of x, y, label). The page draws all of it before
TensorFlow is loaded; the run's thread loads TensorFlow.
"""

from __future__ import annotations

import csv
import io

import numpy as np

from dl_core.i18n import _
from dl_core.playground_settings import (CUSTOM, EXTENT, MAX_POINTS, PlaygroundSpec,
                                         dataset_name, label_fits, label_range)
from dl_core.scratch import FORWARD, softmax
from dl_core.toy2d import input_features, plane_grid, toy_dataset

MAX_EPOCHS = 10_000  # a run's bound (it also stops after a minute without a viewer)


def split(spec: PlaygroundSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffled points and labels: (x_train, y_train, x_test, y_test), seeded.

    The generated set is split by ``train_fraction``; the points people added all train
    (after the generated ones). The custom set has no generated points, so no test set."""
    label_type = np.float32 if spec.classes == 0 else np.int64
    if spec.dataset == CUSTOM:
        points, labels = np.zeros((0, 2), np.float32), np.zeros(0, label_type)
    else:
        points, labels = toy_dataset(spec.dataset, spec.n_samples, spec.noise, spec.seed)
    order = np.random.default_rng(spec.seed + 1).permutation(len(points))
    cut = int(round(spec.train_fraction * len(points)))
    train, test = order[:cut], order[cut:]
    added = spec.point_array
    x_train = np.concatenate([points[train], added[:, :2]]).astype(np.float32)
    y_train = np.concatenate([labels[train], added[:, 2].astype(label_type)])
    return x_train, y_train, points[test], labels[test]


def forward_on_grid(spec: PlaygroundSpec, weights: dict[str, np.ndarray],
                    resolution: int = 50) -> list[np.ndarray]:
    """Every layer's output over the plane, computed in NumPy from ``weights``
    (:meth:`PlaygroundTrainer.kernels`): one (resolution, resolution, units) array per
    hidden layer, then the output's (class probabilities, or the value)."""
    x = input_features(plane_grid(resolution), spec.features).astype(np.float64)
    values = []
    names = [f"hidden_{i}" for i in range(1, len(spec.hidden) + 1)] + ["output"]
    for name, activation in zip(names, (*spec.activations, None)):
        z = x @ weights[name] + weights[f"{name}/bias"]
        if activation is not None:
            x = FORWARD[activation](z)
        else:
            x = softmax(z) if spec.classes else z
        values.append(x.reshape(resolution, resolution, -1))
    return values


# ---------------------------------------------------------------- points people add


def add_point(points: tuple, x: float, y: float, label: float) -> tuple:
    """``points`` with (x, y, label) appended, x and y rounded to 0.01 (as the link holds
    them); unchanged when MAX_POINTS are there already."""
    if len(points) >= 3 * MAX_POINTS:
        return points
    return (*points, round(float(x), 2), round(float(y), 2), float(label))


def remove_nearest(points: tuple, x: float, y: float, within: float = 0.5) -> tuple:
    """``points`` without the one nearest (x, y), if it lies within ``within``."""
    xy = np.asarray(points, float).reshape(-1, 3)[:, :2]
    if not len(xy):
        return points
    distance = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
    nearest = int(distance.argmin())
    if distance[nearest] > within:
        return points
    return points[:3 * nearest] + points[3 * nearest + 3:]


def points_csv(points: tuple) -> str:
    """The added points as CSV text with a header: x,y,label."""
    rows = ["x,y,label"] + [f"{x:g},{y:g},{label:g}" for x, y, label in
                            np.asarray(points, float).reshape(-1, 3)]
    return "\n".join(rows) + "\n"


MAX_CSV_BYTES = 1_000_000


def parse_points_csv(data: bytes, dataset: str) -> tuple:
    """The points of a CSV file (columns x, y, label; a header row is optional) as a flat
    tuple for ``PlaygroundSpec.points``. Raises ValueError with a message that names the
    line and what is wrong: not text, not three numbers, outside the plane, a label the
    set ``dataset`` has no class for, or more than MAX_POINTS points."""
    if len(data) > MAX_CSV_BYTES:
        raise ValueError(_("the file has {size:,} bytes; at most {most:,} are read").format(
            size=len(data), most=MAX_CSV_BYTES))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(_("the file is not text (UTF-8): expected lines of x, y, label")) \
            from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ValueError(_("the file is not CSV: {error}").format(error=exc)) from None
    low, high, whole = label_range(dataset)
    values: list[float] = []
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if number == 1 and not _is_number(cells[0]):
            continue  # a header
        if len(cells) != 3 or not all(_is_number(c) for c in cells):
            raise ValueError(_("line {line}: expected three numbers x, y, label; got {got}")
                             .format(line=number, got=repr(",".join(cells)[:60])))
        x, y, label = (float(c) for c in cells)
        if not (abs(x) <= EXTENT and abs(y) <= EXTENT):
            raise ValueError(_("line {line}: ({x:g}, {y:g}) lies outside the plane "
                               "[-{extent:g}, {extent:g}]²").format(line=number, x=x, y=y,
                                                                   extent=EXTENT))
        if not label_fits(label, dataset):
            message = (_("line {line}: label {label:g} does not fit {name}: expected a "
                         "class {low:g} to {high:g}") if whole else
                       _("line {line}: label {label:g} does not fit {name}: expected a "
                         "value from {low:g} to {high:g}"))
            raise ValueError(message.format(line=number, label=label,
                                            name=dataset_name(dataset), low=low, high=high))
        values += [round(x, 2), round(y, 2), label]
        if len(values) > 3 * MAX_POINTS:
            raise ValueError(_("it has more than {most} points; at most {most} can be added")
                             .format(most=MAX_POINTS))
    if not values:
        raise ValueError(_("no points in the file: expected lines of x, y, label"))
    return tuple(values)


def _is_number(text: str) -> bool:
    try:
        return np.isfinite(float(text))
    except ValueError:
        return False
