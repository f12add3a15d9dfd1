"""Frozen configuration dataclasses built from the settings table, and the URL round trip.

Every field of ``DataConfig``, ``ModelConfig`` and ``TrainingConfig`` (but
``ModelConfig.architecture``) is a row of :data:`dl_core.settings.SETTINGS`; construction
validates each value and raises ``ValueError`` naming the field, the value and what is
allowed. :func:`from_query_params` never raises: it falls back to defaults with warnings.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from typing import Any

from dl_core.i18n import N_, _, mid_sentence
from dl_core.settings import SETTINGS, SETTINGS_BY_NAME, Setting, check_value, settings_for

ARCHITECTURES = ("mlp", "cnn")
IMAGE_SIZE = 8  # scikit-learn digits are 8x8
NUM_CLASSES = 10


def _default(name: str):
    return field(default=SETTINGS_BY_NAME[name].default)


class _Validated:
    """Mixin: validate every table-backed field after construction."""

    def __post_init__(self):
        for f in dataclasses.fields(self):
            setting = SETTINGS_BY_NAME.get(f.name)
            if setting is not None:
                object.__setattr__(self, f.name, check_value(setting, getattr(self, f.name)))


@dataclass(frozen=True)
class DataConfig(_Validated):
    scale_inputs: bool = _default("scale_inputs")
    validation_fraction: float = _default("validation_fraction")


@dataclass(frozen=True)
class ModelConfig(_Validated):
    architecture: str = "mlp"
    hidden_units: tuple = _default("hidden_units")
    activations: tuple = _default("activations")
    dropout: float = _default("dropout")
    l1: float = _default("l1")
    l2: float = _default("l2")
    batch_norm: bool = _default("batch_norm")
    initializer: str = _default("initializer")
    conv_filters: tuple = _default("conv_filters")
    conv_kernels: tuple = _default("conv_kernels")
    conv_padding: tuple = _default("conv_padding")
    conv_activations: tuple = _default("conv_activations")
    conv_pooling: tuple = _default("conv_pooling")
    head_units: int = _default("head_units")

    def __post_init__(self):
        if self.architecture not in ARCHITECTURES:
            raise ValueError(_("{name}: {value} is not one of {choices}").format(
                name="architecture", value=repr(self.architecture),
                choices=", ".join(ARCHITECTURES)))
        super().__post_init__()
        for group in ("dense", "conv"):
            lengths = {s.name: len(getattr(self, s.name)) for s in SETTINGS
                       if s.layer_group == group}
            if len(set(lengths.values())) > 1:
                given = ", ".join(f"{k}={v}" for k, v in lengths.items())
                raise ValueError(_("per-layer settings must have one entry per layer: "
                                   "{lengths}").format(lengths=given))
        if self.architecture == "cnn":
            conv_output_sizes(self)  # raises if a map shrinks below 1x1

    @property
    def num_layers(self) -> int:
        """Hidden layers (MLP) or conv blocks (CNN)."""
        return len(self.hidden_units if self.architecture == "mlp" else self.conv_filters)


@dataclass(frozen=True)
class TrainingConfig(_Validated):
    optimizer: str = _default("optimizer")
    learning_rate: float = _default("learning_rate")
    momentum: float = _default("momentum")
    nesterov: bool = _default("nesterov")
    batch_size: int = _default("batch_size")
    epochs: int = _default("epochs")
    seed: int = _default("seed")
    epoch_delay_ms: int = _default("epoch_delay_ms")


@dataclass(frozen=True)
class Config:
    """The whole experiment: ``.data``, ``.model``, ``.training``."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)

    def get(self, name: str) -> Any:
        return getattr(getattr(self, SETTINGS_BY_NAME[name].group), name)

    def replace(self, **changes) -> "Config":
        """A copy with settings changed by name (validated)."""
        parts = {"data": {}, "model": {}, "training": {}}
        for name, value in changes.items():
            if name == "architecture":
                parts["model"][name] = value
            else:
                parts[SETTINGS_BY_NAME[name].group][name] = value
        return Config(**{g: dataclasses.replace(getattr(self, g), **kw) if kw else getattr(self, g)
                         for g, kw in parts.items()})


def conv_output_sizes(model: ModelConfig) -> list[tuple[int, int]]:
    """Map size (after conv, after pooling) of each conv block for an 8x8 input.

    Raises ``ValueError`` naming the block when a map would shrink below 1x1.
    """
    size, sizes = IMAGE_SIZE, []
    for i, (kernel, padding, pooling) in enumerate(
            zip(model.conv_kernels, model.conv_padding, model.conv_pooling)):
        conv = size if padding == "same" else size - kernel + 1
        if conv < 1:
            raise ValueError(_(
                "conv block {block}: a {kernel}x{kernel} kernel with 'valid' padding on a "
                "{size}x{size} map leaves nothing; use 'same' padding or a smaller kernel"
            ).format(block=i + 1, kernel=kernel, size=size))
        pooled = conv if pooling == "none" else conv // 2
        if pooled < 1:
            raise ValueError(_(
                "conv block {block}: 2x2 pooling on a {size}x{size} map leaves nothing; "
                "remove the pooling or a block").format(block=i + 1, size=conv))
        sizes.append((conv, pooled))
        size = pooled
    return sizes


# --------------------------------------------------------------------------- URLs


def encode_value(setting: Setting, value: Any) -> str:
    if setting.is_list:
        return ",".join(_encode_scalar(v) for v in value)
    return _encode_scalar(value)


def _encode_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return format(value, ".10g")
    return str(value)


# A plain decimal number as links write it: no "inf", "nan", "0x10", "1_000" or non-ASCII digits.
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)
_SHOWN_CHARS = 40  # a longer value is cut in warnings


def _shown(text: Any) -> str:
    """``text`` quoted for a warning, unprintable characters escaped, cut to a readable length."""
    text = str(text)
    cut = text[:_SHOWN_CHARS]
    while len(repr(cut)) > _SHOWN_CHARS + 2:  # escapes such as \U0001f916 count too
        cut = cut[:-1]
    return repr(cut if cut == text else cut + "...")


def _one_text(setting: Setting, value: Any) -> str:
    """The text of one URL value. A list holds a key's repeated values: the last one counts,
    as in ``st.query_params[key]``. Other non-text values (numbers from code) become text."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError(_("{name}: no value given").format(name=setting.name))
        value = value[-1]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else str(value)


def decode_value(setting: Setting, text: Any) -> Any:
    """Parse URL text into a validated value.

    Raises ``ValueError`` with a message that starts with the setting's name, says what was
    given (cut to a readable length) and what is allowed.
    """
    text = _one_text(setting, text)
    if setting.is_list:
        if setting.min_len == 0 and not text.strip():  # e.g. no hidden layer at all
            return check_value(setting, [])
        items = [t.strip() for t in text.split(",")]
        if not setting.min_len <= len(items) <= setting.max_len:  # before parsing 10,000 items
            raise ValueError(_("{name}: {count} entries given, allowed {low} to {high}").format(
                name=setting.name, count=len(items), low=setting.min_len, high=setting.max_len))
        kind = setting.kind[: -len("_list")]
        return check_value(setting, [_decode_scalar(setting, kind, t) for t in items])
    return check_value(setting, _decode_scalar(setting, setting.kind, text.strip()))


def _decode_scalar(setting: Setting, kind: str, text: str) -> Any:
    name = setting.name
    if kind == "bool":
        lowered = text.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(_("{name}: {value} is not true or false").format(
            name=name, value=_shown(text)))
    if kind == "choice":
        if text in setting.choices:
            return text
        raise ValueError(_("{name}: {value} is not one of {choices}").format(
            name=name, value=_shown(text), choices=", ".join(setting.choices)))
    if not _NUMBER.fullmatch(text):
        raise ValueError(_("{name}: {value} is not a number").format(
            name=name, value=_shown(text)))
    number = float(text) + 0.0  # "1e999" overflows to inf; + 0.0 turns "-0" into 0
    # Range first: int(inf) would raise OverflowError and a 300-digit int reads badly.
    if not (math.isfinite(number) and setting.min <= number <= setting.max):
        raise ValueError(_("{name}: {value} is out of range, allowed {allowed}").format(
            name=name, value=_shown(text), allowed=setting.range_text))
    return int(number) if kind == "int" and number.is_integer() else number


def to_query_params(config: Config) -> dict[str, str]:
    """Every setting the config's architecture uses, as URL-ready strings."""
    return {s.name: encode_value(s, config.get(s.name))
            for s in settings_for(config.model.architecture)}


def from_query_params(params: dict[str, Any], architecture: str = "mlp"
                      ) -> tuple[Config, list[str]]:
    """Parse URL query parameters into a Config; never raises.

    ``params`` maps a key to its text (``dict(st.query_params)``) or to the list of its
    repeated values (``parse_qs``; the last one counts). Unknown keys, junk, overflowing or
    out-of-range values fall back to the default with one warning each, which names the key.
    Returns ``(config, warnings)``.
    """
    if not isinstance(architecture, str) or architecture not in ARCHITECTURES:
        architecture = "mlp"
    try:
        items = list(dict(params or {}).items())
    except (TypeError, ValueError):  # not a mapping at all
        return (Config().replace(architecture=architecture),
                [_("The link's settings could not be read ({kind}); using the "
                   "defaults.").format(kind=type(params).__name__)])
    known = {s.name: s for s in settings_for(architecture)}
    values, warnings = _decode_params(items, known)
    try:
        return Config().replace(architecture=architecture, **values), warnings
    except ValueError as exc:  # e.g. a CNN whose maps shrink below 1x1
        ignored = [k for k in values if known[k].layer_group and k in dict(items)]
        names = ", ".join(ignored) or _("layers")
        warnings.append(_("{problem}; using the default layers instead of the link's {names}.")
                        .format(problem=exc, names=names))
        layered = {k: v for k, v in values.items() if not known[k].layer_group}
        try:
            return Config().replace(architecture=architecture, **layered), warnings
        except ValueError as exc2:  # pragma: no cover - every single value was checked
            warnings.append(_("{problem}; using all defaults.").format(problem=exc2))
            return Config().replace(architecture=architecture), warnings


def _decode_params(items: list, known: dict[str, Setting]) -> tuple[dict, list[str]]:
    """The decoded values of the good keys, per-layer lists aligned, and one warning per
    bad key."""
    warnings: list[str] = []
    values: dict[str, Any] = {}
    repeated: dict[str, int] = {}  # keys given several times with different values
    for key, text in items:
        setting = known.get(key) if isinstance(key, str) else None
        if setting is None:
            warnings.append(_("Unknown setting {key} in the link was ignored.").format(
                key=_shown(key)))
            continue
        try:
            values[key] = decode_value(setting, text)
        except (ValueError, TypeError, OverflowError) as exc:
            warnings.append(fallback_message(setting, exc))
            continue
        if isinstance(text, (list, tuple)) and len(set(map(str, text))) > 1:
            repeated[key] = len(text)
    _align_layer_lists(values, known, warnings)
    for key, count in repeated.items():  # unless a length warning already says the value
        if not any(w.startswith(f"{key}: ") for w in warnings):
            value = encode_value(known[key], values[key])
            warnings.append(_("{name}: given {count} times with different values; using the "
                              "last, {value}.").format(name=key, count=count, value=value))
    return values, warnings


def fallback_message(setting: Setting, exc: Exception) -> str:
    """One warning for a bad value: what was wrong, named by the setting, and the default."""
    message = str(exc)
    if not message.startswith(f"{setting.name}:"):
        message = f"{setting.name}: {message}"
    return _("{problem}; using the default {value}.").format(
        problem=message, value=encode_value(setting, setting.default) or _("(none)"))


def _align_layer_lists(values: dict, known: dict, warnings: list[str]) -> None:
    """Make per-layer lists of one group equally long, padding with the last entry."""
    for group in ("dense", "conv"):
        members = [s for s in known.values() if s.layer_group == group]
        if not members:
            continue
        lists = {s.name: values.get(s.name, s.default) for s in members}
        length = len(lists[members[0].name])  # the first list (units / filters) decides
        for s in members[1:]:
            current = lists[s.name]
            if len(current) != length:
                fixed = tuple(current[:length]) + (current[-1],) * (length - len(current))
                if s.name in values:  # given in the link but of the wrong length
                    warning = _("{name}: {count} entries for {layers} layers; using {value}.")
                    warnings.append(warning.format(name=s.name, count=len(current),
                                                   layers=length, value=encode_value(s, fixed)))
                values[s.name] = fixed


# --------------------------------------------------------------------------- comparing


@dataclass(frozen=True)
class SettingChange:
    """One setting that differs between two configs, for messages like "seed 0 → 1"."""

    name: str
    label: str
    before: str
    after: str
    live: bool  # a running Trainer could take the new value on the fly

    def __str__(self) -> str:
        return f"{mid_sentence(_(self.label))} {self.before} → {self.after}"


def differences(old: Config, new: Config) -> list[SettingChange]:
    """The settings (in table order) whose values differ from ``old`` to ``new``.

    Only the settings the architectures use are compared; a change of architecture is
    reported as one change.
    """
    if old.model.architecture != new.model.architecture:
        return [SettingChange("architecture", N_("Architecture"), old.model.architecture,
                              new.model.architecture, live=False)]
    return [SettingChange(s.name, s.label, encode_value(s, old.get(s.name)),
                          encode_value(s, new.get(s.name)), s.live)
            for s in settings_for(old.model.architecture)
            if old.get(s.name) != new.get(s.name)]


def describe(config: Config) -> str:
    """A one-line summary of what is trained: layers, optimizer, rate, batch, seed."""
    m, t = config.model, config.training
    if m.architecture == "cnn":
        layers = "CNN " + "-".join(f"{f}x{k}" for f, k in zip(m.conv_filters, m.conv_kernels))
        if m.head_units:
            layers = _("{layers} + dense {units}").format(layers=layers, units=m.head_units)
    else:
        acts = sorted(set(m.activations))
        layers = "MLP " + "-".join(map(str, m.hidden_units)) + " " + "/".join(acts)
    return _("{layers} · {optimizer} lr {rate:g} · batch {batch} · seed {seed}").format(
        layers=layers, optimizer=t.optimizer, rate=t.learning_rate, batch=t.batch_size,
        seed=t.seed)
