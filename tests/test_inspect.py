"""dl_core.inspect against direct NumPy arithmetic and against known answers."""

import keras
import numpy as np
import pytest

from dl_core.config import DataConfig, ModelConfig
from dl_core.data import digit_from_drawing, load_digits_split
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


def test_digit_from_drawing():
    assert digit_from_drawing(np.zeros((100, 80, 4))) is None  # empty canvas: no prediction
    canvas = np.zeros((200, 300, 4), np.uint8)
    canvas[40:160, 140:160] = 255  # a vertical bar: a "1"
    digit = digit_from_drawing(canvas, pixel_max=16.0)
    assert digit.shape == (8, 8) and digit.max() == 16.0
    assert digit[:, 3:5].mean() > 4 * digit[:, [0, 7]].mean()  # centred, tall and thin
    split = load_digits_split(DataConfig(), 0)
    ones = split.x_train[split.y_train == 1].reshape(-1, 8, 8).mean(axis=0)
    assert np.corrcoef(ones.ravel(), digit.ravel() / 16)[0, 1] > 0.5
    with pytest.raises(ValueError, match="drawing"):
        digit_from_drawing(np.zeros((5, 5)))
