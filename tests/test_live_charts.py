"""The live charts' specs: fixed during a run (so the browser updates them in place)."""

import json

from dl_core.live_charts import SERIES, curve_chart, curve_datasets, curve_spec, lr_marks
from dl_core.training import EpochStats


def _history(n):
    return [EpochStats(i, 1.0 / i, 0.5 + i / 40, 1.2 / i, 0.5 + i / 50, 0.01, 1e5, 0.001)
            for i in range(1, n + 1)]


def test_spec_does_not_depend_on_the_data():
    a = curve_chart("loss", _history(2), 50, [(2, 0.01)], {"val_loss": 0.2, "val_accuracy": 0.9})
    b = curve_chart("loss", _history(40), 50, [(2, 0.01), (30, 0.1)], None)
    a.pop("datasets"), b.pop("datasets")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert a == curve_spec("loss", 50)
    assert curve_spec("loss", 50) != curve_spec("loss", 60)  # a new run may change the axis


def test_datasets_hold_every_point_and_series():
    data = curve_datasets("accuracy", _history(5), [(3, 0.01)],
                          {"val_loss": 0.2, "val_accuracy": 0.96}, 20)
    curves = data["curves"]
    assert curves["epoch"] == [1, 2, 3, 4, 5] * 2
    assert curves["series"] == [SERIES[0]] * 5 + [SERIES[1]] * 5
    assert curves["value"][0] == 0.5 + 1 / 40 and curves["value"][5] == 0.5 + 1 / 50
    assert data["baseline"] == {"value": [0.96], "series": [SERIES[2]]}
    assert data["lr"] == {"x": [2.5], "label": ["lr 0.01"]}
    empty = curve_datasets("loss", [], (), None, 20)
    assert empty["curves"]["epoch"] == [] and empty["baseline"]["value"] == []


def test_quick_learning_rate_changes_merge_into_one_readable_mark():
    changes = [(e, 0.001 * e) for e in range(10, 20)]  # ten changes in ten epochs
    marks = lr_marks(changes, span=200)
    assert marks == [(10, "lr → 0.019 (10 changes)")]
    spaced = lr_marks([(10, 0.01), (60, 0.1), (62, 0.2)], span=100)
    assert spaced == [(10, "lr 0.01"), (60, "lr → 0.2 (2 changes)")]
