"""Experiments (issue 11): fair-share scheduling, the Experiment engine, the four
experiments' definitions, and their charts' data, checked against NumPy, scikit-learn
and Keras where a number is involved."""

import threading
import time

import numpy as np
import pytest

from dl_core import experiment_charts as charts
from dl_core import experiments as ex
from dl_core.runs import BackgroundRun
from dl_core.scheduler import FairShare, Scheduler
from tests.test_runs import FakeTrainer, wait_for


class BusyTrainer(FakeTrainer):
    """An epoch that holds the worker for ``seconds`` of wall time (as a real one does)."""

    def __init__(self, seconds=0.004, **kw):
        super().__init__(**kw)
        self.seconds = seconds

    def train_epoch(self):
        end = time.perf_counter() + self.seconds
        while time.perf_counter() < end:
            pass
        stats = type("S", (), {"epoch": len(self.history) + 1, "val_accuracy": 0.5,
                               "loss": 1.0, "accuracy": 0.5, "val_loss": 1.0})()
        self.history.append(stats)
        return stats


def test_a_fair_share_of_four_runs_gets_what_one_run_gets():
    scheduler = Scheduler(workers=1)
    share = FairShare()
    group = [BackgroundRun(BusyTrainer, epochs=100_000, share=share, scheduler=scheduler)
             for _ in range(4)]
    alone = BackgroundRun(BusyTrainer, epochs=100_000, scheduler=scheduler)
    for run in [*group, alone]:
        run.start()
    time.sleep(1.5)
    epochs_group = sum(len(r.snapshot().history) for r in group)
    epochs_alone = len(alone.snapshot().history)
    scheduler.stop_all()
    # (without the share the group would get 4 times what the single run gets)
    assert 0.5 < epochs_group / epochs_alone < 2.0, (epochs_group, epochs_alone)
    counts = [len(r.snapshot().history) for r in group]  # and the share is split evenly
    assert max(counts) - min(counts) <= max(3, 0.2 * max(counts)), counts


def test_on_end_is_called_once_after_the_run_ended_also_for_a_run_ended_in_the_queue():
    scheduler = Scheduler(workers=1, max_active=1)
    calls = []
    first = BackgroundRun(FakeTrainer, epochs=3, scheduler=scheduler,
                          on_end=lambda r: calls.append(("first", r.snapshot().status)))
    blocker = BackgroundRun(lambda: FakeTrainer(delay=0.01), epochs=100_000,
                            scheduler=scheduler)
    queued = BackgroundRun(FakeTrainer, epochs=3, scheduler=scheduler,
                           on_end=lambda r: calls.append(("queued", r.snapshot().status)))
    first.start()
    assert first.join(5) and first.wait_reported(5)
    blocker.start()
    queued.start()
    wait_for(lambda: queued.snapshot().queue_position == 1)
    assert not queued.wait_reported(0)  # not ended: returns at once
    queued.stop()
    wait_for(lambda: ("queued", "stopped") in calls)
    blocker.stop()
    blocker.join(5)
    assert calls == [("first", "finished"), ("queued", "stopped")]


def _jobs(count, epochs=3, measure=None, seconds=0.002):
    return [ex.Job((i,), lambda: BusyTrainer(seconds), epochs, measure) for i in range(count)]


def test_an_experiment_runs_every_job_at_most_parallel_at_once_and_frees_trainers():
    seen, lock = [], threading.Lock()
    ended_trainers = []

    def measure(trainer, snap):
        ended_trainers.append(trainer)
        return {"epochs": len(snap.history)}
    experiment = ex.Experiment(_jobs(7, measure=measure), parallel=2)
    experiment.start()
    while experiment.snapshot().active:
        running = sum(j.status in ("starting", "running") for j in experiment.snapshot().jobs)
        with lock:
            seen.append(running)
        time.sleep(0.002)
    snap = experiment.snapshot()
    assert max(seen) <= 2
    assert snap.done == 7 and snap.reason == ""
    assert snap.results() == {(i,): {"epochs": 3} for i in range(7)}
    assert all(len(j.history) == 3 for j in snap.jobs)
    assert not experiment._running  # no run (and so no Trainer) is held any more


def test_stop_keeps_what_was_done_and_drops_the_rest():
    experiment = ex.Experiment(_jobs(6, epochs=40, seconds=0.005), parallel=1).start()
    wait_for(lambda: experiment.snapshot().done >= 1)
    experiment.stop("stopped with the Stop button")
    assert experiment.join(10)
    snap = experiment.snapshot()
    assert 1 <= len(snap.results()) < 6 and snap.reason == "stopped with the Stop button"
    statuses = [j.status for j in snap.jobs]
    assert "stopped" in statuses and "dropped" in statuses
    assert all(j.result is None for j in snap.jobs if j.status == "stopped")  # half-trained


def test_an_experiment_nobody_watches_stops_by_itself():
    experiment = ex.Experiment(_jobs(4, epochs=100_000, seconds=0.002), parallel=2,
                               idle_timeout=0.3).start()
    assert experiment.join(10)
    snap = experiment.snapshot()
    assert "without anyone watching" in snap.reason and not snap.results()


def test_a_point_that_cannot_be_measured_does_not_end_the_others():
    def measure(trainer, snap):
        measure.calls += 1
        if measure.calls == 1:
            raise ValueError("boom")
        return {"ok": 1}
    measure.calls = 0
    experiment = ex.Experiment(_jobs(3, measure=measure), parallel=1).start()
    assert experiment.join(10)
    snap = experiment.snapshot()
    assert len(snap.results()) == 2 and "could not be measured" in snap.jobs[0].message


# ------------------------------------------------------------------ the experiments
def test_the_race_starts_every_optimizer_from_the_same_weights_and_batches():
    jobs = ex.optimizer_race()
    assert [j.key[0] for j in jobs] == [label for label, _ in ex.RACE] and len(jobs) == 8
    trainers = [job.make_trainer() for job in jobs]
    first = trainers[0].model.get_weights()
    for trainer in trainers[1:]:
        for a, b in zip(first, trainer.model.get_weights()):
            np.testing.assert_array_equal(a, b)
        assert trainer._rng.bit_generator.state == trainers[0]._rng.bit_generator.state
    options = {(t.config.training.optimizer, t.config.training.momentum,
                t.config.training.nesterov) for t in trainers}
    assert len(options) == 8  # eight different optimizers
    assert {type(t.optimizer).__name__ for t in trainers} == {
        "SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Nadam"}


def test_subsets_are_stratified_and_keep_validation_and_test_images():
    from dl_core.config import Config
    from dl_core.data import load_digits_split

    split = load_digits_split(Config().data, 0)
    part = ex.subset(split, 0.02, seed=1)
    assert len(part.y_train) == round(0.02 * len(split.y_train))
    assert set(np.unique(part.y_train)) == set(range(10))  # every class at least once
    assert part.x_val is split.x_val and part.x_test is split.x_test
    assert not np.array_equal(part.y_train, ex.subset(split, 0.02, seed=2).y_train)
    assert ex.subset(split, 1.0, 0) is split
    assert ex.sweep_epochs(23, 32) == 150 and ex.sweep_epochs(1149, 32) == 20
    assert ex.sweep_epochs(287, 32) == 67  # 9 batches: 600 steps


def test_the_sweeps_have_every_point_for_every_seed():
    jobs = ex.data_efficiency()
    assert len(jobs) == len(ex.FRACTIONS) * len(ex.MODELS) * 3
    assert {j.key[2] for j in jobs} == {0, 1, 2}
    assert [j.key for j in jobs[:3]] == [(m, 0.02, 0) for m in ex.MODELS]  # seed-major
    jobs = ex.generalization()
    assert len(jobs) == (len(ex.WIDTHS) + len(ex.DROPOUTS) + len(ex.L2S)) * 3


def test_logistic_regression_points_match_scikit_learn_directly():
    from sklearn.linear_model import LogisticRegression

    from dl_core.config import Config
    from dl_core.data import load_digits_split

    experiment = ex.Experiment(ex.data_efficiency(fractions=(0.05,), seeds=(0, 1, 2),
                                                  models=("logistic regression",)))
    assert experiment.start().join(60)
    results = experiment.snapshot().results()
    split = load_digits_split(Config().data, 0)
    expected = []
    for seed in (0, 1, 2):
        part = ex.subset(split, 0.05, seed)
        clf = LogisticRegression(max_iter=2000, random_state=seed).fit(part.x_train,
                                                                       part.y_train)
        expected.append(clf.score(split.x_test, split.y_test))
        assert results[("logistic regression", 0.05, seed)]["test_accuracy"] == \
            pytest.approx(expected[-1])
    [summary] = ex.summarize(results, "test_accuracy").values()
    assert summary.mean == pytest.approx(np.mean(expected)) and summary.count == 3
    assert (summary.low, summary.high) == (pytest.approx(min(expected)),
                                           pytest.approx(max(expected)))


def test_a_network_point_is_its_runs_test_accuracy_and_training_accuracy_without_dropout():
    from dl_core.training import model_inputs

    jobs = ex.generalization(seeds=(0,), widths=(16,), dropouts=(0.4,), l2s=(),
                             epochs=3)
    experiment = ex.Experiment(jobs, parallel=2)
    trainers = {}
    for job in jobs:  # keep each trainer to check the measure against Keras directly
        job_make = job.make_trainer
        object.__setattr__(job, "make_trainer",
                           lambda m=job_make, k=job.key: trainers.setdefault(k, m()))
    assert experiment.start().join(120)
    results = experiment.snapshot().results()
    for key, trainer in trainers.items():
        s = trainer.split
        predicted = trainer.model.predict(model_inputs(trainer.config, s.x_train),
                                          verbose=0).argmax(1)
        assert results[key]["train_accuracy"] == pytest.approx(np.mean(predicted == s.y_train))
        assert results[key]["val_accuracy"] == trainer.history[-1].val_accuracy
        assert len(s.y_train) == round(ex.GENERALIZATION_FRACTION * 1149)


# ------------------------------------------------------------------ chart data
def _snap(results):
    jobs = tuple(ex.JobState(k, "finished", (), r) for k, r in results.items())
    return ex.ExperimentSnapshot(jobs, False, 1.0, "")


def test_efficiency_data_has_one_row_per_point_with_its_spread():
    snap = _snap({("MLP", 0.5, 0): {"test_accuracy": 0.9, "train_images": 718},
                  ("MLP", 0.5, 1): {"test_accuracy": 0.8, "train_images": 718},
                  ("CNN", 0.5, 0): {"test_accuracy": 0.7, "train_images": 718}})
    data = charts.efficiency_data(snap, ["MLP", "CNN"])
    assert data["model"] == ["CNN", "MLP"] and data["images"] == [718, 718]
    assert data["x"][0] > 718 > data["x"][1]  # CNN's points a little right of the MLP's
    assert data["mean"] == [pytest.approx(0.7), pytest.approx(0.85)]
    assert data["low"][1] == 0.8 and data["high"][1] == 0.9 and data["seeds"] == [1, 2]


def test_generalization_data_gap_is_training_minus_validation():
    snap = _snap({("width", 8, 0): {"train_accuracy": 0.9, "val_accuracy": 0.8},
                  ("width", 8, 1): {"train_accuracy": 1.0, "val_accuracy": 0.8},
                  ("dropout", 0.2, 0): {"train_accuracy": 1.0, "val_accuracy": 0.9}})
    data = charts.generalization_data(snap, "width")
    assert data["gap"] == {"x": ["8"], "training": [pytest.approx(0.95)],
                           "validation": [pytest.approx(0.8)], "gap": [pytest.approx(0.15)]}
    assert data["points"]["series"] == ["training", "validation"]
    spec = charts.generalization_spec("width", list(ex.WIDTHS))
    assert spec["layer"][0]["data"] == {"name": "gap"}


def test_race_data_lists_every_epoch_of_every_optimizer():
    stats = [type("S", (), {"epoch": e, "loss": 1 / e, "val_accuracy": e / 10})()
             for e in (1, 2)]
    snap = ex.ExperimentSnapshot((ex.JobState(("Adam",), "running", tuple(stats)),
                                  ex.JobState(("SGD",), "queued")), True, 0.5, "")
    data = charts.race_data(snap, "loss")
    assert data == {"optimizer": ["Adam", "Adam"], "epoch": [1, 2], "value": [1.0, 0.5]}
    spec = charts.race_spec("loss", ["Adam", "SGD"], 30)
    assert spec["encoding"]["x"]["scale"]["domain"] == [1, 30]  # fixed: updates in place


def test_a_stopped_run_ends_at_once_even_when_its_share_has_had_more_than_others():
    """Stopping costs nothing: a run asked to stop (or left idle) goes before the fair
    order, or an experiment stopped while another user's run trains would show
    "running" until that run ends (and never report its end)."""
    scheduler = Scheduler(workers=1)
    share = FairShare()
    ended = []
    other = BackgroundRun(BusyTrainer, epochs=100_000, scheduler=scheduler)
    other.start()
    wait_for(lambda: len(other.snapshot().history) >= 1)
    served = BackgroundRun(BusyTrainer, epochs=100_000, share=share, scheduler=scheduler,
                           on_end=lambda r: ended.append(r.snapshot().status))
    served.start()
    wait_for(lambda: len(served.snapshot().history) >= 1)
    share.cpu_seconds += 1e6  # far ahead of the other: the fair order would never pick it
    time.sleep(0.1)
    trained = len(served.snapshot().history)
    wait_for(lambda: len(other.snapshot().history) >= 3)
    assert len(served.snapshot().history) <= trained + 1  # starved, as the order says
    served.stop()
    assert served.join(2) and served.wait_reported(2), served.snapshot().status
    assert ended == ["stopped"] and other.snapshot().active
    scheduler.stop_all()
