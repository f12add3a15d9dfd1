"""AppTest tests of issue 11's pages: runs kept when they end (MLP, 2D), the history
panel, the Compare page (compare, rename, pin, delete, export), a history file that
cannot be used, one session's runs hidden from another, and the Experiments page."""

import json
import time

import pytest

from tests.test_pages import MLP, open_page, shown_run, widget

COMPARE, EXPERIMENTS, PLAYGROUND = ("pages/5_compare.py", "pages/6_experiments.py",
                                    "pages/4_playground.py")
SHORT = {"epochs": "3", "epoch_delay_ms": "0", "hidden_units": "16", "activations": "relu"}


@pytest.fixture
def history(tmp_path, monkeypatch):
    """A fresh, empty history file for this test."""
    path = tmp_path / "runs.sqlite3"
    monkeypatch.setenv("DL_HISTORY_PATH", str(path))
    monkeypatch.setenv("DL_HISTORY_SCOPE", "local")
    return path


def _train(at, params=SHORT):
    widget(at.button, "Train").click().run()
    run = shown_run(at)
    assert run.join(120) and run.wait_reported(10)
    at.run()
    assert not at.exception, at.exception
    return run


def test_a_finished_run_is_kept_listed_and_compared(history):
    at = open_page(MLP, SHORT)
    _train(at)
    assert any(e.label == "Run history: 1 run of this page kept" for e in at.expander)
    at.switch_page(COMPARE).run()
    assert not at.exception, at.exception
    picked = widget(at.multiselect, "Runs to compare")
    assert len(picked.value) == 1 and "MLP run 1" in picked.format_func(picked.value[0])
    table = at.dataframe[0].value
    assert table["epochs"].tolist() == [3] and table["parameters"].tolist() == [1210]
    assert table["link"][0].split("?")[0].endswith("/mlp") and "hidden_units=16" in \
        table["link"][0]
    assert at.get("download_button")  # "Download 1 run as JSON"
    exported = json.loads(_export(history))
    assert len(exported["runs"]) == 1 and len(exported["runs"][0]["curves"]["loss"]) == 3


def _export(path) -> str:
    from dl_core.history import RunStore

    return RunStore(path).export_json("local")


def test_two_runs_show_what_differs_and_can_be_renamed_pinned_and_deleted(history):
    at = open_page(MLP, SHORT)
    _train(at)
    widget(at.button, "Reset").click().run()
    at.switch_page(MLP).run()
    _train(at)  # the same settings again: nothing differs but the run
    at.switch_page(COMPARE).run()
    assert len(widget(at.multiselect, "Runs to compare").value) == 2
    assert any("no setting: they differ only in how they ran" in m.value for m in at.markdown)
    run_id = widget(at.selectbox, "Run").value
    at.text_input(key=f"compare:name:{run_id}").set_value("my baseline").run()
    at.toggle(key=f"compare:pin:{run_id}").set_value(True).run()
    assert not at.exception, at.exception
    from dl_core.history import RunStore

    [first, second] = RunStore(history).runs("local")
    assert first.id == run_id and first.name == "my baseline" and first.pinned
    at.selectbox(key="compare:manage").set_value(second.id).run()
    at.button(key=f"compare:delete:{second.id}").click().run()
    assert [r.id for r in RunStore(history).runs("local")] == [run_id]
    assert any(s.value.startswith("Deleted MLP run") for s in at.success)
    assert widget(at.multiselect, "Runs to compare").value == [run_id]


def test_runs_survive_a_new_process_reading_the_same_file(history):
    at = open_page(MLP, SHORT)
    _train(at)
    from ui import history_ui

    history_ui._stores.clear()  # what a restart forgets
    again = open_page(COMPARE)
    assert len(widget(again.multiselect, "Runs to compare").value) == 1


def test_a_damaged_history_file_is_said_and_training_goes_on(tmp_path, monkeypatch):
    path = tmp_path / "runs.sqlite3"
    path.write_bytes(b"not a database at all" * 50)
    monkeypatch.setenv("DL_HISTORY_PATH", str(path))
    at = open_page(MLP, SHORT)
    run = _train(at)
    assert run.snapshot().status == "finished"
    assert any("is damaged" in w.value and "move it away" in w.value for w in at.warning)
    at.switch_page(COMPARE).run()
    assert not at.exception and any("is damaged" in w.value for w in at.warning)
    assert path.read_bytes() == b"not a database at all" * 50  # left as it was


def test_on_a_shared_server_a_session_sees_only_its_own_runs(history, monkeypatch):
    monkeypatch.setenv("DL_HISTORY_SCOPE", "session")
    at = open_page(MLP, SHORT)
    _train(at)
    at.switch_page(COMPARE).run()
    assert len(widget(at.multiselect, "Runs to compare").value) == 1
    other = open_page(COMPARE)
    assert not other.multiselect and any("No run is kept yet" in i.value for i in other.info)


def test_a_2d_run_is_kept_when_it_ends(history):
    at = open_page(PLAYGROUND, {"dataset": "xor", "hidden": "4", "activations": "tanh"})
    widget(at.button, "Step").click().run()
    run = at.session_state["playground:state"].shown.run
    end = time.monotonic() + 60
    while not run.snapshot().history and time.monotonic() < end:
        time.sleep(0.05)
    widget(at.button, "Reset").click().run()
    assert run.join(10) and run.wait_reported(10)
    from dl_core.history import RunStore

    [record] = RunStore(history).runs("local")
    assert record.page == "playground" and record.epochs >= 1 and record.name == "2D run 1"
    assert record.config["dataset"] == "xor" and record.status == "stopped"


def test_the_race_runs_to_the_end_and_stop_keeps_a_sweeps_finished_points(history):
    at = open_page(EXPERIMENTS)
    widget(at.button, "Run the optimizer race").click().run()
    race = at.session_state["experiments:runs"]["race"]
    assert race.join(120)
    at.run()
    assert not at.exception, at.exception
    assert any("8** of 8 runs done" in m.value for m in at.markdown)
    assert any("has the best validation accuracy" in c.value for c in at.caption)
    at.radio(key="experiments:kind").set_value("efficiency").run()
    widget(at.button, "Run the data-efficiency sweep").click().run()
    sweep = at.session_state["experiments:runs"]["efficiency"]
    end = time.monotonic() + 120
    while sweep.snapshot().done < 4 and time.monotonic() < end:
        sweep.touch()
        time.sleep(0.1)
    at.run()
    widget(at.button, "Stop").click().run()
    assert sweep.join(30)
    at.run()
    snap = sweep.snapshot()
    assert snap.reason == "stopped with the Stop button" and len(snap.results()) >= 4
    assert any("stopped with the Stop button" in m.value for m in at.markdown)
    assert not at.exception, at.exception


def test_compute_cost_plots_one_point_per_kept_run(history):
    at = open_page(MLP, SHORT)
    _train(at)
    at.switch_page(EXPERIMENTS).run()
    at.radio(key="experiments:kind").set_value("cost").run()
    assert not at.exception, at.exception
    assert any(c.value.startswith("1 run kept.") for c in at.caption)


@pytest.mark.parametrize("page", [COMPARE, EXPERIMENTS])
def test_the_compare_and_experiments_pages_open_without_tensorflow(page, tmp_path):
    """Both read the history and draw charts: TensorFlow (~4 s) loads only when an
    experiment trains."""
    import subprocess
    import sys

    from tests.test_pages import APP, ROOT

    code = ("import sys\nfrom streamlit.testing.v1 import AppTest\n"
            f"at = AppTest.from_file({APP!r}, default_timeout=120).run()\n"
            f"at.switch_page({page!r}).run()\n"
            "assert not at.exception, at.exception\n"
            "assert 'tensorflow' not in sys.modules, 'tensorflow imported'\nprint('ok')")
    env = {**__import__("os").environ, "DL_HISTORY_PATH": str(tmp_path / "runs.sqlite3")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300, cwd=ROOT, env=env)
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr[-2000:]


def test_a_diverged_run_is_kept_with_its_reason(history):
    from dl_core.history import RunStore

    at = open_page(MLP, {"optimizer": "sgd", "learning_rate": "10", "scale_inputs": "0",
                         "activations": "linear,linear,linear", "epochs": "20",
                         "epoch_delay_ms": "0"})
    run = _train(at)
    assert run.snapshot().status == "diverged"
    [record] = RunStore(history).runs("local", curves=True)
    assert record.status == "diverged" and "loss became NaN" in record.reason
    assert record.epochs == len(run.snapshot().history)
    assert all(v is None or v == v for v in record.curves["loss"])  # no NaN in the JSON
