"""Every number on screen belongs to one named run: AppTest sequences of ordinary actions
(train, change a setting, step, pause, switch tabs) on the MLP page.

Results are checked against references computed here from the run's own configuration
(its split, its model), never against the page's own output.
"""

import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")
SMALL = {"epochs": "3", "epoch_delay_ms": "0", "hidden_units": "16,16,16",
         "activations": "relu,relu,relu"}


def open_mlp(params=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in (params or SMALL).items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/1_mlp.py").run()
    assert not at.exception, at.exception
    return at


def shown(at):
    return at.session_state["mlp:state"].shown


def wait(predicate, timeout=120):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def train_to_end(at) -> None:
    at.button(key="mlp:train").click().run()
    run = shown(at).run
    run.join(120)
    assert run.snapshot().status == "finished"
    at.run()
    assert not at.exception, at.exception


def open_tab(at, title: str) -> None:
    at.session_state["mlp:inspect_tab"] = title
    at.run()
    assert not at.exception, at.exception


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def texts(elements) -> str:
    return " ".join(e.value for e in elements)


def test_changing_the_seed_after_a_run_keeps_the_runs_own_results():
    """The issue's case: the old model scored on the new seed's split read 9.7%."""
    from dl_core.data import load_digits_split

    at = open_mlp()
    train_to_end(at)
    own = shown(at)
    split = load_digits_split(own.config.data, own.config.training.seed)
    probabilities = own.snapshot().test_probabilities
    expected = np.mean(probabilities.argmax(1) == split.y_test)
    open_tab(at, "Confusion matrix")
    assert metric(at, "Test accuracy") == f"{expected:.1%}"

    at.number_input(key="mlp:seed").set_value(1).run()
    assert not at.exception
    assert metric(at, "Test accuracy") == f"{expected:.1%}"  # still run 1 on its own split
    assert "seed 0 → 1" in texts(at.info) and "run 1" in texts(at.info)
    assert any("finished" in m.value for m in at.markdown)
    open_tab(at, "Mistakes")
    wrong = int(np.sum(probabilities.argmax(1) != split.y_test))
    assert f"{wrong} of {len(split.y_test)} test images are wrong" in texts(at.caption)


@pytest.mark.parametrize("tab", ["Summary", "Confusion matrix", "Mistakes",
                                 "Weights & gradients"])
def test_fewer_layers_after_a_run_never_raise_and_show_the_runs_network(tab):
    from dl_core.models import build_model

    at = open_mlp()
    train_to_end(at)
    own = shown(at)
    parameters = build_model(own.config.model).count_params()
    open_tab(at, tab)
    for layers in (2, 1, 4):
        at.slider(key="mlp:dense_count").set_value(layers).run()
        assert not at.exception, at.exception
    open_tab(at, "Summary")
    assert f"Run 1's network: **{parameters:,} trainable parameters**" in texts(at.markdown)
    assert "units 16,16,16 →" in texts(at.info)


def test_step_after_a_run_trains_the_same_model_one_more_epoch():
    at = open_mlp()
    train_to_end(at)
    first = shown(at)
    trainer = first.run.trainer
    at.button(key="mlp:step").click().run()
    again = shown(at)
    wait(lambda: len(again.snapshot().history) == 4 and not again.snapshot().active)
    assert again.number == 1 and again.run.trainer is trainer
    assert [s.epoch for s in again.snapshot().history] == [1, 2, 3, 4]
    assert len(trainer.history) == 4


def test_step_with_changed_settings_says_it_starts_a_new_run():
    at = open_mlp()
    train_to_end(at)
    at.number_input(key="mlp:seed").set_value(1).run()
    at.button(key="mlp:step").click().run()
    new = shown(at)
    wait(lambda: len(new.snapshot().history) == 1)
    assert new.number == 2 and new.config.training.seed == 1
    assert "Step started a new run (run 2) at epoch 1" in texts(at.info)
    assert "seed 0 → 1" in texts(at.info)
    new.run.stop()
    new.run.join(10)


def test_a_learning_rate_change_after_a_run_can_be_stepped_into():
    at = open_mlp()
    train_to_end(at)
    at.select_slider(key="mlp:learning_rate").set_value(0.01).run()
    assert "learning rate 0.001 → 0.01" in texts(at.info)
    assert "press **Step** to go on training it with them" in texts(at.info)
    at.button(key="mlp:step").click().run()
    run = shown(at).run
    wait(lambda: len(run.snapshot().history) == 4 and not run.snapshot().active)
    assert run.snapshot().lr_changes == ((4, 0.01),)
    assert run.snapshot().history[-1].learning_rate == 0.01


def test_pause_label_follows_the_click_at_once():
    at = open_mlp({"epochs": "1000", "epoch_delay_ms": "10", "hidden_units": "8",
                   "activations": "relu"})
    at.button(key="mlp:train").click().run()
    run = shown(at).run
    wait(lambda: len(run.snapshot().history) >= 1)
    at.run()
    assert at.button(key="mlp:pause").label == "Pause"
    at.button(key="mlp:pause").click().run()
    assert at.button(key="mlp:pause").label == "Resume"  # in the very same rerun
    at.button(key="mlp:pause").click().run()
    assert at.button(key="mlp:pause").label == "Pause"
    at.button(key="mlp:step").click().run()
    assert at.button(key="mlp:pause").label == "Resume"
    run.stop()
    run.join(10)


def test_a_diverging_preset_shows_where_the_nan_appeared():
    at = open_mlp({})
    at.selectbox(key="mlp:preset").set_value("Too high a learning rate (diverges)").run()
    at.button(key="mlp:train").click().run()
    run = shown(at).run
    run.join(120)
    snap = run.snapshot()
    assert snap.status == "diverged" and snap.divergence is not None
    at.run()
    errors = texts(at.error)
    assert f"batch {snap.divergence.batch} of {snap.divergence.batches}" in errors
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Where it diverged" in spec for spec in specs)


def _snapshot(**fields):
    from dl_core.runs import RunSnapshot

    base = dict(status="running", message="", history=(), target_epochs=50,
                elapsed_seconds=1.0, lr_changes=(), test_probabilities=None, kernels={})
    return RunSnapshot(**{**base, **fields})


def test_progress_says_what_happens_before_the_first_epoch():
    from ui.live import progress_line

    assert "building the network and compiling" in progress_line(_snapshot(status="starting"))
    assert "epochs/s" not in progress_line(_snapshot(status="starting"))
    history = tuple(range(3))
    assert "training · epoch **3** of 50" in progress_line(_snapshot(history=history))
    pausing = progress_line(_snapshot(history=history, pause_requested=True))
    assert "pausing after this epoch" in pausing
    # a continued run whose first own epoch is still being built
    continued = progress_line(_snapshot(history=history, first_epoch=4, status="paused"))
    assert "building" in continued


def test_metric_changes_keep_meaningful_digits():
    from ui.live import _signed

    assert _signed(0.00031) == "+0.00031" and _signed(-1.234) == "-1.2"
    assert _signed(3.1e-05) == "+3.1e-05" and _signed(0.0) == "±0"


def test_share_shows_the_whole_link():
    at = open_mlp()
    links = " ".join(c.value for c in at.code)
    assert "hidden_units=16%2C16%2C16" in links and "seed=0" in links


def test_home_says_training_runs_on_the_server_and_hides_developer_chrome():
    import tomllib

    at = AppTest.from_file(APP, default_timeout=180).run()
    text = " ".join(m.value for m in at.markdown)
    assert "train on the server" in text and "in your browser, with" not in text.split("live")[0]
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["toolbarMode"] == "viewer"  # no Deploy button for users


def test_a_diverged_cnn_shows_a_message_not_nan_maps():
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in {"optimizer": "sgd", "learning_rate": "10", "scale_inputs": "0",
                       "conv_activations": "linear,linear", "head_units": "0",
                       "epochs": "5", "epoch_delay_ms": "0"}.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/2_cnn.py").run()
    at.button(key="cnn:train").click().run()
    run = at.session_state["cnn:state"].shown.run
    assert run.join(120)
    if run.snapshot().status != "diverged":
        pytest.skip("this CNN did not diverge")
    at.run()
    assert not at.exception, at.exception
    assert "diverged, so its weights are no longer numbers" in texts(at.warning)


def test_leaving_the_mistake_input_does_not_crash_the_cnn_page():
    """Seen in Chromium: Mistake, then Draw or Test digit, raised 'truth value of an array
    is ambiguous' (the options held NumPy arrays)."""
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in {"epochs": "2", "epoch_delay_ms": "0"}.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/2_cnn.py").run()
    at.button(key="cnn:train").click().run()
    assert at.session_state["cnn:state"].shown.run.join(120)
    at.run()
    for source in ("Mistake", "Test digit", "Mistake", "Draw"):
        at.get("button_group")[0].set_value(source).run()
        assert not at.exception, (source, at.exception)
