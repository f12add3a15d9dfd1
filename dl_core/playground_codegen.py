"""The 2D playground's network as a standalone Keras script (plain ``model.fit``).

The script carries its data (the run's training and test points, the ones people added
included), so it needs only NumPy and Keras. It repeats :class:`~dl_core.playground.
PlaygroundTrainer`'s run: the same features, the same layers with the same seeded initial
weights, plain SGD, each epoch's batches in the order of ``np.random.default_rng(seed + 2)
.permutation`` (fit with ``shuffle=False``). It prints the final losses and accuracies.
"""

from __future__ import annotations

import numpy as np

from dl_core.i18n import _
from dl_core.playground_data import split
from dl_core.playground_settings import PlaygroundSpec, dataset_name

FEATURE_CODE = {
    "x1": "x1", "x2": "x2", "x1_squared": "x1 * x1", "x2_squared": "x2 * x2",
    "x1_times_x2": "x1 * x2", "sin_x1": "np.sin(x1)", "sin_x2": "np.sin(x2)",
}

# The comments are filled in in the active language (each on one line, with no """).
_TEMPLATE = '''"""{title}

{about}
"""

import os

os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")  # {before_keras}
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

import keras
import numpy as np

SEED = {seed}
EPOCHS = {epochs}
BATCH_SIZE = {batch_size}
LEARNING_RATE = {learning_rate}

# {points}
x_train = np.array({x_train}, dtype="float32").reshape(-1, 2)
y_train = np.array({y_train}, dtype="{label_dtype}")
x_test = np.array({x_test}, dtype="float32").reshape(-1, 2)
y_test = np.array({y_test}, dtype="{label_dtype}")


def features(points):
    """{features_doc}"""
    x1, x2 = points[:, 0].astype("float64"), points[:, 1].astype("float64")
    return np.stack([{feature_code}], axis=1).astype("float32")


def initializer(layer):
    """{initializer_doc}"""
    return keras.initializers.GlorotUniform(seed=SEED + layer)


regularizer = {regularizer}
model = keras.Sequential([
    keras.Input(({n_features},), name="features"),
{layers}
], name="playground")
model.summary()
model.compile(optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE),
              loss="{loss}"{metrics})

rng = np.random.default_rng(SEED + 2)  # {order}
inputs_train, inputs_test = features(x_train), features(x_test)
for epoch in range(1, EPOCHS + 1):
    order = rng.permutation(len(x_train))
    model.fit(inputs_train[order], y_train[order], epochs=1, batch_size=BATCH_SIZE,
              shuffle=False, verbose=0)

print("training:", model.evaluate(inputs_train, y_train, verbose=0, return_dict=True))
if len(x_test):
    print("test:", model.evaluate(inputs_test, y_test, verbose=0, return_dict=True))
'''


def _numbers(array: np.ndarray) -> str:
    """A flat list literal of ``array``'s values, float32-exact."""
    flat = np.asarray(array).ravel()
    if flat.dtype.kind in "iu":
        return "[" + ", ".join(str(int(v)) for v in flat) + "]"
    return "[" + ", ".join(format(float(v), ".9g") for v in flat) + "]"


def playground_script(spec: PlaygroundSpec, epochs: int) -> str:
    """A runnable script that trains ``spec``'s network for ``epochs`` epochs."""
    x_train, y_train, x_test, y_test = split(spec)
    classes = spec.classes
    layers = [f'    keras.layers.Dense({units}, activation="{activation}", '
              f'name="hidden_{i}", kernel_regularizer=regularizer,\n'
              f'                       kernel_initializer=initializer({i})),'
              for i, (units, activation) in enumerate(zip(spec.hidden, spec.activations), 1)]
    last = len(spec.hidden) + 1
    layers.append(f'    keras.layers.Dense({classes}, activation="softmax", name="output",\n'
                  f'                       kernel_initializer=initializer({last})),' if classes
                  else f'    keras.layers.Dense(1, name="output", '
                       f'kernel_initializer=initializer({last})),')
    points = (_("The points (x, y) and their classes: {train} to train on, {test} to test.")
              if classes else
              _("The points (x, y) and their values: {train} to train on, {test} to test."))
    return _TEMPLATE.format(
        title=_("Train the 2D playground's network on its {name} data with plain Keras.")
        .format(name=dataset_name(spec.dataset)),
        about=_("Exported from the deep-learning playground; run with: python "
                "playground_{dataset}.py\nWith the same TensorFlow and Keras it repeats the "
                "playground's run: the same points, the\nsame initial weights, the same "
                "batches in the same order. Learning-rate changes made\nduring a run in the "
                "playground are not replayed.").format(dataset=spec.dataset),
        before_keras=_("before Keras starts TensorFlow"),
        points=points.format(train=len(y_train), test=len(y_test)),
        features_doc=_("What the first layer sees of each point: {features}.").format(
            features=", ".join(spec.features)),
        initializer_doc=_("Glorot-uniform starting weights, seeded per layer (layer 1, 2, "
                          "..., then the output)."),
        order=_("every epoch visits the points in a new order"),
        seed=spec.seed, epochs=max(int(epochs), 1),
        batch_size=spec.batch_size, learning_rate=format(spec.learning_rate, ".10g"),
        x_train=_numbers(x_train), y_train=_numbers(y_train),
        x_test=_numbers(x_test), y_test=_numbers(y_test),
        label_dtype="int64" if classes else "float32",
        feature_code=", ".join(FEATURE_CODE[f] for f in spec.features),
        regularizer=(f"keras.regularizers.L1L2(l1={spec.l1:g}, l2={spec.l2:g})"
                     if spec.l1 or spec.l2 else "None"),
        n_features=len(spec.features), layers="\n".join(layers),
        loss="sparse_categorical_crossentropy" if classes else "mean_squared_error",
        metrics=', metrics=["accuracy"]' if classes else "")
