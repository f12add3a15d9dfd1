"""The current configuration as a standalone Keras script (plain ``model.fit``).

The script needs only scikit-learn and TensorFlow/Keras and repeats the playground's run
(:class:`dl_core.training.Trainer`) for the same seed: the same split, the same layers made
in the same order after ``keras.utils.set_random_seed`` (so the same initial weights and
dropout seeds), each epoch's batches in the order of ``np.random.default_rng(seed)
.permutation`` (fit with ``shuffle=False``), the same optimizer and one TensorFlow thread.
It prints one line per epoch, then ``validation accuracy: ...`` and ``test accuracy: ...``.
"""

from __future__ import annotations

from dl_core.config import Config, ModelConfig
from dl_core.data import RAW_PIXEL_MAX, TEST_FRACTION
from dl_core.i18n import N_, _

_OPTIMIZER_CALLS = {
    "sgd": "keras.optimizers.SGD(learning_rate={lr}, momentum={momentum}, nesterov={nesterov})",
    "rmsprop": "keras.optimizers.RMSprop(learning_rate={lr}, momentum={momentum})",
    "adam": "keras.optimizers.Adam(learning_rate={lr})",
    "adamw": "keras.optimizers.AdamW(learning_rate={lr})",
    "adagrad": "keras.optimizers.Adagrad(learning_rate={lr})",
    "adadelta": "keras.optimizers.Adadelta(learning_rate={lr})",
    "nadam": "keras.optimizers.Nadam(learning_rate={lr})",
}

# The script's comments, translated (the code stays as it is); a line break in one starts a
# new comment line.
_DOCSTRING = N_(
    "Train {title} on scikit-learn's 8x8 handwritten digits.\n"
    "\n"
    "Exported from the deep-learning playground; run with: python {filename}\n"
    "\n"
    "With the same seed this script repeats the playground's run: the same split, the same\n"
    "initial weights, the same batches in the same order and the same optimizer"
    "{dropout_masks}.\n"
    "On one thread per operation (as the playground trains) the weights come out bit for bit\n"
    "equal to the playground's, given the same TensorFlow and Keras versions on the same CPU;\n"
    "elsewhere sums may be rounded differently, which can move the accuracies slightly.\n"
    "Learning-rate changes made during a run in the playground are not replayed.")
_COMMENTS = {
    "threads_comment": N_("before Keras starts TensorFlow"),
    "data_comment": N_("Data: 1,797 images of 8x8 pixels with values 0-16."),
    "model_comment": N_("Model: seeding right before the layers are made fixes the initial "
                        "weights."),
    "loss_comment": N_("categorical cross-entropy on integer labels"),
    "training_comment": N_(
        "Training: every epoch visits the training images in a new order drawn from a NumPy\n"
        "generator seeded with SEED (as the playground does), so fit must not shuffle again."),
}

_TEMPLATE = '''"""{docstring}
"""

import os

os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")  # {threads_comment}
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

import keras
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

SEED = {seed}
EPOCHS = {epochs}
BATCH_SIZE = {batch_size}

# {data_comment}
digits = load_digits()
x = digits.data.astype("float32"){scale}
y = digits.target
x_rest, x_test, y_rest, y_test = train_test_split(
    x, y, test_size={test_fraction}, stratify=y, random_state=SEED)
x_train, x_val, y_train, y_val = train_test_split(
    x_rest, y_rest, test_size={validation_fraction}, stratify=y_rest, random_state=SEED){reshape}

# {model_comment}
keras.utils.set_random_seed(SEED)
model = keras.Sequential([
{layers}
])
model.summary()

model.compile(
    optimizer={optimizer},
    loss="sparse_categorical_crossentropy",  # {loss_comment}
    metrics=["accuracy"],
)

# {training_comment}
rng = np.random.default_rng(SEED)
for epoch in range(1, EPOCHS + 1):
    order = rng.permutation(len(x_train))
    history = model.fit(
        x_train[order], y_train[order], validation_data=(x_val, y_val),
        epochs=1, batch_size=BATCH_SIZE, shuffle=False, verbose=0,
    )
    print(f"Epoch {{epoch}}/{{EPOCHS}}: " + ", ".join(
        f"{{name}} {{values[-1]:.4f}}" for name, values in history.history.items()))

val_loss, val_accuracy = model.evaluate(x_val, y_val, verbose=0)
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"validation accuracy: {{val_accuracy:.4f}}")
print(f"test accuracy: {{test_accuracy:.4f}}")
'''


def keras_script(config: Config) -> str:
    """A runnable Python script that trains ``config``'s model with ``model.fit``."""
    m, t, d = config.model, config.training, config.data
    cnn = m.architecture == "cnn"
    optimizer = _OPTIMIZER_CALLS[t.optimizer].format(
        lr=_num(t.learning_rate), momentum=_num(t.momentum), nesterov=t.nesterov)
    comments = {name: "\n# ".join(_(text).splitlines()) for name, text in _COMMENTS.items()}
    docstring = _(_DOCSTRING).format(
        title=_("a convolutional network") if cnn else _("a multilayer perceptron"),
        filename="train_cnn.py" if cnn else "train_mlp.py",
        dropout_masks=_(";\nthe dropout layers drop the same units") if m.dropout else "")
    return _TEMPLATE.format(
        docstring=docstring, **comments, seed=t.seed,
        scale=(f" / {RAW_PIXEL_MAX:g}  # " + _("scale pixels to [0, 1]")) if d.scale_inputs
        else "  # " + _("raw 0-16 pixels, as in the article"),
        test_fraction=_num(TEST_FRACTION), validation_fraction=_num(d.validation_fraction),
        reshape=("\nx_train, x_val, x_test = (a.reshape(-1, 8, 8, 1) "
                 "for a in (x_train, x_val, x_test))") if cnn else "",
        layers="\n".join(f"    {line}," for line in _layer_lines(m)),
        optimizer=optimizer, epochs=t.epochs, batch_size=t.batch_size)


def _num(value: float) -> str:
    """Short when that is exact (0.001), else every digit: the script must use the very value."""
    short = format(value, "g")
    return short if float(short) == value else repr(float(value))


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
