import keras
import numpy as np
import pytest

from dl_core.config import Config, ModelConfig
from dl_core import models
from dl_core.models import build_model, layer_table, model_bytes
from dl_core.presets import PRESETS, apply_preset
from dl_core.settings import ACTIVATIONS, INITIALIZERS


def test_mlp_layers_and_parameter_counts():
    model = build_model(ModelConfig(hidden_units=(64, 32), activations=("relu", "tanh")))
    rows = {r["layer"]: r for r in layer_table(model)}
    assert rows["dense_1"]["parameters"] == 64 * 64 + 64
    assert rows["dense_2"]["output shape"] == (32,)
    assert rows["logits"]["parameters"] == 32 * 10 + 10
    assert model.count_params() == sum(r["parameters"] for r in rows.values())
    assert model.get_layer("act_2").activation is keras.activations.tanh


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_builds_and_outputs_probabilities(activation):
    model = build_model(ModelConfig(hidden_units=(8,), activations=(activation,)))
    probs = model(np.random.default_rng(0).random((3, 64), dtype=np.float32)).numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("initializer", INITIALIZERS)
def test_initializers(initializer):
    model = build_model(ModelConfig(initializer=initializer), seed=1)
    kernel = model.get_layer("dense_1").kernel.numpy()
    assert (np.all(kernel == 0)) == (initializer == "zeros")


def test_options_add_layers():
    model = build_model(ModelConfig(dropout=0.2, batch_norm=True, l2=1e-3))
    names = [layer.name for layer in model.layers]
    assert {"bn_1", "dropout_1", "bn_3", "dropout_3"} <= set(names)
    model(np.zeros((2, 64), np.float32))
    assert len(model.losses) == 3  # one L2 penalty per hidden kernel


def test_cnn_shapes():
    config = ModelConfig(architecture="cnn", conv_filters=(4, 6), conv_kernels=(3, 5),
                         conv_padding=("valid", "same"), conv_activations=("relu", "tanh"),
                         conv_pooling=("average", "none"), head_units=0)
    rows = {r["layer"]: r for r in layer_table(build_model(config))}
    assert rows["conv_1"]["output shape"] == (6, 6, 4)
    assert rows["conv_1"]["parameters"] == 3 * 3 * 1 * 4 + 4
    assert rows["pool_1"]["output shape"] == (3, 3, 4)
    assert rows["conv_2"]["output shape"] == (3, 3, 6)
    assert "dense_1" not in rows and rows["logits"]["parameters"] == 54 * 10 + 10


def test_seed_makes_weights_reproducible():
    a = build_model(ModelConfig(), seed=3).get_weights()
    b = build_model(ModelConfig(), seed=3).get_weights()
    c = build_model(ModelConfig(), seed=4).get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])


def test_seed_example_preset_is_the_article_network():
    config = apply_preset("mlp", "Seed example")
    model = build_model(config.model)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert [d.units for d in dense] == [10, 8, 10]
    assert config.model.activations == ("relu", "relu")
    t = config.training
    assert (t.optimizer, t.epochs, t.batch_size) == ("adam", 10, 32)
    assert config.data.validation_fraction == 0.2 and config.data.scale_inputs is False


@pytest.mark.parametrize("architecture", ["mlp", "cnn"])
def test_all_presets_are_valid(architecture):
    for name in PRESETS[architecture]:
        config = apply_preset(architecture, name)
        assert isinstance(config, Config) and config.model.architecture == architecture
    with pytest.raises(ValueError, match="preset"):
        apply_preset(architecture, "nope")


def test_model_bytes_round_trip(tmp_path):
    model = build_model(ModelConfig(hidden_units=(5,), activations=("relu",)), seed=0)
    path = tmp_path / "m.keras"
    path.write_bytes(model_bytes(model))
    loaded = keras.models.load_model(path)
    x = np.ones((1, 64), np.float32)
    np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), rtol=1e-6)


def test_seeded_builds_stay_reproducible_when_threads_build_at_once():
    from concurrent.futures import ThreadPoolExecutor

    expected = {seed: build_model(ModelConfig(), seed=seed).get_weights()[0] for seed in (1, 2)}
    with ThreadPoolExecutor(4) as pool:
        built = list(pool.map(lambda s: (s, build_model(ModelConfig(), seed=s).get_weights()[0]),
                              [1, 2] * 4))
    assert all(np.array_equal(w, expected[s]) for s, w in built)


@pytest.mark.parametrize("architecture", ["mlp", "cnn"])
def test_seeding_gives_the_weights_of_keras_set_random_seed(architecture):
    """build_model seeds without tf.random.set_seed; the weights and dropout seeds must
    be those a reader gets with keras.utils.set_random_seed (the exported script)."""
    config = ModelConfig(architecture=architecture, dropout=0.3)
    ours = build_model(config, seed=7)
    keras.utils.set_random_seed(7)
    theirs = models._build(config)
    for a, b in zip(ours.variables, theirs.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_building_a_model_keeps_tensorflows_caches(monkeypatch):
    """tf.random.set_seed clears every compiled function's instantiation process-wide:
    a Train click must not cost every other session's run a re-instantiation."""
    import tensorflow as tf

    def refuse(seed):
        raise AssertionError("tf.random.set_seed clears TensorFlow's caches")

    monkeypatch.setattr(tf.random, "set_seed", refuse)
    build_model(ModelConfig(), seed=3)
