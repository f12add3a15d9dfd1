"""Benchmark the one-click experiments beside the plain way (compile + model.fit), in one run.

    python -m bench.experiments [--quick]

TensorFlow is imported, and a tiny Keras model built and fitted, before any timing, so no
row pays for the import. Then, on the process-wide scheduler, polled every 20 ms:
(1) the optimizer race (8 runs of 30 epochs, all at once): seconds until every run has its
first epoch and until the race ends, twice: "cold" (the first race in the process traces
its 8 graph templates) and "warm" (the second takes them from dl_core.compiled.POOL),
beside the same 8 configs trained one after the other with ``fit_reference``;
(2) the data-efficiency sweep (54 runs, 2 at once; 18 with ``--quick``, seed 0 only, for
ours and the reference alike): total seconds beside the same fits done the plain way
(``model.fit`` on each subset for the same epochs, LogisticTrainer for logistic regression),
and the mean test accuracy of each model at 100 % of the data from both ways;
(3) the peak RSS growth of this process over its size after the warm-up (VmHWM - VmRSS).
Timings on shared machines are noisy: read the ratios, measured side by side here.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from bench.procstats import status_mb

POLL = 0.02


def warm_up() -> float:
    """One tiny Keras fit (TensorFlow's and fit's first-call costs); RSS (MB) afterwards."""
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(np.zeros((8, 4), np.float32), np.zeros(8, np.int64), epochs=1, verbose=0)
    return status_mb(os.getpid(), "VmRSS")


def drive(exp, on_poll=None) -> float:
    """Start ``exp``, touch it every 20 ms until it ends (``on_poll(snap, s)`` each time)."""
    start = time.perf_counter()
    exp.start()
    while True:
        exp.touch()
        snap = exp.snapshot()
        if on_poll is not None:
            on_poll(snap, time.perf_counter() - start)
        if not snap.active:
            return time.perf_counter() - start
        time.sleep(POLL)


def race_ours() -> dict:
    from dl_core.experiments import RACE, Experiment, optimizer_race

    first = []

    def on_poll(snap, seconds):
        if not first and all(len(j.history) >= 1 for j in snap.jobs):
            first.append(seconds)

    exp = Experiment(optimizer_race(), parallel=len(RACE))
    total = drive(exp, on_poll)
    jobs = exp.snapshot().jobs
    assert all(j.status == "finished" for j in jobs), [j.status for j in jobs]
    return {"first": first[0], "total": total,
            "val": float(np.mean([j.history[-1].val_accuracy for j in jobs]))}


def race_reference() -> dict:
    from dl_core.config import Config
    from dl_core.experiments import RACE, race_config
    from dl_core.training import fit_reference

    start, vals = time.perf_counter(), []
    for _, settings in RACE:
        _, history = fit_reference(race_config(Config().replace(epochs=30), settings),
                                   epochs=30)
        vals.append(history["val_accuracy"][-1])
    return {"total": time.perf_counter() - start, "val": float(np.mean(vals))}


def sweep_plan(seeds) -> list:
    """(key, config, subset) for every job of data_efficiency(seeds=...), in its order
    (config None: logistic regression)."""
    from dl_core.config import Config
    from dl_core.data import load_digits_split
    from dl_core.experiments import FRACTIONS, MODELS, subset, sweep_epochs

    base = Config()
    split, plan = load_digits_split(base.data, base.training.seed), []
    for seed in seeds:
        for fraction in FRACTIONS:
            part = subset(split, fraction, seed)
            for model in MODELS:
                config = None if model == "logistic regression" else base.replace(
                    architecture=model.lower(), seed=seed, epoch_delay_ms=0,
                    epochs=sweep_epochs(len(part.y_train), base.training.batch_size))
                plan.append(((model, fraction, seed), config, part))
    return plan


def sweep_ours(seeds) -> dict:
    from dl_core.experiments import Experiment, data_efficiency, summarize

    exp = Experiment(data_efficiency(seeds=seeds), parallel=2)
    total = drive(exp)
    results = exp.snapshot().results()
    return {"total": total, "runs": len(results),
            "acc": summarize(results, "test_accuracy")}


def sweep_reference(plan) -> dict:
    from dl_core.experiments import LogisticTrainer, summarize
    from dl_core.training import fit_reference, model_inputs

    start, results = time.perf_counter(), {}
    for key, config, part in plan:
        if config is None:
            trainer = LogisticTrainer(part, key[-1])
            trainer.train_epoch()
            probs = trainer.test_probabilities_
        else:
            model, _ = fit_reference(config, part)
            probs = np.asarray(model(model_inputs(config, part.x_test), training=False))
        results[key] = {"test_accuracy": float(np.mean(probs.argmax(1) == part.y_test))}
    return {"total": time.perf_counter() - start, "runs": len(results),
            "acc": summarize(results, "test_accuracy")}


def _watch(run, exp, until) -> None:
    """Keep ``run`` and ``exp`` (or None) from their idle timeout until ``until()``."""
    while not until():
        run.touch()
        if exp is not None:
            exp.touch()
        time.sleep(POLL)


def fairness(seconds: float = 4.0) -> dict:
    """Epochs/s of one person's default-MLP run alone, then beside the generalization
    sweep counted as one share (as the page runs it) and as 2 users of its own."""
    from dl_core.config import Config
    from dl_core.experiments import Experiment, generalization
    from dl_core.runs import BackgroundRun
    from dl_core.training import Trainer

    config = Config().replace(epoch_delay_ms=0, epochs=1000)  # (more than 4 s take)
    rates = {}
    for name, fair in (("alone", None), ("beside the sweep, one share", True),
                       ("beside the sweep, 2 users", False)):
        exp = None
        if fair is not None:
            exp = Experiment(generalization(seeds=(0, 1)), parallel=2, fair=fair).start()
            time.sleep(2.0)  # its first templates traced
        run = BackgroundRun(lambda: Trainer(config), epochs=config.training.epochs).start()
        _watch(run, exp, lambda: len(run.snapshot().history) >= 2)
        begin, start = len(run.snapshot().history), time.perf_counter()
        _watch(run, exp, lambda: time.perf_counter() - start >= seconds)
        rates[name] = (len(run.snapshot().history) - begin) / (time.perf_counter() - start)
        run.stop()
        run.join(10)
        if exp is not None:
            exp.stop()
            exp.join(30)
    return rates


def rss_after_races(count: int = 4) -> list[float]:
    """RSS (MB) after each of ``count`` more warm races: flat if runs free what they hold."""
    import gc

    sizes = []
    for _ in range(count):
        race_ours()
        gc.collect()
        sizes.append(status_mb(os.getpid(), "VmRSS"))
    return sizes


def peak_growth(baseline: float) -> float:
    return status_mb(os.getpid(), "VmHWM") - baseline  # peak RSS over the warm-up's RSS


def print_race(cold, warm, ref, growth) -> None:
    print("\nOptimizer race: 8 optimizers x 30 epochs, default MLP on digits")
    print(f"| {'way':<44} | all 8 have epoch 1 | total s | fit / this | mean val acc |")
    print(f"| {'-' * 44} | -----------------: | ------: | ---------: | -----------: |")
    for name, row in (("ours, cold (traces 8 templates), 8 at once", cold),
                      ("ours, warm (templates from POOL), 8 at once", warm),
                      ("fit_reference (compile + fit), one by one", ref)):
        first = f"{row['first']:.2f} s" if "first" in row else ""
        print(f"| {name:<44} | {first:>18} | {row['total']:7.2f} | "
              f"{ref['total'] / row['total']:9.1f}x | {row['val']:12.3f} |")
    print(f"peak RSS growth over the warm-up after the races: {growth:.0f} MB")


def print_sweep(mode, ours, ref, growth) -> None:
    from dl_core.experiments import MODELS

    print(f"\nData-efficiency sweep ({mode}): 6 fractions x 3 models "
          "(after the races: the MLP's template is pooled, the CNN's is traced)")
    print(f"| {'way':<48} | runs | total s | fit / this |")
    print(f"| {'-' * 48} | ---: | ------: | ---------: |")
    for name, row in (("ours: Experiment(parallel=2)", ours),
                      ("reference: model.fit / LogisticTrainer, in turn", ref)):
        print(f"| {name:<48} | {row['runs']:4d} | {row['total']:7.1f} | "
              f"{ref['total'] / row['total']:9.1f}x |")
    print("\n| mean test accuracy at 100 % of the data | ours  | reference |")
    print(f"| {'-' * 39} | ----: | --------: |")
    for model in MODELS:
        a, b = ours["acc"][(model, 1.0)].mean, ref["acc"][(model, 1.0)].mean
        print(f"| {model:<39} | {a:.3f} | {b:9.3f} |")
    print(f"peak RSS growth over the warm-up, whole benchmark: {growth:.0f} MB")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="sweep with seed 0 only (18 runs) for ours and the reference")
    args = parser.parse_args(argv)
    import tensorflow  # noqa: F401  (imported, and used once, before any timing)

    import dl_core.training  # noqa: F401  (Keras, the models, the Trainer, the pool)
    from dl_core.compiled import POOL

    seeds, mode = ((0,), "quick: seed 0, 18 runs") if args.quick else \
        ((0, 1, 2), "full: seeds 0-2, 54 runs")
    baseline = warm_up()
    print(f"TensorFlow imported and a tiny model fitted before timing; mode: {mode}; "
          f"RSS after warm-up {baseline:.0f} MB")
    cold = race_ours()
    templates = POOL.templates()
    warm = race_ours()
    print(f"templates in POOL after the cold race: {templates}, after the warm: "
          f"{POOL.templates()}")
    race_ref = race_reference()
    print_race(cold, warm, race_ref, peak_growth(baseline))
    sizes = rss_after_races()
    print("RSS after each of 4 more warm races: " + ", ".join(f"{m:.0f}" for m in sizes)
          + f" MB ({sizes[-1] - sizes[0]:+.1f} MB from the first to the last)")
    rates = fairness()
    print("\nOne person's default-MLP run (epochs/s), alone and beside the generalization "
          "sweep (2 at once):")
    for name, rate in rates.items():
        print(f"| {name:<30} | {rate:6.1f} epochs/s | {rate / rates['alone']:5.0%} |")
    ours = sweep_ours(seeds)
    ref = sweep_reference(sweep_plan(seeds))
    print_sweep(mode, ours, ref, peak_growth(baseline))
    print(f"race_first_cold_s={cold['first']:.2f} race_first_warm_s={warm['first']:.2f} "
          f"race_cold_s={cold['total']:.2f} race_warm_s={warm['total']:.2f} "
          f"race_fit_s={race_ref['total']:.2f} sweep_s={ours['total']:.1f} "
          f"sweep_fit_s={ref['total']:.1f} sweep_runs={ours['runs']}")


if __name__ == "__main__":
    main()
