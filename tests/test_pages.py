"""AppTest tests: each page's script run headless, widgets set, elements asserted."""

import subprocess
import sys
import time

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")
TIMEOUT = 180  # TensorFlow's first import alone takes seconds


def open_page(page=None, params=None, locale=None) -> AppTest:
    """The app opened at ``page`` with a link's ``params`` (and a browser ``locale``)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if locale:
        at.context["locale"] = locale
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def widget(elements, label):
    return next(e for e in elements if e.label == label)


def test_home_lists_every_page():
    at = open_page()
    assert at.title[0].value == "Deep-learning playground"
    text = " ".join(m.value for m in at.markdown)
    for phrase in ("Train", "feature maps", "gradients"):
        assert phrase.lower() in text.lower()


def test_home_does_not_import_tensorflow():
    code = ("import sys\nfrom streamlit.testing.v1 import AppTest\n"
            f"at = AppTest.from_file({APP!r}, default_timeout=120).run()\n"
            "assert not at.exception\n"
            "assert 'tensorflow' not in sys.modules, 'tensorflow imported'\nprint('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr[-2000:]


MLP = "pages/1_mlp.py"


def test_mlp_controls_are_generated_from_the_settings_table():
    at = open_page(MLP)
    sliders = [s.label for s in at.sidebar.slider]
    assert "Hidden layers" in sliders and sliders.count("Units") == 3
    assert [s.label for s in at.sidebar.selectbox].count("Activation") == 3
    assert "Learning rate" not in [s.label for s in at.sidebar.select_slider]
    # the settings a run takes on the fly sit beside the chart, not in the sidebar
    assert {"Learning rate", "Pause between epochs (ms)"} <= {s.label for s in at.main.select_slider}
    assert "Epochs" in [s.label for s in at.main.slider]
    for label in ("Optimizer", "Weight initializer", "Preset"):
        assert label in [s.label for s in at.sidebar.selectbox]
    assert [b.label for b in at.button][:5] == ["Train", "Pause", "Step", "Stop", "Reset"]
    assert at.query_params["hidden_units"] == "64,64,32"


def test_momentum_shows_only_for_optimizers_that_use_it():
    at = open_page(MLP)
    assert "Momentum" not in [s.label for s in at.sidebar.slider]
    widget(at.sidebar.selectbox, "Optimizer").set_value("sgd").run()
    assert "Momentum" in [s.label for s in at.sidebar.slider]
    assert "Nesterov momentum" in [t.label for t in at.sidebar.toggle]


def test_preset_applies_every_setting():
    at = open_page(MLP)
    widget(at.sidebar.selectbox, "Preset").set_value("Seed example").run()
    assert widget(at.sidebar.slider, "Hidden layers").value == 2
    assert [s.value for s in at.sidebar.slider if s.label == "Units"] == [10, 8]
    assert widget(at.main.slider, "Epochs").value == 10
    assert widget(at.sidebar.toggle, "Scale pixels to [0, 1]").value is False
    assert at.query_params["hidden_units"] == "10,8"
    assert at.query_params["scale_inputs"] == "0"


def test_url_restores_the_configuration():
    params = {"hidden_units": "20,10", "activations": "tanh,sigmoid", "optimizer": "sgd",
              "learning_rate": "0.05", "momentum": "0.9", "epochs": "7", "seed": "42"}
    at = open_page(MLP, params)
    assert not at.warning
    assert [s.value for s in at.sidebar.slider if s.label == "Units"] == [20, 10]
    assert [s.value for s in at.sidebar.selectbox if s.label == "Activation"] == ["tanh", "sigmoid"]
    assert widget(at.main.select_slider, "Learning rate").value == 0.05
    assert widget(at.sidebar.slider, "Momentum").value == 0.9
    assert widget(at.sidebar.number_input, "Seed").value == 42
    assert at.query_params["learning_rate"] == "0.05"


def test_url_junk_warns_and_falls_back():
    at = open_page(MLP, {"learning_rate": "lots", "epochs": "-3", "units": "7"})
    warnings = " ".join(w.value for w in at.warning)
    assert "learning_rate" in warnings and "epochs" in warnings and "units" in warnings
    assert widget(at.main.select_slider, "Learning rate").value == 0.001
    assert widget(at.main.slider, "Epochs").value == 50


def shown_run(at, page="mlp"):
    """The BackgroundRun the page shows (None without one)."""
    state = at.session_state[f"{page}:state"] if f"{page}:state" in at.session_state else None
    return state.shown.run if state and state.shown else None


def _wait_for_run(at, page="mlp", timeout=120):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        run = shown_run(at, page)
        if not run.snapshot().active:
            return run.snapshot()
        time.sleep(0.2)
    raise AssertionError("run did not finish")


def test_train_yields_history_and_inspection():
    at = open_page(MLP, {"epochs": "3", "epoch_delay_ms": "0", "hidden_units": "16",
                         "activations": "relu"})
    widget(at.button, "Train").click().run()
    snap = _wait_for_run(at)
    assert snap.status == "finished" and len(snap.history) == 3
    at.run()
    assert not at.exception
    assert any("finished" in m.value and "epoch **3** of 3" in m.value for m in at.markdown)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Validation accuracy"].endswith("%")
    assert any(b.label.startswith("Download run 1's trained model") for b in at.get("download_button"))


def test_step_trains_one_epoch_then_pauses():
    at = open_page(MLP, {"hidden_units": "8", "activations": "relu"})
    widget(at.button, "Step").click().run()
    run = shown_run(at)
    end = time.monotonic() + 120
    while len(run.snapshot().history) < 1 and time.monotonic() < end:
        time.sleep(0.1)
    time.sleep(0.3)
    snap = run.snapshot()
    assert snap.status == "paused" and len(snap.history) == 1
    widget(at.button, "Stop").click().run()
    run.join(10)
    assert run.snapshot().status == "stopped"


def test_diverging_run_explains_what_to_change():
    at = open_page(MLP, {"optimizer": "sgd", "learning_rate": "10", "scale_inputs": "0",
                         "activations": "linear,linear,linear", "epochs": "20",
                         "epoch_delay_ms": "0"})
    widget(at.button, "Train").click().run()
    snap = _wait_for_run(at)
    assert snap.status == "diverged"
    at.run()
    errors = " ".join(e.value for e in at.error)
    assert "Loss became NaN" in errors and "too high for SGD" in errors


@pytest.mark.parametrize("extra, change", [
    ({}, lambda at: widget(at.sidebar.slider, "Hidden layers").set_value(2)),
    ({}, lambda at: widget(at.sidebar.selectbox, "Optimizer").set_value("sgd")),
    ({"optimizer": "sgd"}, lambda at: widget(at.sidebar.slider, "Momentum").set_value(0.5)),
], ids=["architecture", "optimizer", "momentum"])
def test_a_change_that_needs_a_new_model_stops_the_run(extra, change):
    at = open_page(MLP, {"epochs": "1000", "hidden_units": "8", "activations": "relu", **extra})
    widget(at.button, "Train").click().run()
    run = shown_run(at)
    change(at).run()
    run.join(30)
    assert run.snapshot().status == "stopped"
    at.run()
    infos = " ".join(i.value for i in at.info)
    assert "Training of run 1 stopped" in infos and "need a new model" in infos
    assert "Settings changed since" in infos and "press **Train** to train with them" in infos


def _start_long_run():
    """The MLP page with a small net training for 1000 epochs, 2 of them done already."""
    at = open_page(MLP, {"epochs": "1000", "hidden_units": "8", "activations": "relu",
                         "epoch_delay_ms": "10"})
    widget(at.button, "Train").click().run()
    run = shown_run(at)
    end = time.monotonic() + 120
    while len(run.snapshot().history) < 2 and time.monotonic() < end:
        time.sleep(0.05)
    return at, run


def test_learning_rate_change_reaches_the_live_run():
    at, run = _start_long_run()
    widget(at.main.select_slider, "Learning rate").set_value(0.01).run()
    end = time.monotonic() + 30
    while not run.snapshot().lr_changes and time.monotonic() < end:
        time.sleep(0.05)
    assert run.snapshot().active and run.snapshot().lr_changes[0][1] == 0.01
    run.stop()
    run.join(10)


BACKPROP = "pages/3_backprop.py"


def test_backprop_two_steps_lower_the_loss_and_match_tensorflow():
    at = open_page(BACKPROP)
    assert at.subheader[0].value.startswith("Step 1: loss")
    losses = [float(at.subheader[0].value.split("loss ")[1])]
    for step in (2, 3):
        at.button(key="bp:next").click().run()
        assert not at.exception
        heading = at.subheader[0].value
        assert heading.startswith(f"Step {step}: loss")
        losses.append(float(heading.split("loss ")[1]))
    assert losses[2] < losses[1] < losses[0]
    check = next(m.value for m in at.markdown if "Checked against TensorFlow" in m.value)
    difference = float(check.split("difference **")[1].split("**")[0])
    assert difference < 1e-10
    formulas = " ".join(x.value for x in at.latex)
    assert r"\delta_1" in formulas and r"\leftarrow" in formulas and "bmatrix" in formulas


def test_backprop_settings_reset_the_walk_through():
    at = open_page(BACKPROP)
    at.button(key="bp:next").click().run()
    at.selectbox(key="bp:activation").set_value("relu").run()
    at.slider(key="bp:hidden").set_value(4).run()
    assert not at.exception and at.subheader[0].value.startswith("Step 1:")
    at.selectbox(key="bp:loss").set_value("mse").run()
    assert not at.exception
    at.radio(key="bp:flow_act").set_value("relu").run()
    assert not at.exception


CNN = "pages/2_cnn.py"


def test_cnn_page_trains_and_shows_maps_formula_and_saliency():
    at = open_page(CNN, {"epochs": "2", "epoch_delay_ms": "0"})
    assert [s.label for s in at.sidebar.slider].count("Filters") == 2
    assert any("Press **Train**" in i.value for i in at.info)
    at.button(key="cnn:train").click().run()
    snap = _wait_for_run(at, page="cnn")
    assert snap.status == "finished"
    at.run()
    assert not at.exception
    titles = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("conv_act_1" in t for t in titles) and any("pool_1" in t for t in titles)
    assert any("Top 3 predictions" in t for t in titles)


def test_cnn_refuses_impossible_shapes_before_training():
    at = open_page(CNN)
    at.slider(key="cnn:conv_count").set_value(3).run()
    for i in range(3):
        at.slider(key=f"cnn:conv_kernels:{i}").set_value(5).run()
        at.selectbox(key=f"cnn:conv_padding:{i}").set_value("valid").run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "cannot be built" in errors and "leaves nothing" in errors
    assert at.button(key="cnn:train").disabled


def test_cnn_mistake_input_needs_training_first():
    at = open_page(CNN)
    at.get("button_group")[0].set_value("Mistake").run()
    assert not at.exception
    assert any("Train first" in i.value for i in at.info)


def test_a_run_past_capacity_waits_in_line_and_starts_by_itself(monkeypatch):
    from dl_core import runs
    from tests.test_runs import FakeTrainer

    scheduler = runs.Scheduler(workers=1, max_active=1)
    monkeypatch.setattr(runs, "_default", scheduler)
    blocker = runs.BackgroundRun(FakeTrainer, epochs=10).start(paused=True)  # takes the slot
    at = open_page(MLP, {"epochs": "2", "epoch_delay_ms": "0", "hidden_units": "8",
                         "activations": "relu"})
    widget(at.button, "Train").click().run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "waiting for a free slot" in text and "**number 1** in line" in text
    assert not widget(at.button, "Stop").disabled  # a queued run can be stopped
    run = shown_run(at)
    assert run.snapshot().status == "queued"
    blocker.stop()  # the slot frees: the queued run starts by itself
    assert run.join(120) and run.snapshot().status == "finished"
    at.run()
    assert any("finished" in m.value and "epoch **2** of 2" in m.value for m in at.markdown)


def test_pause_resume_and_reset():
    at, run = _start_long_run()
    widget(at.button, "Pause").click().run()
    end = time.monotonic() + 30
    while run.snapshot().status != "paused" and time.monotonic() < end:
        time.sleep(0.05)
    n = len(run.snapshot().history)
    time.sleep(0.3)
    assert run.snapshot().status == "paused" and len(run.snapshot().history) == n
    at.run()
    widget(at.button, "Resume").click().run()
    end = time.monotonic() + 30
    while len(run.snapshot().history) <= n and time.monotonic() < end:
        time.sleep(0.05)
    assert run.snapshot().status == "running"
    widget(at.button, "Reset").click().run()
    run.join(10)
    assert run.snapshot().status == "stopped" and shown_run(at) is None
    assert any("Press **Train**" in c.value for c in at.caption)

