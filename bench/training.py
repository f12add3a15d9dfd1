"""Benchmark: the compiled-epoch Trainer beside model.fit and a NumPy floor, in one run.

    python -m bench.training [--epochs 30]

Prints ms per epoch (each including a validation pass) and final validation accuracy for
(a) dl_core's Trainer, (b) model.fit(verbose=0) on the same model and data, (c) the NumPy
engine (dl_core.scratch) of the same layer sizes. The NumPy engine updates with plain SGD,
so the Trainer is also timed with SGD (a2) and trainer_vs_numpy compares those two rows:
the same forward, backward and update arithmetic. The last line is machine-readable.
Timings on shared machines are noisy: read the ratios, measured side by side here.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from dl_core.config import Config
from dl_core.data import load_digits_split
from dl_core.scratch import Network, one_hot


def time_trainer(config, split, epochs):
    from dl_core.training import Trainer

    trainer = Trainer(config, split)
    trainer.train_epoch()  # traces the graph; not timed
    times = [trainer.train_epoch().seconds for _ in range(epochs - 1)]
    return statistics.median(times) * 1000, trainer.history[-1].val_accuracy


def time_fit(config, split, epochs):
    from dl_core.training import fit_reference

    model, _ = fit_reference(config, split, epochs=1)  # compiles and traces; not timed
    start = time.perf_counter()
    history = model.fit(split.x_train, split.y_train, batch_size=config.training.batch_size,
                        epochs=epochs - 1, verbose=0, validation_data=(split.x_val, split.y_val))
    return (time.perf_counter() - start) / (epochs - 1) * 1000, history.history["val_accuracy"][-1]


def time_numpy(config, split, epochs, learning_rate):
    sizes = [64, *config.model.hidden_units, 10]
    net = Network(sizes, list(config.model.activations), seed=config.training.seed)
    rng = np.random.default_rng(config.training.seed)
    x, y = split.x_train.astype(np.float64), one_hot(split.y_train, 10)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        net.train_epoch(x, y, config.training.batch_size, learning_rate, rng)
        accuracy = net.accuracy(split.x_val, split.y_val)  # the validation pass
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, accuracy


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args(argv)
    config = Config()
    split = load_digits_split(config.data, config.training.seed)
    units = "-".join(map(str, config.model.hidden_units))
    print(f"Default MLP {units}-10 on digits: {len(split.y_train)} training images, "
          f"batch {config.training.batch_size}, {args.epochs} epochs, median ms per epoch")
    sgd = config.replace(optimizer="sgd", learning_rate=0.1)
    rows = [
        ("dl_core Trainer (one graph call per epoch, Adam)", *time_trainer(config, split, args.epochs)),
        ("model.fit(verbose=0), same model and data (Adam)", *time_fit(config, split, args.epochs)),
        ("dl_core Trainer, SGD 0.1", *time_trainer(sgd, split, args.epochs)),
        ("NumPy forward/backward, same sizes (SGD 0.1, float64)",
         *time_numpy(config, split, args.epochs, 0.1)),
    ]
    print(f"| {'way of training':<55} | ms per epoch | val accuracy |")
    print(f"| {'-' * 55} | -----------: | -----------: |")
    for name, ms, accuracy in rows:
        print(f"| {name:<55} | {ms:12.1f} | {accuracy:12.3f} |")
    (_, trainer_ms, trainer_acc), (_, fit_ms, fit_acc), (_, sgd_ms, _), (_, numpy_ms, _) = rows
    print(f"trainer_vs_fit_speedup={fit_ms / trainer_ms:.1f} "
          f"trainer_vs_numpy={sgd_ms / numpy_ms:.2f} "
          f"accuracy_gap={abs(trainer_acc - fit_acc) * 100:.1f}")


if __name__ == "__main__":
    main()
