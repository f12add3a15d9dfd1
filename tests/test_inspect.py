"""dl_core.inspect against direct NumPy arithmetic and against known answers."""

import keras
import numpy as np
import pytest

from dl_core.config import ModelConfig
from dl_core.inspect import (conv_kernels, convolution_step, feature_maps, occlusion,
                             output_size, saliency, same_padding, top_k)
from dl_core.models import build_model


def correlate(image, kernel, bias, padding):
    """Direct cross-correlation, stride 1: (h, w, cin) * (k, k, cin, cout)."""
    k = kernel.shape[0]
    if padding == "same":
        before, after = same_padding(k)
        image = np.pad(image, ((before, after), (before, after), (0, 0)))
    h, w = image.shape[0] - k + 1, image.shape[1] - k + 1
    out = np.zeros((h, w, kernel.shape[3]))
    for r in range(h):
        for c in range(w):
            out[r, c] = np.tensordot(image[r:r + k, c:c + k, :], kernel, axes=3) + bias
    return out


def pool(x, kind):
    h, w = x.shape[0] // 2, x.shape[1] // 2
    blocks = x[:2 * h, :2 * w].reshape(h, 2, w, 2, -1)
    return blocks.max(axis=(1, 3)) if kind == "max" else blocks.mean(axis=(1, 3))


ACT = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "linear": lambda z: z}


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("pooling", ["max", "average", "none"])
@pytest.mark.parametrize("kernel", [2, 3, 4])
def test_feature_maps_match_numpy(padding, pooling, kernel):
    config = ModelConfig(architecture="cnn", conv_filters=(3, 4), conv_kernels=(kernel, 2),
                         conv_padding=(padding, "same"), conv_activations=("relu", "tanh"),
                         conv_pooling=(pooling, "none"), head_units=0)
    model = build_model(config, seed=1)
    image = np.random.default_rng(0).random((8, 8, 1)).astype(np.float32)
    maps = dict(feature_maps(model, image))
    names = [name for name, _ in feature_maps(model, image)]
    expected_names = ["conv_1", "conv_act_1"] + (["pool_1"] if pooling != "none" else []) + \
        ["conv_2", "conv_act_2"]
    assert names == expected_names
    kernels = conv_kernels(model)
    x = correlate(image, *kernels["conv_1"], padding)
    np.testing.assert_allclose(maps["conv_1"], x, atol=1e-5)
    x = ACT["relu"](x)
    np.testing.assert_allclose(maps["conv_act_1"], x, atol=1e-5)
    if pooling != "none":
        x = pool(x, pooling)
        np.testing.assert_allclose(maps["pool_1"], x, atol=1e-5)
    x = correlate(x, *kernels["conv_2"], "same")
    np.testing.assert_allclose(maps["conv_2"], x, atol=1e-5)
    np.testing.assert_allclose(maps["conv_act_2"], np.tanh(x), atol=1e-5)


def test_feature_maps_work_on_any_keras_model():
    inputs = keras.Input((6, 6, 2))
    x = keras.layers.Conv2D(3, 3, name="c")(inputs)
    x = keras.layers.ReLU(name="r")(x)
    x = keras.layers.AveragePooling2D(2, name="p")(x)
    outputs = keras.layers.Dense(2)(keras.layers.Flatten()(x))
    model = keras.Model(inputs, outputs)
    image = np.random.default_rng(1).random((6, 6, 2)).astype(np.float32)
    maps = feature_maps(model, image)
    assert [name for name, _ in maps] == ["c", "r", "p"]
    assert maps[0][1].shape == (4, 4, 3) and maps[2][1].shape == (2, 2, 3)
    np.testing.assert_allclose(maps[0][1], correlate(image, *conv_kernels(model)["c"], "valid"),
                               atol=1e-5)
    seq = keras.Sequential([keras.layers.Conv2D(2, 3, padding="same", activation="relu")])
    assert feature_maps(seq, image)[0][1].shape == (6, 6, 2)  # built on first call


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_convolution_step_equals_the_map_cell(padding):
    config = ModelConfig(architecture="cnn", conv_filters=(2, 3), conv_kernels=(3, 3),
                         conv_padding=(padding, padding), conv_activations=("relu", "relu"),
                         conv_pooling=("none", "none"), head_units=0)
    model = build_model(config, seed=2)
    image = np.random.default_rng(2).random((8, 8, 1)).astype(np.float32)
    maps = dict(feature_maps(model, image))
    for layer, f, r, c in [("conv_1", 1, 0, 0), ("conv_1", 0, 3, 5), ("conv_2", 2, 0, 3)]:
        step = convolution_step(model, image, layer, f, r, c)
        assert step.total == pytest.approx(step.map_value, abs=1e-5)
        assert step.map_value == pytest.approx(float(maps[layer][r, c, f]), abs=1e-6)
        assert step.patch.shape == step.kernel.shape == step.products.shape
    with pytest.raises(ValueError, match="outside"):
        convolution_step(model, image, "conv_1", 0, 8, 0)
    with pytest.raises(ValueError, match="not a stride-1 Conv2D"):
        convolution_step(model, image, "conv_act_1", 0, 0, 0)


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_convolution_step_channel_sums_add_up_to_the_map_cell(padding):
    """conv_2 reads 8 channels: each channel's patch · kernel (NumPy, from the NumPy-computed
    input of the layer) plus the bias must be the model's own conv_2 value."""
    config = ModelConfig(architecture="cnn", conv_filters=(8, 5), conv_kernels=(3, 3),
                         conv_padding=("same", padding), conv_activations=("relu", "relu"),
                         conv_pooling=("max", "none"), head_units=0)
    model = build_model(config, seed=3)
    rng = np.random.default_rng(5)
    for name in ("conv_1", "conv_2"):  # a fresh model's biases are all zero: make them count
        layer = model.get_layer(name)
        layer.bias.assign(rng.normal(0, 0.3, layer.bias.shape).astype(np.float32))
    image = rng.random((8, 8, 1)).astype(np.float32)
    kernels = conv_kernels(model)
    x = pool(ACT["relu"](correlate(image, *kernels["conv_1"], "same")), "max")  # conv_2's input
    kernel, bias = kernels["conv_2"]
    if padding == "same":
        x = np.pad(x, ((1, 1), (1, 1), (0, 0)))
    model_maps = dict(feature_maps(model, image))["conv_2"]
    for f, r, c in [(0, 0, 0), (4, 1, 1), (2, model_maps.shape[0] - 1, 0)]:
        step = convolution_step(model, image, "conv_2", f, r, c)
        window = x[r:r + 3, c:c + 3, :]
        expected = [float(np.sum(window[:, :, ch] * kernel[:, :, ch, f])) for ch in range(8)]
        assert step.channel_sums.shape == (8,)
        np.testing.assert_allclose(step.channel_sums, expected, atol=1e-5)
        assert float(np.sum(expected)) + bias[f] == pytest.approx(float(model_maps[r, c, f]),
                                                                abs=1e-5)
        assert step.channel_sums.sum() + step.bias == pytest.approx(step.map_value, abs=1e-5)
        assert step.bias == pytest.approx(float(bias[f])) and bias[f] != 0
        assert len(set(np.round(expected, 6))) > 1  # the channels really differ


def test_output_size_formula():
    assert output_size(8, 3, "valid") == 6 and output_size(8, 3, "same") == 8
    assert output_size(8, 4, "same") == 8 and output_size(8, 2, "valid", stride=2) == 4
    assert same_padding(3) == (1, 1) and same_padding(4) == (1, 2)


def test_saliency_of_a_linear_model_is_its_weights():
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, name="logits"),
                              keras.layers.Activation("softmax")])
    image = np.random.default_rng(3).random((8, 8, 1)).astype(np.float32)
    weights = model.get_layer("logits").kernel.numpy()
    for c in (0, 7):
        np.testing.assert_allclose(saliency(model, image, c).reshape(64), weights[:, c], atol=1e-6)


def test_occlusion_and_top_k():
    model = build_model(ModelConfig(architecture="cnn"), seed=0)
    image = np.random.default_rng(4).random((8, 8, 1)).astype(np.float32)
    best = top_k(model, image, 3)
    assert len(best) == 3 and best[0][1] >= best[1][1] >= best[2][1]
    heat = occlusion(model, image, best[0][0], patch=2)
    assert heat.shape == (8, 8) and np.isfinite(heat).all()
    # occluding a blank image changes nothing
    assert np.allclose(occlusion(model, np.zeros((8, 8, 1), np.float32), 3), 0, atol=1e-6)
