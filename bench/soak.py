"""Soak test: does memory come back when training runs end? (issue 9)

    python -m bench.soak --runs 300 --architecture mlp|cnn [--via-runs]

In one process: a warm-up of ``--warmup`` runs (TensorFlow's one-off allocations, and the C
allocator's pools reaching their working size), then ``--runs`` more, each a new Trainer
trained for ``--epochs`` epochs and then dropped. With ``--via-runs`` each run goes through
``dl_core.runs.BackgroundRun`` as a page does: started, joined when finished, dropped. Every ``--every`` runs it prints the resident set size (from
/proc/self/status), the Python objects alive and the functions registered in TensorFlow's
eager context, each after ``gc.collect()``, so a leak shows as a column that keeps growing.
The last line is machine-readable. Target (issue 9): under 30 MB growth over 300 runs.

Not part of the test suite (minutes long, and RSS depends on the allocator).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import time

from bench.procstats import status_mb
from dl_core.config import Config


def rss_mb() -> float:
    """Resident set size of this process in MB, from /proc (Linux)."""
    return status_mb(os.getpid(), "VmRSS")


def tf_function_count() -> int:
    """Functions in TensorFlow's eager function library (-1 if the API is not there)."""
    try:
        from tensorflow.python.eager import context

        return len(context.context().list_function_names())
    except (ImportError, AttributeError):
        return -1


def make_trainer(config):
    """A Trainer for a digits Config, a PlaygroundTrainer for a PlaygroundSpec."""
    if not isinstance(config, Config):
        from dl_core.playground import PlaygroundTrainer

        return PlaygroundTrainer(config)
    from dl_core.training import Trainer

    return Trainer(config)


def run_trainer(config: Config, epochs: int) -> None:
    trainer = make_trainer(config)
    for _ in range(epochs):
        trainer.train_epoch()


def run_background(config: Config, epochs: int) -> None:
    """Start a BackgroundRun as a page does, wait until it ends, drop it."""
    from dl_core.runs import BackgroundRun

    run = BackgroundRun(lambda: make_trainer(config), epochs=epochs, epoch_delay=0.0).start()
    run.join(120)
    status = run.snapshot().status
    if status != "finished":
        raise RuntimeError(f"run ended {status!r}: {run.snapshot().message}")


def malloc_trim() -> None:
    """Hand the C heap's free pages back to the system (glibc), so RSS shows live memory."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def sample(label: str, runs_done: int, start: float, trim: bool = False) -> dict:
    """Print and return one row, measured after a full garbage collection."""
    gc.collect()
    if trim:
        malloc_trim()
    row = {"runs": runs_done, "rss_mb": rss_mb(), "objects": len(gc.get_objects()),
           "tf_functions": tf_function_count(), "seconds": time.perf_counter() - start}
    print(f"{label:>8} {row['runs']:>5} {row['rss_mb']:>9.1f} {row['objects']:>10,} "
          f"{row['tf_functions']:>8} {row['seconds']:>8.1f}", flush=True)
    return row


def _slope(rows: list[dict]) -> float:
    """Least-squares MB per run through the rows. A leak keeps climbing; the allocator's
    high-water mark levels off (RSS then swings by tens of MB around a flat line)."""
    if len(rows) < 2:
        return 0.0
    xs, ys = [row["runs"] for row in rows], [row["rss_mb"] for row in rows]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread if spread else 0.0


def shaped(config: Config, index: int, shapes: int) -> Config:
    """Run ``index``'s config: one of ``shapes`` network shapes in turn (a first hidden
    layer of 32, 33, ... units), so the compiled-epoch pool keeps compiling and evicting
    templates when ``shapes`` > dl_core.compiled.MAX_SHAPES."""
    if shapes <= 1:
        return config
    if not isinstance(config, Config):  # the 2D playground: its first layer's neurons
        import dataclasses

        return dataclasses.replace(config, hidden=(4 + index % shapes, *config.hidden[1:]))
    units = (32 + index % shapes, *config.model.hidden_units[1:])
    if config.model.architecture == "cnn":
        return config.replace(head_units=32 + index % shapes)
    return config.replace(hidden_units=units)


def soak(config: Config, runs: int, warmup: int = 25, epochs: int = 2, every: int = 25,
         via_runs: bool = False, gc_each_run: bool = False, trim: bool = False,
         max_seconds: float = 900.0, shapes: int = 1) -> dict:
    """Warm up, then run ``runs`` runs; returns growth figures (runs may stop at the time
    bound: ``runs_done`` says how many were measured)."""
    train = run_background if via_runs else run_trainer
    count = iter(range(10**9))

    def one(config: Config, epochs: int) -> None:
        train(shaped(config, next(count), shapes), epochs)

    start = time.perf_counter()
    print(f"{'':>8} {'runs':>5} {'RSS MB':>9} {'objects':>10} {'tf fns':>8} {'seconds':>8}")
    for _ in range(warmup):
        one(config, epochs)
    base = sample("warm-up", 0, start, trim)
    rows, done = [base], 0
    while done < runs and time.perf_counter() - start < max_seconds:
        one(config, epochs)
        done += 1
        if gc_each_run:
            gc.collect()
        if done % every == 0 or done == runs:
            rows.append(sample("", done, start, trim))
    if rows[-1]["runs"] != done:
        rows.append(sample("", done, start, trim))
    last = rows[-1]
    growth = last["rss_mb"] - base["rss_mb"]
    late = [row for row in rows if row["runs"] >= done / 3]
    name = config.model.architecture if isinstance(config, Config) else "playground"
    return {"architecture": name, "via_runs": via_runs, "shapes": shapes,
            "runs_done": done, "warmup": warmup, "epochs": epochs,
            "rss_start_mb": round(base["rss_mb"], 1), "rss_end_mb": round(last["rss_mb"], 1),
            "growth_mb": round(growth, 1), "mb_per_run": round(growth / max(done, 1), 3),
            "late_mb_per_run": round(_slope(late), 3), "late_from_run": late[0]["runs"],
            "objects_per_run": round((last["objects"] - base["objects"]) / max(done, 1), 1),
            "tf_functions_per_run": round(
                (last["tf_functions"] - base["tf_functions"]) / max(done, 1), 2),
            "seconds": round(last["seconds"], 1)}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--architecture", choices=("mlp", "cnn", "playground"), default="mlp",
                        help="playground: the 2D page's default network (circle, 4-2 tanh)")
    parser.add_argument("--via-runs", action="store_true",
                        help="drive each run through dl_core.runs.BackgroundRun")
    parser.add_argument("--warmup", type=int, default=25,
                        help="runs before the first row: RSS climbs ~30 MB over the first "
                             "~25 runs even without a leak (allocator pools) and then levels off")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--every", type=int, default=25, help="print a row every N runs")
    parser.add_argument("--gc-each-run", action="store_true",
                        help="gc.collect() after every run (rows always collect first)")
    parser.add_argument("--malloc-trim", action="store_true",
                        help="malloc_trim(0) before each row: RSS of live memory, less noise")
    parser.add_argument("--max-seconds", type=float, default=900.0,
                        help="stop early (and say how many runs were measured)")
    parser.add_argument("--shapes", type=int, default=1,
                        help="cycle through this many network shapes (more than the 8 the "
                             "compiled-epoch pool keeps: every run compiles and evicts)")
    args = parser.parse_args(argv)
    if args.architecture == "playground":
        from dl_core.playground_settings import PlaygroundSpec

        config = PlaygroundSpec()
    else:
        config = Config().replace(architecture=args.architecture)
    result = soak(config, args.runs, args.warmup, args.epochs, args.every, args.via_runs,
                  args.gc_each_run, args.malloc_trim, args.max_seconds, args.shapes)
    target = "under" if result["growth_mb"] < 30 * result["runs_done"] / 300 else "OVER"
    shapes = f", {args.shapes} shapes in turn" if args.shapes > 1 else ""
    print(f"{result['architecture']}{' via BackgroundRun' if args.via_runs else ''}{shapes}: "
          f"{result['runs_done']} runs after a warm-up of {result['warmup']}, RSS "
          f"{result['rss_start_mb']} -> {result['rss_end_mb']} MB: growth "
          f"{result['growth_mb']} MB, {result['mb_per_run']} MB per run ({target} the target "
          f"of 30 MB per 300 runs); trend from run {result['late_from_run']} on: "
          f"{result['late_mb_per_run']} MB per run; {result['seconds']} s")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
