"""Keras models built from a :class:`~dl_core.config.ModelConfig`.

Layers get stable names (``dense_1``, ``act_1``, ``conv_1``, ``pool_1``, ``logits``,
``output``) so pages and tests can find them. The model outputs class probabilities;
``logits`` is the layer before the softmax (used for saliency).
"""

from __future__ import annotations

import os
import random
import threading

import keras
import numpy as np
import tensorflow as tf

from dl_core.config import IMAGE_SIZE, NUM_CLASSES, ModelConfig


def _configure_threads() -> None:
    """One TensorFlow thread per op by default (DL_TF_THREADS overrides).

    These models are tiny: a second intra-op thread costs more in hand-offs than it saves
    (measured: MLP epoch 9.6 -> 8.4 ms, CNN 40 -> 27 ms on 2 cores), and it leaves a core
    for the page that draws the curves and for other sessions' runs.
    """
    threads = int(os.environ.get("DL_TF_THREADS", "1"))
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow already ran an op in this process: keep its setting
        pass


_configure_threads()

POOLING_LAYERS = {"max": keras.layers.MaxPooling2D, "average": keras.layers.AveragePooling2D}


# Seeding touches process-wide generators: build one model at a time, so that concurrent
# sessions cannot interleave their seeded builds.
_BUILD_LOCK = threading.Lock()


def build_model(config: ModelConfig, seed: int | None = None) -> keras.Model:
    """A new, untrained Keras model for ``config``; ``seed`` fixes the initial weights
    (the same weights as after ``keras.utils.set_random_seed(seed)``)."""
    with _BUILD_LOCK:
        if seed is not None:
            seed_keras(seed)
        return _build(config)


def seed_keras(seed: int) -> None:
    """What ``keras.utils.set_random_seed`` does, except ``tf.random.set_seed``.

    Keras draws initial weights and dropout seeds from its own seed generator, seeded from
    Python's ``random``; TensorFlow's global seed plays no part. Setting it clears
    TensorFlow's kernel and function caches for the whole process
    (``TFE_ContextClearCaches``): every Train click made every other session's compiled
    epoch re-instantiate, ~100 ms of CPU each. tests/test_models.py checks the weights
    against ``keras.utils.set_random_seed``.
    """
    try:  # Keras internals (keras.src): if a release moves them, seed the public way
        from keras.src.backend.common import global_state
        from keras.src.random import seed_generator
        from keras.src.utils import rng_utils

        attributes = (rng_utils.GLOBAL_RANDOM_SEED, seed_generator.GLOBAL_SEED_GENERATOR)
    except (ImportError, AttributeError):  # pragma: no cover - checked on Keras 3.15
        keras.utils.set_random_seed(seed)
        return
    global_state.set_global_attribute(attributes[0], seed)
    global_state.set_global_attribute(attributes[1], None)
    random.seed(seed)
    np.random.seed(seed)


def _build(config: ModelConfig) -> keras.Model:
    if config.architecture == "cnn":
        layers = [keras.Input((IMAGE_SIZE, IMAGE_SIZE, 1), name="image")] + _conv_layers(config)
        layers.append(keras.layers.Flatten(name="flatten"))
        head = (config.head_units,) if config.head_units else ()
        layers += _dense_layers(config, head, ("relu",) * len(head))
    else:
        layers = [keras.Input((IMAGE_SIZE * IMAGE_SIZE,), name="pixels")]
        layers += _dense_layers(config, config.hidden_units, config.activations)
    layers.append(keras.layers.Dense(NUM_CLASSES, kernel_initializer=_initializer(config),
                                     name="logits"))
    layers.append(keras.layers.Activation("softmax", name="output"))
    return keras.Sequential(layers, name=f"{config.architecture}_digits")


def _initializer(config: ModelConfig):
    return keras.initializers.get(config.initializer)


def _regularizer(config: ModelConfig):
    if config.l1 or config.l2:
        return keras.regularizers.L1L2(l1=config.l1, l2=config.l2)
    return None


def _dense_layers(config: ModelConfig, units, activations) -> list:
    layers = []
    for i, (n, activation) in enumerate(zip(units, activations), start=1):
        layers.append(keras.layers.Dense(
            n, kernel_initializer=_initializer(config), kernel_regularizer=_regularizer(config),
            name=f"dense_{i}"))
        if config.batch_norm:
            layers.append(keras.layers.BatchNormalization(name=f"bn_{i}"))
        layers.append(keras.layers.Activation(activation, name=f"act_{i}"))
        if config.dropout:
            layers.append(keras.layers.Dropout(config.dropout, name=f"dropout_{i}"))
    return layers


def _conv_layers(config: ModelConfig) -> list:
    layers = []
    blocks = zip(config.conv_filters, config.conv_kernels, config.conv_padding,
                 config.conv_activations, config.conv_pooling)
    for i, (filters, kernel, padding, activation, pooling) in enumerate(blocks, start=1):
        layers.append(keras.layers.Conv2D(
            filters, kernel, padding=padding, kernel_initializer=_initializer(config),
            kernel_regularizer=_regularizer(config), name=f"conv_{i}"))
        if config.batch_norm:
            layers.append(keras.layers.BatchNormalization(name=f"conv_bn_{i}"))
        layers.append(keras.layers.Activation(activation, name=f"conv_act_{i}"))
        if pooling != "none":
            layers.append(POOLING_LAYERS[pooling](2, name=f"pool_{i}"))
    return layers


def layer_table(model: keras.Model) -> list[dict]:
    """One row per layer: name, type, output shape (without the batch axis), parameters."""
    return [{"layer": layer.name, "type": type(layer).__name__,
             "output shape": tuple(layer.output.shape[1:]),
             "parameters": int(layer.count_params())}
            for layer in model.layers]


def model_bytes(model: keras.Model) -> bytes:
    """The model in Keras' native ``.keras`` format, as bytes (for a download)."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        return path.read_bytes()
