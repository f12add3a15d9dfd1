"""Frozen configuration dataclasses built from the settings table, and the URL round trip.

Every field of ``DataConfig``, ``ModelConfig`` and ``TrainingConfig`` (but
``ModelConfig.architecture``) is a row of :data:`dl_core.settings.SETTINGS`; construction
validates each value and raises ``ValueError`` naming the field, the value and what is
allowed. :func:`from_query_params` never raises: it falls back to defaults with warnings.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

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
            raise ValueError(
                f"architecture: {self.architecture!r} is not one of {', '.join(ARCHITECTURES)}")
        super().__post_init__()
        for group in ("dense", "conv"):
            lengths = {s.name: len(getattr(self, s.name)) for s in SETTINGS
                       if s.layer_group == group}
            if len(set(lengths.values())) > 1:
                given = ", ".join(f"{k}={v}" for k, v in lengths.items())
                raise ValueError(f"per-layer settings must have one entry per layer: {given}")
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
            raise ValueError(
                f"conv block {i + 1}: a {kernel}x{kernel} kernel with 'valid' padding on a "
                f"{size}x{size} map leaves nothing; use 'same' padding or a smaller kernel")
        pooled = conv if pooling == "none" else conv // 2
        if pooled < 1:
            raise ValueError(
                f"conv block {i + 1}: 2x2 pooling on a {conv}x{conv} map leaves nothing; "
                "remove the pooling or a block")
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


def decode_value(setting: Setting, text: str) -> Any:
    """Parse URL text into a validated value; raises ``ValueError`` with a message."""
    if setting.is_list:
        items = [t.strip() for t in str(text).split(",")]
        kind = setting.kind[: -len("_list")]
        return check_value(setting, [_decode_scalar(setting, kind, t) for t in items])
    return check_value(setting, _decode_scalar(setting, setting.kind, str(text).strip()))


def _decode_scalar(setting: Setting, kind: str, text: str) -> Any:
    if kind == "bool":
        lowered = text.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{setting.name}: {text!r} is not true or false")
    if kind in ("int", "float"):
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{setting.name}: {text!r} is not a number") from None
        return number if kind == "float" else (int(number) if number == int(number) else number)
    return text


def to_query_params(config: Config) -> dict[str, str]:
    """Every setting the config's architecture uses, as URL-ready strings."""
    return {s.name: encode_value(s, config.get(s.name))
            for s in settings_for(config.model.architecture)}


def from_query_params(params: dict[str, str], architecture: str = "mlp"
                      ) -> tuple[Config, list[str]]:
    """Parse URL query parameters into a Config; never raises.

    Unknown keys, junk values and out-of-range numbers fall back to the default with one
    warning each. Returns ``(config, warnings)``.
    """
    if architecture not in ARCHITECTURES:
        architecture = "mlp"
    warnings: list[str] = []
    known = {s.name: s for s in settings_for(architecture)}
    values: dict[str, Any] = {}
    for key, text in dict(params or {}).items():
        setting = known.get(key)
        if setting is None:
            warnings.append(f"Unknown setting '{key}' in the link was ignored.")
            continue
        try:
            values[key] = decode_value(setting, text)
        except (ValueError, TypeError) as exc:
            warnings.append(f"{exc}; using the default {encode_value(setting, setting.default)}.")
    _align_layer_lists(values, known, warnings)
    try:
        return Config().replace(architecture=architecture, **values), warnings
    except ValueError as exc:  # e.g. a CNN whose maps shrink below 1x1
        warnings.append(f"{exc}; using the default architecture.")
        layered = {k: v for k, v in values.items() if not known[k].layer_group}
        try:
            return Config().replace(architecture=architecture, **layered), warnings
        except ValueError as exc2:  # pragma: no cover - every single value was checked
            warnings.append(f"{exc2}; using all defaults.")
            return Config().replace(architecture=architecture), warnings


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
                    warnings.append(f"{s.name}: {len(current)} entries for {length} layers; "
                                    f"using {encode_value(s, fixed)}.")
                values[s.name] = fixed
