"""Points people add to the 2D playground (clicks and CSV files), how they reach the
training set and the link, and the exported script checked against the trainer."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dl_core.playground_data import (MAX_POINTS, add_point, parse_points_csv, points_csv,
                                     remove_nearest, split)
from dl_core.playground_settings import (CUSTOM, PlaygroundSpec, from_query_params,
                                         points_for, to_query_params)

coordinate = st.floats(-6, 6, allow_nan=False).map(lambda v: round(v, 2))


@st.composite
def points_on(draw, dataset):
    n = draw(st.integers(0, 40))
    labels = (st.sampled_from([-1.0, -0.5, 0.0, 1.0]) if dataset in ("plane", "gaussians")
              else st.integers(0, 3 if dataset == CUSTOM else 1).map(float))
    values = []
    for _ in range(n):
        values += [draw(coordinate), draw(coordinate), draw(labels)]
    return tuple(values)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["circle", "plane", CUSTOM]).flatmap(
    lambda d: st.tuples(st.just(d), points_on(d))))
def test_points_survive_the_link_and_a_csv_file(case):
    dataset, points = case
    spec = PlaygroundSpec(dataset=dataset, points=points)
    again, warnings = from_query_params(to_query_params(spec))
    assert warnings == [] and again == spec
    if points:
        assert parse_points_csv(points_csv(points).encode(), dataset) == points


@pytest.mark.parametrize("data, fragment", [
    (b"\xff\xfe\x00junk", "not text"),
    (b"x,y,label\n1,2\n", "line 2: expected three numbers"),
    (b"1,2,1\n1,abc,0\n", "line 2: expected three numbers"),
    (b"1,2,nan\n", "line 1: expected three numbers"),
    (b"7,0,1\n", "outside the plane"),
    (b"1,1,2\n", "label 2 does not fit Circle"),
    (b"1,1,0.5\n", "label 0.5 does not fit Circle"),
    (b"x,y,label\n", "no points"),
    (b"", "no points"),
    ("1,1,1\n".encode() * (MAX_POINTS + 1), f"more than {MAX_POINTS} points; at most"),
])
def test_a_bad_csv_file_says_which_line_and_why(data, fragment):
    with pytest.raises(ValueError, match=fragment):
        parse_points_csv(data, "circle")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_file_gives_points_or_a_clear_message(data):
    try:
        points = parse_points_csv(data, "circle")
    except ValueError as exc:
        assert str(exc)
    else:
        PlaygroundSpec(dataset="circle", points=points)  # valid for the spec


def test_a_header_and_blank_lines_are_fine_and_labels_keep_their_values():
    data = b"x,y,label\n\n1.234,-2,1\n 0.5 , 0.25 , 0 \n"
    assert parse_points_csv(data, "circle") == (1.23, -2.0, 1.0, 0.5, 0.25, 0.0)
    assert parse_points_csv(b"0,0,-0.5\n", "plane") == (0.0, 0.0, -0.5)


def test_clicks_add_and_remove_the_nearest_point():
    points = add_point((), 1.234, -2.0, 1)
    points = add_point(points, 3.0, 3.0, 0)
    assert points == (1.23, -2.0, 1.0, 3.0, 3.0, 0.0)
    assert remove_nearest(points, 2.9, 3.2) == (1.23, -2.0, 1.0)
    assert remove_nearest(points, 0.0, 0.0) == points  # nothing within reach
    full = tuple(v for _ in range(MAX_POINTS) for v in (0.0, 0.0, 1.0))
    assert add_point(full, 1.0, 1.0, 0) == full


def test_your_points_always_train_and_the_custom_set_has_only_them():
    points = (1.0, 1.0, 1.0, -2.0, 0.5, 0.0)
    x_train, y_train, x_test, y_test = split(PlaygroundSpec(points=points, n_samples=100))
    assert len(y_train) == 52 and len(y_test) == 50
    np.testing.assert_array_equal(x_train[-2:], [[1.0, 1.0], [-2.0, 0.5]])
    assert y_train[-2:].tolist() == [1, 0]
    custom = PlaygroundSpec(dataset=CUSTOM, points=points + (0.0, 0.0, 3.0))
    x_train, y_train, x_test, y_test = split(custom)
    assert len(y_train) == 3 and len(y_test) == 0 and custom.classes == 4


def test_a_custom_run_trains_without_test_points():
    from dl_core.playground import PlaygroundTrainer

    points = tuple(v for x in np.linspace(-5, 5, 11) for v in (x, 0.0, float(x > 0)))
    trainer = PlaygroundTrainer(PlaygroundSpec(dataset=CUSTOM, points=points, hidden=(),
                                               activations=(), learning_rate=0.3))
    for _ in range(30):
        stats = trainer.train_epoch()
    assert stats.test_loss is None and stats.test_accuracy is None
    assert stats.accuracy >= 0.9
    with pytest.raises(ValueError, match="no points"):
        PlaygroundTrainer(PlaygroundSpec(dataset=CUSTOM))


def test_points_that_lose_their_meaning_go_when_the_set_changes():
    points = (1.0, 1.0, 0.0, 2.0, 2.0, 3.0)
    assert points_for(points, CUSTOM, "circle") == ((1.0, 1.0, 0.0), 1)
    assert points_for(points, CUSTOM, "blobs4") == (points, 0)
    assert points_for(points, CUSTOM, "plane") == ((), 2)  # a class is not a value


def test_bad_points_in_a_link_are_left_out_with_a_warning():
    spec, warnings = from_query_params({"dataset": "circle", "points": "1,1,3"})
    assert spec.points == () and "point 1 has label 3" in warnings[0]
    spec, warnings = from_query_params({"points": "1,1"})
    assert spec.points == () and "three" in warnings[0]
    spec, warnings = from_query_params({"points": "9,1,1"})
    assert spec.points == () and "point 1 at (9, 1) lies outside the plane" in warnings[0]
    spec, warnings = from_query_params({"points": "1,1,9", "dataset": "blobs3"})
    assert ("point 1 has label 9; on 3 blobs (3 classes) a label is a class from 0 to 2"
            in warnings[0])
    spec, warnings = from_query_params({"points": "1,1,x"})
    assert spec.points == () and warnings[0].startswith("points:")


def test_the_exported_script_trains_the_same_network_with_model_fit(tmp_path):
    """The trusted reference: plain model.fit on the script's embedded data gives the
    trainer's losses (same initial weights, same batches)."""
    from dl_core.playground import PlaygroundTrainer
    from dl_core.playground_codegen import playground_script

    spec = PlaygroundSpec(dataset="xor", features=("x1", "x2", "x1_times_x2"), hidden=(4,),
                          activations=("relu",), l2=1e-3, n_samples=200,
                          points=(1.0, 1.0, 0.0))
    trainer = PlaygroundTrainer(spec)
    for _ in range(4):
        stats = trainer.train_epoch()
    script = tmp_path / "playground_xor.py"
    script.write_text(playground_script(spec, 4))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = {line.split(":", 1)[0]: eval(line.split(":", 1)[1])  # noqa: S307 - our output
             for line in result.stdout.splitlines() if line.startswith(("training:", "test:"))}
    assert lines["training"]["loss"] == pytest.approx(stats.loss, rel=1e-4)
    assert lines["test"]["loss"] == pytest.approx(stats.test_loss, rel=1e-4)
    assert lines["test"]["accuracy"] == pytest.approx(stats.test_accuracy, abs=1e-6)
