"""What a page keeps of an ended run (dl_core.recording) and how runs are compared
(dl_core.compare): figures checked against Keras and scikit-learn directly."""

import numpy as np
import pytest

from dl_core.compare import curves_figure, differing_settings, setting_columns
from dl_core.config import Config, describe, to_query_params
from dl_core.history import RunRecord
from dl_core.recording import digits_record, playground_record
from dl_core.runs import BackgroundRun


def _ended_run(make_trainer, epochs):
    trainers = []
    run = BackgroundRun(lambda: trainers.append(make_trainer()) or trainers[-1], epochs=epochs)
    assert run.start().join(120)
    return run, trainers[0]


def test_a_digits_record_holds_the_runs_settings_curves_and_figures():
    from dl_core.training import Trainer, model_inputs

    config = Config().replace(hidden_units=(16,), activations=("relu",), epochs=3,
                              epoch_delay_ms=0)
    run, trainer = _ended_run(lambda: Trainer(config), 3)
    snap = run.snapshot()
    record = digits_record("mlp", to_query_params(config), describe(config), snap, trainer,
                           "abc", 1_790_000_000.0, name="MLP run 1")
    assert record.config == to_query_params(config) and record.epochs == 3
    assert record.curves["epoch"] == [1, 2, 3]
    assert record.curves["val_accuracy"] == [s.val_accuracy for s in snap.history]
    assert record.parameters == trainer.model.count_params() == 64 * 16 + 16 + 16 * 10 + 10
    assert record.flops_per_example == 2 * (64 * 16 + 16 * 10) + 16 + 10
    predicted = trainer.model.predict(model_inputs(config, trainer.split.x_test),
                                      verbose=0).argmax(1)
    assert record.metrics["test_accuracy"] == pytest.approx(
        np.mean(predicted == trainer.split.y_test))
    assert record.metrics["val_accuracy"] == snap.history[-1].val_accuracy
    assert record.status == "finished" and record.reason == "trained 3 epochs"
    assert record.ms_per_epoch == pytest.approx(
        1000 * float(np.median([s.seconds for s in snap.history])))
    assert RunRecord.from_dict(__import__("dataclasses").asdict(record)) == record


def test_a_2d_record_uses_its_test_points_as_the_held_out_curves():
    from dl_core.playground import PlaygroundTrainer
    from dl_core.playground_settings import PlaygroundSpec, to_query_params as params_2d

    spec = PlaygroundSpec(dataset="xor", hidden=(4,), activations=("tanh",))
    run, trainer = _ended_run(lambda: PlaygroundTrainer(spec), 4)
    snap = run.snapshot()
    record = playground_record(params_2d(spec), "xor", snap, trainer, "id", 1_790_000_000.0)
    assert record.page == "playground" and record.epochs == 4
    assert record.curves["val_accuracy"] == [s.test_accuracy for s in snap.history]
    assert record.metrics["test_accuracy"] == snap.history[-1].test_accuracy
    assert record.parameters == trainer.model.count_params() == 2 * 4 + 4 + 4 * 2 + 2


def _record(page="mlp", **config):
    return RunRecord(page=page, config=config, curves={"epoch": [1, 2], "loss": [1.0, 0.5],
                                                       "val_loss": [1.1, 0.7],
                                                       "accuracy": [0.5, 0.8],
                                                       "val_accuracy": [0.4, None]},
                     metrics={}, parameters=1, flops_per_example=1, ms_per_epoch=1.0,
                     epochs=2, status="finished", reason="", started=1_790_000_000.0)


def test_only_the_settings_that_differ_are_compared():
    a = _record(hidden_units="64,64,32", learning_rate="0.001", seed="0")
    b = _record(hidden_units="16", learning_rate="0.001", seed="0")
    c = _record("playground", dataset="xor", learning_rate="0.03")
    assert differing_settings([a, b]) == ["hidden_units"]
    assert differing_settings([a, b, c]) == ["page", "hidden_units", "learning_rate", "seed",
                                             "dataset"]
    columns = setting_columns([a, b])
    assert columns == [{"Units (dense layers)": "64,64,32"}, {"Units (dense layers)": "16"}]
    assert setting_columns([a, c])[1]["Units (dense layers)"] == "-"  # not on its page
    assert differing_settings([a, a]) == []


def test_the_curves_figure_draws_training_and_validation_per_run_in_one_colour():
    a, b = _record(), _record()
    figure = curves_figure([a, b], ["run A", "run B"], "loss")
    assert [t.name for t in figure.data] == ["run A", "run A", "run B", "run B"]
    assert [t.showlegend for t in figure.data] == [True, False, True, False]  # one per run
    assert figure.data[0].line.color == figure.data[1].line.color != figure.data[2].line.color
    assert figure.data[1].line.dash == "dash" and list(figure.data[1].y) == [1.1, 0.7]
