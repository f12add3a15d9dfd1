"""The exported Keras script repeats the playground's run: same seed, same numbers.

The Trainer (one compiled graph per epoch) and the script (plain ``model.fit`` on each
epoch's permuted data, ``shuffle=False``) start from the same weights, see the same batches
in the same order, draw the same dropout masks and use the same optimizer. With one
TensorFlow thread in both (the playground's default, and what the script sets) the final
weights are bit for bit equal here. With several threads the convolutions may add their
sums in another order: measured 1e-7 apart after 3 CNN epochs, which can flip an image or
two once batch norm and dropout amplify it, hence the small tolerances below.
"""

import subprocess
import sys

import numpy as np
import pytest

from dl_core.codegen import keras_script
from dl_core.config import Config

WEIGHT_CONFIGS = {
    "mlp-default": Config(),
    "mlp-dropout-bn-he": Config().replace(hidden_units=(20, 10), activations=("tanh", "elu"),
                                          dropout=0.2, batch_norm=True, l1=1e-4,
                                          initializer="he_normal", seed=12345),
    "cnn-default": Config().replace(architecture="cnn", seed=3),
    "cnn-no-head": Config().replace(architecture="cnn", head_units=0, conv_filters=(4, 4, 4),
                                    conv_kernels=(3, 2, 1), conv_padding=("same",) * 3,
                                    conv_activations=("relu",) * 3,
                                    conv_pooling=("average", "max", "none"),
                                    initializer="lecun_normal", dropout=0.3, batch_norm=True),
}


def _script_model(config: Config):
    """Run the exported script up to (not including) compile; return its model."""
    script = keras_script(config)
    head, found, _ = script.partition("\nmodel.compile(")
    assert found, "the script should compile its model after building it"
    namespace: dict = {"__name__": "exported"}
    exec(compile(head, "exported.py", "exec"), namespace)
    return namespace["model"]


@pytest.mark.parametrize("name", list(WEIGHT_CONFIGS))
def test_script_model_starts_from_the_app_weights(name):
    from dl_core.models import build_model

    config = WEIGHT_CONFIGS[name]
    app_model = build_model(config.model, seed=config.training.seed)
    script_model = _script_model(config)
    app_weights, script_weights = app_model.get_weights(), script_model.get_weights()
    assert [w.shape for w in script_weights] == [w.shape for w in app_weights]
    for app_w, script_w in zip(app_weights, script_weights):
        np.testing.assert_array_equal(script_w, app_w)


RUN_CONFIGS = {
    # small, default-like networks, so that the script's run stays a few seconds
    "mlp": Config().replace(hidden_units=(32, 16), activations=("relu", "tanh"), dropout=0.1,
                            epochs=5, seed=7),
    "cnn": Config().replace(architecture="cnn", conv_filters=(4, 8), head_units=16,
                            batch_norm=True, epochs=3, seed=11),
}

SAVE_WEIGHTS = "\nnp.savez('weights.npz', *model.get_weights())\n"


def _app_run(config: Config):
    from dl_core.training import Trainer

    trainer = Trainer(config)
    for _ in range(config.training.epochs):
        stats = trainer.train_epoch()
    predicted = trainer.test_probabilities_.argmax(axis=1)
    test_accuracy = float(np.mean(predicted == trainer.split.y_test))
    return stats.val_accuracy, test_accuracy, trainer.model.get_weights()


def _script_run(config: Config, folder):
    path = folder / "train.py"
    path.write_text(keras_script(config) + SAVE_WEIGHTS)
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                            timeout=300, cwd=folder)
    assert result.returncode == 0, result.stderr[-2000:]
    printed = dict(line.split(": ", 1) for line in result.stdout.splitlines()
                   if line.endswith(tuple("0123456789")) and ": " in line)
    saved = np.load(folder / "weights.npz")
    weights = [saved[f"arr_{i}"] for i in range(len(saved.files))]
    return float(printed["validation accuracy"]), float(printed["test accuracy"]), weights


@pytest.mark.parametrize("name", list(RUN_CONFIGS))
def test_exported_script_reproduces_the_app_run(name, tmp_path):
    config = RUN_CONFIGS[name]
    app_val, app_test, app_weights = _app_run(config)
    script_val, script_test, script_weights = _script_run(config, tmp_path)
    # One image is 0.35 (validation) / 0.28 (test) percentage points: 0.1 point means
    # "the same images right", up to the 4 printed digits.
    assert script_val == pytest.approx(app_val, abs=0.001)
    assert script_test == pytest.approx(app_test, abs=0.001)
    largest = max(float(np.abs(a - s).max()) for a, s in zip(app_weights, script_weights))
    assert largest < 1e-4, f"final weights differ by up to {largest:g}"
