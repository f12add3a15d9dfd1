"""The 2D playground's settings: one table (as dl_core/settings.py is for the digits pages)
that the page's widgets, the validation of :class:`PlaygroundSpec`, the URL round trip and
the exported code read. Each row is a :class:`~dl_core.settings.Setting` named after a
spec field.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from dl_core.config import decode_value, encode_value, fallback_message
from dl_core.i18n import N_, _, ngettext
from dl_core.settings import LEARNING_RATES, REGULARIZATION, Setting, check_value
from dl_core.toy2d import DATASETS, EXTENT, FEATURES, REGRESSION, num_classes

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
CUSTOM = "custom"  # no generated points: only the ones people click or upload
MAX_POINTS = 500  # points people may add (each is three numbers in the link)
MAX_CLASSES = 4
SPEEDS = (1, 2, 5, 10, 20, 30, 60)  # epochs per second a run is paced at

PLAYGROUND_SETTINGS: tuple[Setting, ...] = (
    Setting("dataset", "data", "choice", "circle", N_("Data"),
            N_("The TensorFlow Playground's sets (circle, xor, gaussian, spiral; plane and six "
               "gaussians for regression), sets with 3 or 4 classes, or only your own points."),
            choices=DATASETS + (CUSTOM,)),
    Setting("noise", "data", "float", 0.0, N_("Noise"),
            N_("The Playground's noise, 0 to 50 %: how far labels may stray from the pattern "
               "(spiral and blobs: how far the points scatter)."), min=0.0, max=0.5,
            step=0.05),
    Setting("train_fraction", "data", "float", 0.5, N_("Training share"),
            N_("Share of the points the network trains on; the rest measure the test loss."),
            min=0.1, max=0.9, step=0.1),
    Setting("n_samples", "data", "int", 500, N_("Points"), N_("How many points the set has."),
            min=10, max=5000, step=10),
    Setting("points", "data", "float_list", (), N_("Your points"),
            N_("Points you added by clicking or from a CSV file: x, y and label of each, in "
               "turn. They always train, beside the generated set."), min=-EXTENT, max=EXTENT,
            min_len=0, max_len=3 * MAX_POINTS),
    Setting("features", "model", "choice_list", ("x1", "x2"), N_("Input features"),
            N_("What the first layer sees of each point: X₁, X₂, their squares, their "
               "product, their sines."), choices=tuple(FEATURES), min_len=1,
            max_len=len(FEATURES)),
    Setting("hidden", "model", "int_list", (4, 2), N_("Neurons"),
            N_("Neurons of each hidden layer (0 to 6 layers)."), min=1, max=32, min_len=0,
            max_len=6, layer_group="dense"),
    Setting("activations", "model", "choice_list", ("tanh", "tanh"), N_("Activation"),
            N_("Activation of each hidden layer."), choices=ACTIVATIONS, min_len=0, max_len=6,
            layer_group="dense"),
    Setting("l1", "model", "float", 0.0, N_("L1 penalty"),
            N_("L1 regularization of the weights."), min=0.0, max=1.0, options=REGULARIZATION),
    Setting("l2", "model", "float", 0.0, N_("L2 penalty"),
            N_("L2 regularization of the weights."), min=0.0, max=1.0, options=REGULARIZATION),
    Setting("learning_rate", "training", "float", 0.03, N_("Learning rate"),
            N_("Step size of plain SGD; takes effect at the next epoch."), min=1e-5, max=10.0,
            options=LEARNING_RATES, live=True),
    Setting("speed", "training", "int", 30, N_("Speed"),
            N_("Epochs per second at most, so you can watch; not part of the model."),
            min=1, max=60, options=SPEEDS, unit=N_("epochs/s"), live=True),
    Setting("batch_size", "training", "int", 10, N_("Batch size"),
            N_("Points per gradient step, 1 to 30 as in the Playground."), min=1, max=30),
    Setting("seed", "training", "int", 0, N_("Seed"),
            N_("Fixes the points, their split, the initial weights and the batch order."),
            min=0, max=2**31 - 1),
)
PLAYGROUND_BY_NAME = {s.name: s for s in PLAYGROUND_SETTINGS}
LIVE = tuple(s.name for s in PLAYGROUND_SETTINGS if s.live)
# How the output is drawn: in the link too, but not part of a run (no run restarts for them).
VIEW_SETTINGS: tuple[Setting, ...] = (
    Setting("show_test", "view", "bool", False, N_("Show test data"),
            N_("Draw the test points too (squares), which the network never trains on.")),
    Setting("discretize", "view", "bool", False, N_("Discretize output"),
            N_("Colour each place by the class the network picks, without shades of doubt.")),
)
# The sets' names as the page shows them (translate with _() where shown); messages may
# name a set by its id ({dataset}) in English and by this name ({name}) in a translation.
DATASET_LABELS = {
    "circle": N_("Circle"), "xor": N_("XOR (exclusive or)"), "gaussian": N_("Two Gaussians"),
    "spiral": N_("Spiral"), "spiral3": N_("Spiral, 3 arms (3 classes)"),
    "blobs3": N_("3 blobs (3 classes)"), "blobs4": N_("4 blobs (4 classes)"),
    CUSTOM: N_("Only your own points"), "plane": N_("Plane"),
    "gaussians": N_("Six signed Gaussians"),
}


def dataset_name(dataset: str) -> str:
    """The set's name as the page shows it, in the active language."""
    return _(DATASET_LABELS[dataset])


@dataclass(frozen=True)
class PlaygroundSpec:
    """One 2D experiment. Every field is checked against its row of PLAYGROUND_SETTINGS
    (lists become tuples); a bad value raises ValueError naming the field and its range."""

    dataset: str = "circle"
    noise: float = 0.0
    n_samples: int = 500
    train_fraction: float = 0.5
    features: tuple = ("x1", "x2")
    hidden: tuple = (4, 2)
    activations: tuple = ("tanh", "tanh")
    learning_rate: float = 0.03
    batch_size: int = 10
    l1: float = 0.0
    l2: float = 0.0
    seed: int = 0
    points: tuple = ()  # x, y, label, x, y, label, ...
    speed: int = 30

    def __post_init__(self):
        for field in fields(self):
            value = check_value(PLAYGROUND_BY_NAME[field.name], getattr(self, field.name))
            object.__setattr__(self, field.name, value)
        if len(self.activations) != len(self.hidden):
            raise ValueError(_("activations: {given} given for {layers} hidden layers: one "
                               "per layer").format(given=len(self.activations),
                                                   layers=len(self.hidden)))
        check_points(self.points, self.dataset)

    @property
    def classes(self) -> int:
        """Output classes; 0 for regression. Your own points have as many classes as their
        largest label says (2 at least)."""
        if self.dataset == CUSTOM:
            return max([2, *(int(label) + 1 for label in self.points[2::3])])
        return num_classes(self.dataset)

    @property
    def point_array(self):
        """The added points as an array (n, 3): x, y, label."""
        import numpy as np

        return np.asarray(self.points, dtype=np.float32).reshape(-1, 3)


def label_range(dataset: str) -> tuple[float, float, bool]:
    """What a point's label may be on ``dataset``: (lowest, highest, whole numbers only)."""
    if dataset in REGRESSION:
        return -1.0, 1.0, False
    return 0.0, float((MAX_CLASSES if dataset == CUSTOM else num_classes(dataset)) - 1), True


def label_fits(label: float, dataset: str) -> bool:
    """Whether a point's label is one ``dataset`` has (see :func:`label_range`)."""
    low, high, whole = label_range(dataset)
    return low <= label <= high and (not whole or label == int(label))


def points_for(points: tuple, old_dataset: str, dataset: str) -> tuple[tuple, int]:
    """The added points that still mean something on ``dataset``: all of them within one
    kind of problem, minus labels it has no class for; none across classification and
    regression (a class is not a value). Returns ``(points, how many were removed)``."""
    if (old_dataset in REGRESSION) != (dataset in REGRESSION):
        return (), len(points) // 3
    low, high = label_range(dataset)[:2]
    kept = tuple(v for i in range(0, len(points) - len(points) % 3, 3)
                 if low <= points[i + 2] <= high for v in points[i:i + 3])
    return kept, (len(points) - len(kept)) // 3


def check_points(points: tuple, dataset: str) -> None:
    """Raise ValueError (naming the point) unless ``points`` is x, y, label triples whose
    labels suit ``dataset`` (classes 0..k-1, or a value in [-1, 1] for regression)."""
    if len(points) % 3:
        raise ValueError(_("points: {count} numbers given; each point takes three "
                           "(x, y, label)").format(count=len(points)))
    low, high, whole = label_range(dataset)
    for i, label in enumerate(points[2::3], start=1):
        if not label_fits(label, dataset):
            message = (_("points: point {index} has label {label:g}; on {name} a label is "
                         "a class from {low:g} to {high:g}") if whole else
                       _("points: point {index} has label {label:g}; on {name} a label is "
                         "a value from {low:g} to {high:g}"))
            raise ValueError(message.format(index=i, label=label,
                                            name=dataset_name(dataset), low=low, high=high))


def _points_problem(text: Any, dataset: Any) -> ValueError | None:
    """A clearer reason than the range check for link points that are numbers: a place
    off the plane or a label the set has no class for (None when it cannot tell)."""
    try:
        numbers = [float(t) for t in str(text).split(",")]
    except ValueError:
        return None
    if len(numbers) % 3 or dataset not in PLAYGROUND_BY_NAME["dataset"].choices:
        return None
    for i in range(0, len(numbers), 3):
        x, y = numbers[i:i + 2]
        if not (abs(x) <= EXTENT and abs(y) <= EXTENT):
            return ValueError(_("points: point {index} at ({x:g}, {y:g}) lies outside the "
                                "plane [-{extent:g}, {extent:g}]²").format(
                index=i // 3 + 1, x=x, y=y, extent=EXTENT))
    try:
        check_points(tuple(numbers), dataset)
    except ValueError as exc:
        return exc
    return None


def spec_from_values(values: dict[str, Any]) -> PlaygroundSpec:
    """A spec from setting values (defaults for the missing); raises ValueError naming the
    field for a bad value."""
    return PlaygroundSpec(**{s.name: values.get(s.name, s.default)
                             for s in PLAYGROUND_SETTINGS})


def to_query_params(spec: PlaygroundSpec) -> dict[str, str]:
    """Every setting of ``spec`` as URL-ready text."""
    return {s.name: encode_value(s, getattr(spec, s.name)) for s in PLAYGROUND_SETTINGS}


def from_query_params(params: dict[str, Any]) -> tuple[PlaygroundSpec, list[str]]:
    """Parse a link's query parameters; never raises. Bad or unknown keys fall back to the
    default with one warning each, naming the key. Returns ``(spec, warnings)``."""
    try:
        items = list(dict(params or {}).items())
    except (TypeError, ValueError):
        return spec_from_values({}), [_("The link's settings could not be read; using the "
                                        "defaults.")]
    values, warnings = {}, []
    for key, text in items:
        setting = PLAYGROUND_BY_NAME.get(key) if isinstance(key, str) else None
        if setting is None:
            continue  # other pages' keys (lang, ...) are not ours to judge
        try:
            values[key] = decode_value(setting, text)
        except (ValueError, TypeError, OverflowError) as exc:
            if key == "points":  # say which point, and whether a place or a label is wrong
                dataset = dict(items).get("dataset", PLAYGROUND_BY_NAME["dataset"].default)
                exc = _points_problem(text, dataset) or exc
            warnings.append(fallback_message(setting, exc))
    hidden = values.get("hidden", PLAYGROUND_BY_NAME["hidden"].default)
    activations = values.get("activations", PLAYGROUND_BY_NAME["activations"].default)
    if len(activations) != len(hidden):  # one per layer: pad with the last, or tanh
        fixed = tuple(activations[:len(hidden)]) + (
            (activations[-1] if activations else "tanh"),) * (len(hidden) - len(activations))
        if "activations" in values:
            entries = ngettext("{n} entry", "{n} entries", len(activations)).format(
                n=len(activations))
            layers = ngettext("{n} layer", "{n} layers", len(hidden)).format(n=len(hidden))
            warnings.append(_("activations: {entries} for {layers}; using {fixed}.").format(
                entries=entries, layers=layers, fixed=",".join(fixed) or _("none")))
        values["activations"] = fixed
    if "points" in values:
        dataset = values.get("dataset", PLAYGROUND_BY_NAME["dataset"].default)
        try:
            check_points(values["points"], dataset)
        except ValueError as exc:
            warnings.append(_("{error}; the link's points are left out.").format(error=exc))
            del values["points"]
    try:
        return spec_from_values(values), warnings
    except ValueError as exc:  # pragma: no cover - every value was checked above
        return spec_from_values({}), [*warnings, _("{error}; using the defaults.").format(
            error=exc)]
