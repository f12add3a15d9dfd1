"""The current configuration as a standalone Keras script (plain ``model.fit``).

The script needs only scikit-learn and TensorFlow/Keras, loads the same split with the
same seed, builds the same layers and prints its test accuracy, like the article's listing.
"""

from __future__ import annotations

from dl_core.config import Config, ModelConfig
from dl_core.data import RAW_PIXEL_MAX, TEST_FRACTION

_OPTIMIZER_CALLS = {
    "sgd": "keras.optimizers.SGD(learning_rate={lr}, momentum={momentum}, nesterov={nesterov})",
    "rmsprop": "keras.optimizers.RMSprop(learning_rate={lr}, momentum={momentum})",
    "adam": "keras.optimizers.Adam(learning_rate={lr})",
    "adamw": "keras.optimizers.AdamW(learning_rate={lr})",
    "adagrad": "keras.optimizers.Adagrad(learning_rate={lr})",
    "adadelta": "keras.optimizers.Adadelta(learning_rate={lr})",
    "nadam": "keras.optimizers.Nadam(learning_rate={lr})",
}

_TEMPLATE = '''"""Train {title} on scikit-learn's 8x8 handwritten digits.

Exported from the deep-learning playground; run with: python {filename}
"""

import keras
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

SEED = {seed}
keras.utils.set_random_seed(SEED)

# Data: 1,797 images of 8x8 pixels with values 0-16.
digits = load_digits()
x = digits.data.astype("float32"){scale}
y = digits.target
x_rest, x_test, y_rest, y_test = train_test_split(
    x, y, test_size={test_fraction}, stratify=y, random_state=SEED)
x_train, x_val, y_train, y_val = train_test_split(
    x_rest, y_rest, test_size={validation_fraction}, stratify=y_rest, random_state=SEED){reshape}

# Model
model = keras.Sequential([
{layers}
])
model.summary()

model.compile(
    optimizer={optimizer},
    loss="sparse_categorical_crossentropy",  # categorical cross-entropy on integer labels
    metrics=["accuracy"],
)
history = model.fit(
    x_train, y_train, validation_data=(x_val, y_val),
    epochs={epochs}, batch_size={batch_size}, verbose=2,
)
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy: {{test_accuracy:.4f}}")
'''


def keras_script(config: Config) -> str:
    """A runnable Python script that trains ``config``'s model with ``model.fit``."""
    m, t, d = config.model, config.training, config.data
    cnn = m.architecture == "cnn"
    optimizer = _OPTIMIZER_CALLS[t.optimizer].format(
        lr=_num(t.learning_rate), momentum=_num(t.momentum), nesterov=t.nesterov)
    return _TEMPLATE.format(
        title="a convolutional network" if cnn else "a multilayer perceptron",
        filename="train_cnn.py" if cnn else "train_mlp.py",
        seed=t.seed,
        scale=f" / {RAW_PIXEL_MAX:g}  # scale pixels to [0, 1]" if d.scale_inputs else
        "  # raw 0-16 pixels, as in the article",
        test_fraction=_num(TEST_FRACTION), validation_fraction=_num(d.validation_fraction),
        reshape=("\nx_train, x_val, x_test = (a.reshape(-1, 8, 8, 1) "
                 "for a in (x_train, x_val, x_test))") if cnn else "",
        layers="\n".join(f"    {line}," for line in _layer_lines(m)),
        optimizer=optimizer, epochs=t.epochs, batch_size=t.batch_size)


def _num(value: float) -> str:
    return format(value, "g")


def _layer_lines(m: ModelConfig) -> list[str]:
    options = "" if m.initializer == "glorot_uniform" else f', kernel_initializer="{m.initializer}"'
    if m.l1 or m.l2:
        options += f", kernel_regularizer=keras.regularizers.L1L2(l1={_num(m.l1)}, l2={_num(m.l2)})"
    lines = []
    if m.architecture == "cnn":
        lines.append("keras.Input(shape=(8, 8, 1))")
        blocks = zip(m.conv_filters, m.conv_kernels, m.conv_padding, m.conv_activations,
                     m.conv_pooling)
        for filters, kernel, padding, activation, pooling in blocks:
            lines.append(f'keras.layers.Conv2D({filters}, {kernel}, padding="{padding}"{options})')
            lines += _activation_lines(m, activation, dropout=False)
            if pooling != "none":
                name = "MaxPooling2D" if pooling == "max" else "AveragePooling2D"
                lines.append(f"keras.layers.{name}(2)")
        lines.append("keras.layers.Flatten()")
        dense = [(m.head_units, "relu")] if m.head_units else []
    else:
        lines.append("keras.Input(shape=(64,))")
        dense = list(zip(m.hidden_units, m.activations))
    for units, activation in dense:
        lines.append(f"keras.layers.Dense({units}{options})")
        lines += _activation_lines(m, activation, dropout=True)
    init = "" if m.initializer == "glorot_uniform" else f', kernel_initializer="{m.initializer}"'
    lines.append(f'keras.layers.Dense(10, activation="softmax"{init})')
    return lines


def _activation_lines(m: ModelConfig, activation: str, dropout: bool) -> list[str]:
    lines = ["keras.layers.BatchNormalization()"] if m.batch_norm else []
    lines.append(f'keras.layers.Activation("{activation}")')
    if dropout and m.dropout:
        lines.append(f"keras.layers.Dropout({_num(m.dropout)})")
    return lines
