import random
import string

import pytest

from dl_core.config import (Config, DataConfig, ModelConfig, TrainingConfig, conv_output_sizes,
                            from_query_params, to_query_params)
from dl_core.settings import SETTINGS, check_value


def test_defaults_from_empty_params():
    config, warnings = from_query_params({})
    assert config == Config() and warnings == []
    assert (config.data, config.model, config.training) == (DataConfig(), ModelConfig(),
                                                            TrainingConfig())


@pytest.mark.parametrize("field, value, fragment", [
    ("learning_rate", 20.0, "allowed 1e-05 to 10"),
    ("epochs", 0, "allowed 1 to 1000"),
    ("optimizer", "lbfgs", "not one of sgd"),
    ("batch_size", 3.5, "not a whole number"),
    ("learning_rate", float("nan"), "not a finite number"),
])
def test_bad_values_name_field_value_and_range(field, value, fragment):
    with pytest.raises(ValueError) as info:
        TrainingConfig(**{field: value})
    assert field in str(info.value) and fragment in str(info.value)
    assert repr(value) in str(info.value) or str(value) in str(info.value)


def test_layer_lists_must_match_and_respect_bounds():
    with pytest.raises(ValueError, match="one entry per layer"):
        ModelConfig(hidden_units=(10, 8), activations=("relu",))
    with pytest.raises(ValueError, match="7 entries given, allowed 1 to 6"):
        ModelConfig(hidden_units=(4,) * 7, activations=("relu",) * 7)
    with pytest.raises(ValueError, match="hidden_units: 300 is out of range"):
        ModelConfig(hidden_units=(300,), activations=("relu",))


def test_cnn_shapes_checked_before_training():
    ok = ModelConfig(architecture="cnn")
    assert conv_output_sizes(ok) == [(8, 4), (4, 4)]
    with pytest.raises(ValueError, match="conv block 2: a 5x5 kernel"):
        ModelConfig(architecture="cnn", conv_filters=(4, 4, 4), conv_kernels=(5, 5, 5),
                    conv_padding=("valid",) * 3, conv_activations=("relu",) * 3,
                    conv_pooling=("none", "none", "none"))
    with pytest.raises(ValueError, match="conv block 3: 2x2 pooling on a 1x1 map"):
        ModelConfig(architecture="cnn", conv_filters=(4, 4, 4), conv_kernels=(5, 3, 3),
                    conv_padding=("valid", "same", "same"), conv_activations=("relu",) * 3,
                    conv_pooling=("max", "max", "max"))


def _random_value(setting, rng):
    if setting.kind == "bool":
        return rng.random() < 0.5
    if setting.kind == "choice":
        return rng.choice(setting.choices)
    if setting.options:
        return rng.choice(setting.options)
    if setting.kind == "int":
        return rng.randint(int(setting.min), int(min(setting.max, 10_000)))
    return round(rng.uniform(setting.min, setting.max), 4)


@pytest.mark.parametrize("architecture", ["mlp", "cnn"])
def test_url_round_trip_of_random_configs(architecture):
    rng = random.Random(7)
    for _ in range(50):
        values = {s.name: _random_value(s, rng) for s in SETTINGS
                  if not s.is_list and architecture in s.architectures}
        n = rng.randint(1, 3 if architecture == "cnn" else 6)
        if architecture == "mlp":
            values["hidden_units"] = tuple(rng.randint(1, 256) for _ in range(n))
            values["activations"] = tuple(rng.choice(["relu", "gelu", "tanh"]) for _ in range(n))
        else:
            values.update(conv_filters=(4,) * n, conv_kernels=(3,) * n,
                          conv_padding=("same",) * n, conv_activations=("elu",) * n,
                          conv_pooling=("none",) * n)
        config = Config().replace(architecture=architecture, **values)
        params = to_query_params(config)
        assert all(isinstance(v, str) for v in params.values())
        restored, warnings = from_query_params(params, architecture)
        assert warnings == [] and restored == config


def test_junk_falls_back_with_one_warning_each():
    config, warnings = from_query_params({
        "learning_rate": "fast", "epochs": "99999", "optimizer": "magic", "bogus": "1",
        "hidden_units": "10,x", "scale_inputs": "maybe"})
    assert config == Config()
    assert len(warnings) == 6
    assert any("bogus" in w for w in warnings) and any("99999" in w for w in warnings)


def test_mismatched_layer_lists_are_repaired_with_a_warning():
    config, warnings = from_query_params({"hidden_units": "10,8,6", "activations": "tanh"})
    assert config.model.hidden_units == (10, 8, 6)
    assert config.model.activations == ("tanh", "tanh", "tanh")
    assert len(warnings) == 1
    config, warnings = from_query_params({"hidden_units": "10,8"})  # activations not given
    assert config.model.activations == ("relu", "relu") and warnings == []


def test_from_query_params_never_raises_on_random_junk():
    rng = random.Random(3)
    names = [s.name for s in SETTINGS] + ["x", ""]
    alphabet = string.printable
    for _ in range(300):
        params = {rng.choice(names): "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
                  for _ in range(rng.randint(0, 6))}
        for architecture in ("mlp", "cnn", "nonsense"):
            config, warnings = from_query_params(params, architecture)
            assert isinstance(config, Config) and isinstance(warnings, list)


def test_impossible_cnn_in_url_falls_back_to_default_architecture():
    config, warnings = from_query_params(
        {"conv_kernels": "5,5", "conv_padding": "valid,valid", "epochs": "7"}, "cnn")
    assert config.model == ModelConfig(architecture="cnn")
    assert config.training.epochs == 7
    assert any("leaves nothing" in w for w in warnings)


def test_check_value_coerces():
    lr = next(s for s in SETTINGS if s.name == "learning_rate")
    assert check_value(lr, 1) == 1.0 and isinstance(check_value(lr, 1), float)
