"""One-click experiments: the optimizer race, data efficiency and generalization.

No Streamlit here. Each function returns the :class:`~dl_core.experiment_runner.Job` list
that an :class:`~dl_core.experiment_runner.Experiment` runs (as one user's share of the
scheduler, see that module), built from the settings table's Config, the digits split and
the Trainer every page uses, with what to measure when each run ends.
"""

from __future__ import annotations

import math
import time

import numpy as np

from dl_core.config import Config
from dl_core.experiment_runner import (Experiment, ExperimentSnapshot, Job, JobState,
                                       Summary, last_epoch, summarize)
from dl_core.i18n import N_

__all__ = [  # the engine, re-exported: one import for the pages and the benchmarks
    "Experiment", "ExperimentSnapshot", "Job", "JobState", "Summary", "last_epoch",
    "summarize", "RACE", "optimizer_race", "race_config", "FRACTIONS", "MODELS",
    "data_efficiency", "subset", "sweep_epochs", "measure_test_accuracy", "LogisticTrainer",
    "WIDTHS", "DROPOUTS", "L2S", "GENERALIZATION_FRACTION", "GENERALIZATION_EPOCHS",
    "REGULARIZED_WIDTH", "generalization", "train_and_val_accuracy"]


# ------------------------------------------------------------------ the experiments
RACE = (  # label (its key; shown as _(label)) -> settings: each optimizer at a learning rate
    # it is usually run with
    ("SGD", {"optimizer": "sgd", "learning_rate": 0.01}),
    (N_("SGD + momentum"), {"optimizer": "sgd", "learning_rate": 0.01, "momentum": 0.9}),
    ("Nesterov", {"optimizer": "sgd", "learning_rate": 0.01, "momentum": 0.9,
                  "nesterov": True}),
    ("RMSprop", {"optimizer": "rmsprop", "learning_rate": 0.001}),
    ("Adagrad", {"optimizer": "adagrad", "learning_rate": 0.01}),
    ("Adadelta", {"optimizer": "adadelta", "learning_rate": 1.0}),
    ("Adam", {"optimizer": "adam", "learning_rate": 0.001}),
    ("Nadam", {"optimizer": "nadam", "learning_rate": 0.001}),
)


def _trainer(config: Config, split=None):
    from dl_core.training import Trainer  # TensorFlow loads here, in a worker thread

    return Trainer(config, split)


def race_config(base: Config, settings: dict) -> Config:
    return base.replace(**{"epoch_delay_ms": 0, "momentum": 0.0, "nesterov": False,
                           **settings})


def optimizer_race(base: Config | None = None, epochs: int = 30) -> list[Job]:
    """The same network (``base``, the default MLP) from the same initial weights and the
    same batch order (one seed), trained with each optimizer of :data:`RACE`."""
    base = (base or Config()).replace(epochs=epochs)
    return [Job((label,), lambda c=race_config(base, settings): _trainer(c), epochs)
            for label, settings in RACE]


FRACTIONS = (0.02, 0.05, 0.1, 0.25, 0.5, 1.0)
MODELS = (N_("logistic regression"), "MLP", "CNN")  # (keys; shown as _(model))
STEPS = 600  # gradient steps a sweep's network aims at (within 20 to 150 epochs)


def sweep_epochs(n_train: int, batch_size: int, steps: int = STEPS) -> int:
    """Epochs for a training set of ``n_train`` images: about ``steps`` gradient steps,
    between 20 and 150 epochs (a tiny set is learnt by heart long before)."""
    return min(150, max(20, math.ceil(steps / math.ceil(n_train / batch_size))))


def subset(split, fraction: float, seed: int):
    """``split`` with a stratified ``fraction`` of its training images (drawn with
    ``seed``; at least one per class); validation and test images unchanged."""
    import dataclasses

    from sklearn.model_selection import train_test_split

    if fraction >= 1.0:
        return split
    classes = len(np.unique(split.y_train))
    n = max(classes, round(fraction * len(split.y_train)))
    idx, _ = train_test_split(np.arange(len(split.y_train)), train_size=n,
                              stratify=split.y_train, random_state=seed)
    idx = np.sort(idx)
    return dataclasses.replace(split, x_train=split.x_train[idx], y_train=split.y_train[idx])


def measure_test_accuracy(trainer, snap) -> dict:
    """Accuracy on the split's test images after the last epoch (scikit-learn)."""
    from sklearn.metrics import accuracy_score

    probs = trainer.test_probabilities_
    return {"test_accuracy": float(accuracy_score(trainer.split.y_test,
                                                  probs.argmax(axis=1))),
            "val_accuracy": snap.history[-1].val_accuracy,
            "train_images": int(len(trainer.split.y_train))}


class LogisticTrainer:
    """scikit-learn's LogisticRegression as a one-epoch Trainer (the classic baseline of
    the MLP page, on the same images)."""

    def __init__(self, split, seed: int):
        self.split, self.seed = split, seed
        self.history: list = []
        self.test_probabilities_ = None
        self.compile_seconds = 0.0
        self.learning_rate = 0.0
        self.model = None

    def kernels(self) -> dict:
        return {}

    def set_learning_rate(self, learning_rate: float) -> None:
        pass

    def train_epoch(self):
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import log_loss

        from dl_core.training import EpochStats

        start = time.perf_counter()
        s, scale = self.split, self.split.pixel_max
        clf = LogisticRegression(max_iter=2000, random_state=self.seed)
        clf.fit(s.x_train / scale, s.y_train)
        labels = np.arange(10)
        train_probs, val_probs = (_probabilities(clf, x / scale, labels)
                                  for x in (s.x_train, s.x_val))
        self.test_probabilities_ = _probabilities(clf, s.x_test / scale, labels)
        seconds = time.perf_counter() - start
        stats = EpochStats(
            epoch=1, loss=float(log_loss(s.y_train, train_probs, labels=labels)),
            accuracy=float(np.mean(train_probs.argmax(1) == s.y_train)),
            val_loss=float(log_loss(s.y_val, val_probs, labels=labels)),
            val_accuracy=float(np.mean(val_probs.argmax(1) == s.y_val)), seconds=seconds,
            examples_per_second=len(s.y_train) / seconds, learning_rate=0.0)
        self.history.append(stats)
        return stats


def _probabilities(clf, x, labels) -> np.ndarray:
    """Class probabilities over all ``labels`` (a class missing from a tiny training set
    gets 0)."""
    probs = np.zeros((len(x), len(labels)))
    probs[:, clf.classes_] = clf.predict_proba(x)
    return probs / probs.sum(axis=1, keepdims=True)


def data_efficiency(fractions=FRACTIONS, seeds=(0, 1, 2), models=MODELS) -> list[Job]:
    """Test accuracy against the size of the training set, for each model of ``models``
    and each seed (a stratified subset drawn with it, and the network's initial weights);
    validation and test images are those of the default split. Seed-major order: a first
    full curve appears after one seed, the spread fills in after."""
    from dl_core.data import load_digits_split

    base = Config()
    split = load_digits_split(base.data, base.training.seed)
    jobs = []
    for seed in seeds:
        for fraction in fractions:
            part = subset(split, fraction, seed)
            n = len(part.y_train)
            for model in models:
                key = (model, fraction, seed)
                if model == "logistic regression":
                    jobs.append(Job(key, lambda p=part, s=seed: LogisticTrainer(p, s), 1,
                                    measure_test_accuracy))
                    continue
                config = base.replace(architecture=model.lower(), seed=seed,
                                      epoch_delay_ms=0)
                epochs = sweep_epochs(n, config.training.batch_size)
                config = config.replace(epochs=epochs)
                jobs.append(Job(key, lambda c=config, p=part: _trainer(c, p), epochs,
                                measure_test_accuracy))
    return jobs


WIDTHS = (4, 8, 16, 32, 64, 128, 256)  # (256: the settings table's largest)
DROPOUTS = (0.0, 0.2, 0.4, 0.6, 0.8)
L2S = (0.0, 1e-3, 3e-3, 1e-2, 3e-2, 0.1)
GENERALIZATION_FRACTION = 0.25  # a small training set, where overfitting shows
GENERALIZATION_EPOCHS = 60  # 540 steps: the wide networks learn their images by heart
REGULARIZED_WIDTH = 256


def train_and_val_accuracy(trainer, snap) -> dict:
    """Accuracy on the run's own training images (inference mode: no dropout) and on the
    validation images, after the last epoch."""
    from dl_core.training import model_inputs

    s = trainer.split
    probs = np.asarray(trainer.model(model_inputs(trainer.config, s.x_train), training=False))
    return {"train_accuracy": float(np.mean(probs.argmax(1) == s.y_train)),
            "val_accuracy": snap.history[-1].val_accuracy}


def generalization(seeds=(0, 1, 2), widths=WIDTHS, dropouts=DROPOUTS, l2s=L2S,
                   fraction: float = GENERALIZATION_FRACTION,
                   epochs: int = GENERALIZATION_EPOCHS) -> list[Job]:
    """Training and validation accuracy of a one-hidden-layer MLP on ``fraction`` of the
    training images: as its width grows (("width", w, seed) keys), and at width
    REGULARIZED_WIDTH as dropout (("dropout", rate, seed)) or L2 (("l2", weight, seed))
    grow."""
    from dl_core.data import load_digits_split

    base = Config().replace(hidden_units=(64,), activations=("relu",), epochs=epochs,
                            epoch_delay_ms=0)
    split = load_digits_split(base.data, base.training.seed)
    variants = [("width", w, {"hidden_units": (w,)}) for w in widths] + \
        [("dropout", d, {"hidden_units": (REGULARIZED_WIDTH,), "dropout": d})
         for d in dropouts] + \
        [("l2", w, {"hidden_units": (REGULARIZED_WIDTH,), "l2": w}) for w in l2s]
    jobs = []
    for seed in seeds:
        part = subset(split, fraction, seed)
        for axis, value, settings in variants:
            config = base.replace(seed=seed, **settings)
            jobs.append(Job((axis, value, seed), lambda c=config, p=part: _trainer(c, p),
                            epochs, train_and_val_accuracy))
    return jobs
