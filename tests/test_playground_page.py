"""AppTest tests of the 2D playground page: controls generated from its settings table,
links, Play / Step / Pause / Reset on the shared scheduler, the rule that a change
needing a new network sets the run aside with a notice, live learning rate."""

import pytest

from tests.test_pages import open_page, widget
from tests.test_run_rule import wait

PAGE = "pages/4_playground.py"


def shown(at):
    return at.session_state["playground:state"].shown


def texts(elements) -> str:
    return " ".join(e.value for e in elements)


def test_controls_come_from_the_settings_table():
    at = open_page(PAGE)
    assert at.title[0].value == "Decision boundaries in 2D"
    assert widget(at.sidebar.selectbox, "Data").value == "circle"
    assert widget(at.sidebar.slider, "Hidden layers").value == 2
    assert [s.label for s in at.sidebar.slider].count("Neurons") == 2
    assert {"Learning rate", "Speed (epochs/s)"} <= {s.label for s in at.main.select_slider}
    labels = {t.label for t in at.main.toggle}
    assert {"Show test data", "Discretize output"} <= labels
    assert at.query_params["dataset"] == "circle" and at.query_params["features"] == "x1,x2"
    widget(at.main.toggle, "Show test data").set_value(True).run()
    assert at.query_params["show_test"] == "1" and not at.exception


def test_a_link_restores_the_settings_and_junk_warns():
    at = open_page(PAGE, {"dataset": "spiral", "features": "x1,x2,sin_x1,sin_x2",
                          "hidden": "8,8,8", "activations": "relu", "discretize": "1",
                          "points": "1,1,1,2,2,0"})
    assert widget(at.sidebar.selectbox, "Data").value == "spiral"
    assert [s.value for s in at.sidebar.slider if s.label == "Neurons"] == [8, 8, 8]
    assert widget(at.main.toggle, "Discretize output").value is True
    assert at.session_state["playground:spec"].points == (1.0, 1.0, 1.0, 2.0, 2.0, 0.0)
    warnings = texts(at.warning)
    assert "activations: 1 entry for 3 layers" in warnings
    bad = open_page(PAGE, {"noise": "lots", "hidden": "1e999", "points": "0,0,9"})
    warnings = texts(bad.warning)
    assert "noise:" in warnings and "hidden:" in warnings and "points" in warnings
    assert not bad.exception


def test_regression_problem_picks_a_regression_set_and_drops_class_points():
    at = open_page(PAGE, {"points": "1,1,1"})
    at.sidebar.get("button_group")[0].set_value("Regression").run()
    assert widget(at.sidebar.selectbox, "Data").value == "plane"
    assert at.session_state["playground:spec"].points == ()
    assert "1 of your points was removed" in texts(at.info)
    assert not at.exception


def test_step_trains_one_epoch_and_play_goes_on_with_the_same_network():
    at = open_page(PAGE, {"hidden": "3", "activations": "tanh", "speed": "60"})
    widget(at.button, "Step").click().run()
    run = shown(at).run
    wait(lambda: len(run.snapshot().history) == 1 and run.snapshot().status == "paused")
    at.run()
    assert any("epoch **1**" in m.value for m in at.markdown)
    assert widget(at.metric, "Test accuracy").value.endswith("%")
    widget(at.button, "Play").click().run()
    wait(lambda: len(run.snapshot().history) >= 3)
    assert shown(at).run is run and shown(at).number == 1
    widget(at.button, "Pause").click().run()
    wait(lambda: run.snapshot().status == "paused")
    widget(at.button, "Reset").click().run()
    wait(lambda: not run.snapshot().active)
    assert shown(at) is None and not at.exception


@pytest.mark.parametrize("change, what", [
    (lambda at: widget(at.sidebar.selectbox, "Data").set_value("xor"), "data"),
    (lambda at: at.sidebar.get("button_group")[1].set_value(["x1", "x2", "x1_squared"]),
     "input features"),
    (lambda at: widget(at.sidebar.slider, "Hidden layers").set_value(2), "hidden layers"),
], ids=["dataset", "feature", "layers"])
def test_a_change_that_needs_a_new_network_ends_the_run_with_a_notice(change, what):
    at = open_page(PAGE, {"hidden": "3", "activations": "tanh"})
    widget(at.button, "Play").click().run()
    run = shown(at).run
    wait(lambda: len(run.snapshot().history) >= 1)
    change(at).run()
    run.join(30)
    assert run.snapshot().status == "stopped" and shown(at) is None
    notice = texts(at.info)
    assert "Run 1 ended at epoch" in notice and f"{what} changed" in notice.lower()
    assert "Press **Play**" in notice and not at.exception


def test_the_learning_rate_reaches_the_live_run():
    at = open_page(PAGE, {"hidden": "3", "activations": "tanh"})
    widget(at.button, "Play").click().run()
    run = shown(at).run
    wait(lambda: len(run.snapshot().history) >= 2)
    widget(at.main.select_slider, "Learning rate").set_value(0.3).run()
    wait(lambda: bool(run.snapshot().lr_changes))
    assert run.snapshot().active and run.snapshot().lr_changes[0][1] == 0.3
    assert shown(at).run is run
    run.stop()
    run.join(10)


def test_only_your_own_points_asks_for_points_first():
    at = open_page(PAGE, {"dataset": "custom"})
    assert "Click on the plane below" in texts(at.info)
    assert widget(at.button, "Play").disabled
    at = open_page(PAGE, {"dataset": "custom", "points": "1,1,0,-1,-1,1,2,2,3"})
    assert not widget(at.button, "Play").disabled
    assert "3 (purple)" in str(at.main.get("button_group")[0].proto)


def test_the_script_and_the_model_download_follow_the_run():
    at = open_page(PAGE, {"hidden": "2", "activations": "relu", "speed": "60"})
    assert "EPOCHS = 100" in at.code[-1].value
    widget(at.button, "Step").click().run()
    run = shown(at).run
    wait(lambda: run.snapshot().status == "paused" and run.snapshot().history)
    at.run()
    assert "EPOCHS = 1\n" in at.code[-1].value
    download = next(b for b in at.get("download_button")
                    if b.proto.label.startswith("Download run 1's trained network"))
    assert "1 epochs" not in download.proto.label and "(.keras, 1 epoch" in download.proto.label
    widget(at.button, "Reset").click().run()
    assert not at.exception


def test_leaving_the_page_and_coming_back_keeps_the_settings():
    """Streamlit drops a page's widget values while another page is shown (a KeyError
    and a TypeError on return, found in a walkthrough)."""
    at = open_page(PAGE, {"dataset": "gaussians", "speed": "10", "hidden": "6",
                          "activations": "relu", "show_test": "1"})
    at.switch_page("pages/1_mlp.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert widget(at.sidebar.selectbox, "Data").value == "gaussians"
    assert widget(at.main.select_slider, "Speed (epochs/s)").value == 10
    assert widget(at.main.toggle, "Show test data").value is True
    assert [s.value for s in at.sidebar.slider if s.label == "Neurons"] == [6]


def test_settings_that_cannot_be_built_end_the_run_and_disable_play():
    at = open_page(PAGE, {"hidden": "3", "activations": "tanh"})
    widget(at.button, "Play").click().run()
    run = shown(at).run
    wait(lambda: len(run.snapshot().history) >= 1)
    at.sidebar.get("button_group")[1].set_value([]).run()  # no input feature at all
    run.join(30)
    assert run.snapshot().status == "stopped" and shown(at) is None
    assert "cannot be built" in texts(at.error) and "Run 1 ended" in texts(at.info)
    assert widget(at.button, "Play").disabled and not at.exception
