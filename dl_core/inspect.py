"""What a convolutional network sees: feature maps, kernels, one convolution's arithmetic,
saliency (input gradients) and occlusion maps, top predictions.

Functions take any Keras model made of Conv2D, activation and pooling layers (plus a dense
head), not only the playground's, and one image of shape (height, width, channels).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from dl_core.i18n import _

ACTIVATION_LAYERS = (keras.layers.Activation, keras.layers.ReLU, keras.layers.LeakyReLU,
                     keras.layers.ELU, keras.layers.PReLU, keras.layers.Softmax)
POOLING_LAYERS = (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)
MAP_LAYERS = (keras.layers.Conv2D, *ACTIVATION_LAYERS, *POOLING_LAYERS)


def _batch(image) -> tf.Tensor:
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 3:
        raise ValueError(_("image: shape {shape}, expected (height, width, channels)")
                         .format(shape=image.shape))
    return tf.constant(image[None])


def _layer_outputs(model: keras.Model, image) -> list[tuple[keras.layers.Layer, np.ndarray]]:
    """Every layer's output for one image, in order (the layers applied one by one)."""
    x = _batch(image)
    outputs = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        x = layer(x, training=False)
        outputs.append((layer, x))
    return outputs


def feature_maps(model: keras.Model, image) -> list[tuple[str, np.ndarray]]:
    """``(layer_name, values)`` for every Conv2D, activation and pooling layer with a spatial
    output, in layer order; ``values`` has shape (height, width, channels) for this image."""
    if not isinstance(model, keras.Sequential):
        chosen = [layer for layer in model.layers if isinstance(layer, MAP_LAYERS)]
        probe = keras.Model(model.inputs, [layer.output for layer in chosen])
        values = probe(_batch(image), training=False)
        values = values if isinstance(values, (list, tuple)) else [values]
        pairs = zip(chosen, values)
    else:
        pairs = ((layer, out) for layer, out in _layer_outputs(model, image)
                 if isinstance(layer, MAP_LAYERS))
    return [(layer.name, np.asarray(v)[0]) for layer, v in pairs if len(v.shape) == 4]


def conv_kernels(model: keras.Model) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Conv2D layer name -> (kernel of shape (k, k, in, out), bias of shape (out,))."""
    result = {}
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            bias = layer.bias.numpy() if layer.use_bias else np.zeros(layer.filters, np.float32)
            result[layer.name] = (layer.kernel.numpy(), bias)
    return result


@dataclass(frozen=True)
class ConvolutionStep:
    """The arithmetic behind one cell of one feature map (stride 1)."""

    layer: str
    filter_index: int
    row: int
    col: int
    patch: np.ndarray  # (k, k, in_channels) the input window, zero-padded at the border
    kernel: np.ndarray  # (k, k, in_channels)
    products: np.ndarray  # patch * kernel, element-wise
    bias: float
    total: float  # products.sum() + bias: the conv map's cell
    map_value: float  # the same cell as the model computed it

    @property
    def channel_sums(self) -> np.ndarray:
        """What each input channel adds to the cell: ``patch_c · kernel_c``, shape (in_channels,).

        ``channel_sums.sum() + bias == total``: a multi-channel convolution is one 2D
        correlation per input channel, summed.
        """
        return self.products.sum(axis=(0, 1))


def same_padding(kernel_size: int) -> tuple[int, int]:
    """Zeros added before and after each axis by 'same' padding at stride 1."""
    total = kernel_size - 1
    return total // 2, total - total // 2


def output_size(input_size: int, kernel_size: int, padding: str, stride: int = 1) -> int:
    """floor((n + p_total - k) / s) + 1, with p_total = k - 1 for 'same', 0 for 'valid'."""
    pad = kernel_size - 1 if padding == "same" else 0
    return (input_size + pad - kernel_size) // stride + 1


def convolution_step(model: keras.Model, image, layer_name: str, filter_index: int,
                     row: int, col: int) -> ConvolutionStep:
    """Input patch, kernel, products and sum + bias for output cell (row, col) of a filter."""
    layer = model.get_layer(layer_name)
    if not isinstance(layer, keras.layers.Conv2D) or tuple(layer.strides) != (1, 1):
        raise ValueError(_("layer: {layer!r} is not a stride-1 Conv2D layer")
                         .format(layer=layer_name))
    x, inputs = _batch(image)[0].numpy(), None
    for current, out in _layer_outputs(model, image):
        if current is layer:
            inputs, result = x, np.asarray(out)[0]
            break
        x = np.asarray(out)[0]
    kernel, bias = conv_kernels(model)[layer_name]
    k = kernel.shape[0]
    if not 0 <= filter_index < kernel.shape[3]:
        raise ValueError(_("filter_index: {index} is out of range, allowed 0 to {last}")
                         .format(index=filter_index, last=kernel.shape[3] - 1))
    if not (0 <= row < result.shape[0] and 0 <= col < result.shape[1]):
        raise ValueError(_("position ({row}, {col}) is outside the {rows}x{cols} map")
                         .format(row=row, col=col, rows=result.shape[0], cols=result.shape[1]))
    if layer.padding == "same":
        before, after = same_padding(k)
        inputs = np.pad(inputs, ((before, after), (before, after), (0, 0)))
    patch = inputs[row:row + k, col:col + k, :]
    w = kernel[:, :, :, filter_index]
    products = patch * w
    total = float(products.sum() + bias[filter_index])
    return ConvolutionStep(layer_name, filter_index, row, col, patch, w, products,
                           float(bias[filter_index]), total, float(result[row, col, filter_index]))


def _score_model(model: keras.Model) -> keras.Model:
    """The model up to the class scores: the softmax is dropped when it is a layer of its own."""
    last = model.layers[-1]
    is_softmax = isinstance(last, keras.layers.Softmax) or (
        isinstance(last, keras.layers.Activation) and last.activation is keras.activations.softmax)
    if is_softmax and len(model.layers) > 1:
        return keras.Model(model.inputs, model.layers[-2].output)
    return model


def saliency(model: keras.Model, image, class_index: int) -> np.ndarray:
    """d(class score)/d(input pixel), same shape as ``image`` (the score is the logit when the
    model ends in a separate softmax layer)."""
    x = tf.Variable(_batch(image))
    with tf.GradientTape() as tape:
        score = _score_model(model)(x, training=False)[0, class_index]
    return tape.gradient(score, x).numpy()[0]


def occlusion(model: keras.Model, image, class_index: int, patch: int = 2,
              fill: float = 0.0) -> np.ndarray:
    """Drop of the class probability when a patch x patch square is blanked, per pixel.

    Each pixel gets the mean drop of every square covering it; shape (height, width).
    """
    image = np.asarray(image, dtype=np.float32)
    h, w = image.shape[:2]
    positions = [(r, c) for r in range(h - patch + 1) for c in range(w - patch + 1)]
    batch = np.repeat(image[None], len(positions) + 1, axis=0)
    for i, (r, c) in enumerate(positions, start=1):
        batch[i, r:r + patch, c:c + patch, :] = fill
    probs = np.asarray(model(batch, training=False))[:, class_index]
    drops, counts = np.zeros((h, w)), np.zeros((h, w))
    for (r, c), p in zip(positions, probs[1:]):
        drops[r:r + patch, c:c + patch] += probs[0] - p
        counts[r:r + patch, c:c + patch] += 1
    return drops / np.maximum(counts, 1)


def top_k(model: keras.Model, image, k: int = 3) -> list[tuple[int, float]]:
    """The k most probable classes with their probabilities, most probable first."""
    probs = np.asarray(model(_batch(image), training=False))[0]
    order = np.argsort(-probs)[:k]
    return [(int(i), float(probs[i])) for i in order]
