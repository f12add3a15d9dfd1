"""Named starting points: each preset is a set of setting overrides on the defaults.

No TensorFlow here: the sidebar reads presets before anything is built. A preset's name is
its key (stable, in English); translate it where shown, with ``_(name)``.
"""

from __future__ import annotations

from dl_core.config import Config
from dl_core.i18n import N_, _

PRESETS: dict[str, dict] = {
    "mlp": {
        N_("Default"): {},
        N_("Seed example"): {
            # The article's network: Dense 10 relu, Dense 8 relu, Dense 10 softmax; Adam;
            # categorical cross-entropy; 10 epochs; batch 32; validation split 0.2; raw pixels.
            "hidden_units": (10, 8), "activations": ("relu", "relu"),
            "optimizer": "adam", "learning_rate": 0.001, "epochs": 10, "batch_size": 32,
            "validation_fraction": 0.2, "scale_inputs": False,
        },
        N_("Deep sigmoid (vanishing gradients)"): {
            "hidden_units": (32, 32, 32, 32, 32, 32), "activations": ("sigmoid",) * 6,
            "optimizer": "sgd", "learning_rate": 0.1, "epochs": 60,
        },
        N_("Deep ReLU (same depth, healthy gradients)"): {
            "hidden_units": (32, 32, 32, 32, 32, 32), "activations": ("relu",) * 6,
            "initializer": "he_normal", "optimizer": "sgd", "learning_rate": 0.1, "epochs": 60,
        },
        N_("Too high a learning rate (diverges)"): {
            "optimizer": "sgd", "learning_rate": 10.0, "epochs": 30,
            "activations": ("linear", "linear", "linear"),
        },
        N_("Regularized wide net"): {
            "hidden_units": (256, 128), "activations": ("relu", "relu"),
            "dropout": 0.3, "l2": 1e-4, "batch_norm": True,
        },
    },
    "cnn": {
        N_("Default"): {},
        N_("One small conv layer"): {
            "conv_filters": (4,), "conv_kernels": (3,), "conv_padding": ("same",),
            "conv_activations": ("relu",), "conv_pooling": ("max",), "head_units": 0,
        },
        N_("Three blocks, valid padding"): {
            "conv_filters": (8, 16, 32), "conv_kernels": (3, 3, 2),
            "conv_padding": ("valid", "same", "valid"), "conv_activations": ("relu",) * 3,
            "conv_pooling": ("none", "max", "none"),
        },
    },
}


def apply_preset(architecture: str, name: str) -> Config:
    """The config for preset ``name``: the defaults with the preset's overrides.

    Raises ``ValueError`` for an unknown preset.
    """
    presets = PRESETS.get(architecture, {})
    if name not in presets:
        raise ValueError(_("{name}: {value} is not one of {choices}").format(
            name="preset", value=repr(name), choices=", ".join(presets)))
    return Config().replace(architecture=architecture, **presets[name])
