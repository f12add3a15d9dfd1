"""What a network costs: trainable parameters and floating-point operations per example
(issue 11's compute-cost figures; the pages do not show them yet).

Convention: a multiply-add counts as 2 FLOPs and a bias as 1 per output value, for the
forward pass of one example through Dense and Conv2D layers. Activations, pooling, batch
normalization, dropout and the softmax are left out: they are a few operations per value
against 2 x fan-in for the layers counted. Training costs about 3 times the forward pass.
No Streamlit here; works on any built Keras model.
"""

from __future__ import annotations

import math

import keras


def layer_flops(layer: keras.layers.Layer) -> int:
    """Forward FLOPs of one layer for one example (0 for the layers not counted)."""
    if isinstance(layer, keras.layers.Dense):
        fan_in, units = layer.kernel.shape
        return 2 * fan_in * units + units
    if isinstance(layer, keras.layers.Conv2D):
        height, width, fan_in, filters = layer.kernel.shape
        positions = math.prod(layer.output.shape[1:3])
        return positions * (2 * height * width * fan_in * filters + filters)
    return 0


def flops_per_example(model: keras.Model) -> int:
    """Forward FLOPs of ``model`` for one example (see the module's convention)."""
    return sum(layer_flops(layer) for layer in model.layers)


def trainable_parameters(model: keras.Model) -> int:
    return sum(math.prod(v.shape) for v in model.trainable_variables)
