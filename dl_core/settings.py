"""One declarative table of every user setting.

Widgets, validation, the URL round trip and the exported code all read this table
(the TensorFlow Playground's ``state.ts`` idea). Adding a setting here makes it appear
in the config dataclass it belongs to (the field must exist there), in the URL and in
the sidebar.

Kinds:
    int, float      a number in [min, max]; ``options`` (if given) is the grid a slider offers
    choice          one of ``choices``
    bool            True / False
    int_list        a tuple of ints, one per layer, each in [min, max]
    choice_list     a tuple of choices, one per layer
List settings have ``min_len`` / ``max_len``; lists in one ``layer_group`` must have equal
length (one entry per hidden layer or per conv block).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dl_core.i18n import N_, _

ACTIVATIONS = (
    "relu", "leaky_relu", "elu", "selu", "gelu", "silu",
    "tanh", "sigmoid", "softplus", "linear",
)
OPTIMIZERS = ("sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta", "nadam")
INITIALIZERS = (
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
    "lecun_normal", "random_normal", "zeros",
)
PADDINGS = ("same", "valid")
POOLINGS = ("max", "average", "none")
# Choices shown as words, translated; the others are names shown as they are (relu, adam).
CHOICE_LABELS = {"max": N_("max"), "average": N_("average"), "none": N_("none")}


def choice_label(value: Any) -> str:
    """How a choice is shown: its translated word, or the value itself (a name)."""
    return _(CHOICE_LABELS[value]) if value in CHOICE_LABELS else str(value)


def _log_grid(low_exp: int, high_exp: int, mantissas=(1, 2, 3, 5)) -> tuple[float, ...]:
    """Values like 1e-5, 2e-5, 3e-5, 5e-5, ... 10, used by log-scale sliders."""
    grid = [round(m * 10.0**e, 10) for e in range(low_exp, high_exp) for m in mantissas]
    return tuple(grid) + (10.0**high_exp,)


LEARNING_RATES = _log_grid(-5, 1)  # 1e-5 ... 10
REGULARIZATION = (0.0, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1)


@dataclass(frozen=True)
class Setting:
    """One user-facing setting. ``group`` names the config dataclass it lives in."""

    name: str
    group: str  # "data" | "model" | "training"
    kind: str
    default: Any
    label: str
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple = ()
    options: tuple = ()  # slider grid for numbers (e.g. log-scale learning rates)
    step: float | None = None
    min_len: int = 1
    max_len: int = 1
    layer_group: str = ""  # "dense" or "conv": lists that move together
    architectures: tuple = ("mlp", "cnn")  # which model pages show it
    unit: str = ""
    live: bool = False  # a running Trainer takes it on the fly (shown beside the chart)

    @property
    def is_list(self) -> bool:
        return self.kind.endswith("_list")

    @property
    def range_text(self) -> str:
        """The allowed range in words: "1 to 1000", "0 to 2147483647", "1e-05 to 10"."""
        if self.kind.startswith("int"):
            low, high = int(self.min), int(self.max)
        else:
            low, high = f"{self.min:g}", f"{self.max:g}"
        return _("{low} to {high}").format(low=low, high=high)


SETTINGS: tuple[Setting, ...] = (
    # --- data ---------------------------------------------------------------
    Setting("scale_inputs", "data", "bool", True, N_("Scale pixels to [0, 1]"),
            N_("Divide the 0-16 pixel values by 16. Off reproduces the article's raw pixels.")),
    Setting("validation_fraction", "data", "float", 0.2, N_("Validation fraction"),
            N_("Share of the training images held out to validate after every epoch."),
            min=0.1, max=0.4, step=0.05),
    # --- model: MLP ---------------------------------------------------------
    Setting("hidden_units", "model", "int_list", (64, 64, 32), N_("Units"),
            N_("Neurons in each hidden layer."), min=1, max=256, min_len=1, max_len=6,
            layer_group="dense", architectures=("mlp",)),
    Setting("activations", "model", "choice_list", ("relu", "relu", "relu"),
            N_("Activation"), N_("Non-linearity applied after each hidden layer."),
            choices=ACTIVATIONS,
            min_len=1, max_len=6, layer_group="dense", architectures=("mlp",)),
    Setting("dropout", "model", "float", 0.0, N_("Dropout"),
            N_("Fraction of units dropped at random during training (after each hidden "
               "layer)."),
            min=0.0, max=0.8, step=0.05),
    Setting("l1", "model", "float", 0.0, N_("L1 penalty"), N_("L1 weight regularization."),
            min=0.0, max=0.1, options=REGULARIZATION),
    Setting("l2", "model", "float", 0.0, N_("L2 penalty"), N_("L2 weight regularization."),
            min=0.0, max=0.1, options=REGULARIZATION),
    Setting("batch_norm", "model", "bool", False, N_("Batch normalization"),
            N_("Normalize each layer's pre-activations over the batch.")),
    Setting("initializer", "model", "choice", "glorot_uniform", N_("Weight initializer"),
            N_("How the weights are drawn before training."), choices=INITIALIZERS),
    # --- model: CNN ---------------------------------------------------------
    Setting("conv_filters", "model", "int_list", (8, 16), N_("Filters"),
            N_("Number of filters (feature maps) in each conv block."), min=1, max=32,
            min_len=1, max_len=3, layer_group="conv", architectures=("cnn",)),
    Setting("conv_kernels", "model", "int_list", (3, 3), N_("Kernel size"),
            N_("Width and height of each filter, in pixels."), min=1, max=5,
            min_len=1, max_len=3, layer_group="conv", architectures=("cnn",), unit="px"),
    Setting("conv_padding", "model", "choice_list", ("same", "same"), N_("Padding"),
            N_("'same' pads the border with zeros so the map keeps its size; 'valid' does "
               "not."),
            choices=PADDINGS, min_len=1, max_len=3, layer_group="conv",
            architectures=("cnn",)),
    Setting("conv_activations", "model", "choice_list", ("relu", "relu"), N_("Activation"),
            N_("Non-linearity after each convolution."), choices=ACTIVATIONS,
            min_len=1, max_len=3, layer_group="conv", architectures=("cnn",)),
    Setting("conv_pooling", "model", "choice_list", ("max", "none"), N_("Pooling"),
            N_("2x2 pooling after the activation (halves the map size)."), choices=POOLINGS,
            min_len=1, max_len=3, layer_group="conv", architectures=("cnn",)),
    Setting("head_units", "model", "int", 32, N_("Dense head units"),
            N_("Units of the dense layer between the conv blocks and the output "
               "(0 = none)."),
            min=0, max=256, architectures=("cnn",)),
    # --- training -----------------------------------------------------------
    Setting("optimizer", "training", "choice", "adam", N_("Optimizer"),
            N_("The update rule that turns gradients into weight changes."),
            choices=OPTIMIZERS),
    Setting("learning_rate", "training", "float", 0.001, N_("Learning rate"),
            N_("Step size of each update (log scale). Can be changed while training."),
            min=1e-5, max=10.0, options=LEARNING_RATES, live=True),
    Setting("momentum", "training", "float", 0.0, N_("Momentum"),
            N_("Momentum of SGD and RMSprop (ignored by the other optimizers)."),
            min=0.0, max=0.99, step=0.01),
    Setting("nesterov", "training", "bool", False, N_("Nesterov momentum"),
            N_("Use Nesterov's look-ahead momentum (SGD only).")),
    Setting("batch_size", "training", "int", 32, N_("Batch size"),
            N_("Images per gradient step."), min=1, max=512,
            options=(1, 4, 8, 16, 32, 64, 128, 256, 512)),
    Setting("epochs", "training", "int", 50, N_("Epochs"),
            N_("Passes over the training images."), min=1, max=1000, step=1, live=True),
    Setting("seed", "training", "int", 0, N_("Seed"),
            N_("Fixes the split, the initial weights, the batch order and the dropout masks: "
               "the same seed and settings train the same run again, also in the exported "
               "script (bit for bit on one machine). Learning-rate changes made mid-run are "
               "not replayed."),
            min=0, max=2**31 - 1, step=1),
    Setting("epoch_delay_ms", "training", "int", 50, N_("Pause between epochs"),
            N_("Slows training down so you can watch it (0 = full speed). Not part of the "
               "model."),
            min=0, max=1000, options=(0, 10, 25, 50, 100, 250, 500, 1000), unit="ms",
            live=True),
)

SETTINGS_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
LIVE_SETTINGS: tuple[str, ...] = tuple(s.name for s in SETTINGS if s.live)


def settings_for(architecture: str) -> tuple[Setting, ...]:
    """The settings a page for ``architecture`` ("mlp" or "cnn") shows, in table order."""
    return tuple(s for s in SETTINGS if architecture in s.architectures)


def check_value(setting: Setting, value: Any) -> Any:
    """Return ``value`` coerced to the setting's type, or raise ``ValueError``.

    The message names the field, the value given and what is allowed.
    """
    if setting.is_list:
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise ValueError(_("{name}: expected a list, got {value}").format(
                name=setting.name, value=repr(value)))
        items = tuple(value)
        if not setting.min_len <= len(items) <= setting.max_len:
            raise ValueError(_("{name}: {count} entries given, allowed {low} to {high}").format(
                name=setting.name, count=len(items), low=setting.min_len, high=setting.max_len))
        item_kind = setting.kind[: -len("_list")]
        return tuple(_check_scalar(setting, item_kind, v) for v in items)
    return _check_scalar(setting, setting.kind, value)


def _check_scalar(setting: Setting, kind: str, value: Any) -> Any:
    name = setting.name
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise ValueError(_("{name}: {value} is not true or false").format(
            name=name, value=repr(value)))
    if kind == "choice":
        if value in setting.choices:
            return value
        raise ValueError(_("{name}: {value} is not one of {choices}").format(
            name=name, value=repr(value), choices=", ".join(setting.choices)))
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise ValueError(_("{name}: {value} is not a whole number").format(
                name=name, value=repr(value)))
        value = int(value)
    elif kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(_("{name}: {value} is not a number").format(
                name=name, value=repr(value)))
        value = float(value)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(_("{name}: {value} is not a finite number").format(
                name=name, value=repr(value)))
    else:  # pragma: no cover - table error
        raise TypeError(f"unknown setting kind {kind!r}")
    if not setting.min <= value <= setting.max:
        raise ValueError(_("{name}: {value} is out of range, allowed {allowed}").format(
            name=name, value=repr(value), allowed=setting.range_text))
    return value
