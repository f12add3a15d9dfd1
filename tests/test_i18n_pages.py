"""Issue 12 with AppTest: every page in Chinese shows no English outside the names kept in
English (opened, and in the states that bring new texts: trained, diverged, kept and
compared, the race run); the browser's locale chooses when the link does not; a junk
``lang`` is said; switching the language mid-run keeps the run, its curves and settings."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from dl_core import i18n
from tests.i18n_tools import page_texts, untranslated
from tests.test_pages import open_page, shown_run
from tests.test_run_rule import wait

PAGES = {"home": None, "mlp": "pages/1_mlp.py", "cnn": "pages/2_cnn.py",
         "backprop": "pages/3_backprop.py", "playground": "pages/4_playground.py",
         "compare": "pages/5_compare.py", "experiments": "pages/6_experiments.py"}
SHORT = {"epochs": "3", "epoch_delay_ms": "0", "hidden_units": "16", "activations": "relu"}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _test_thread_language():
    """AppTest calls a widget's ``format_func`` in the test's thread (to find an option
    by its shown text): that thread speaks the page's language; back to English after."""
    token = i18n.set_language(i18n.SOURCE_LANGUAGE)
    yield
    i18n._active.reset(token)


def open_in(page: str | None, params: dict | None = None, lang: str | None = "zh",
            locale: str | None = None) -> AppTest:
    i18n.set_language(i18n.normalize(lang) or i18n.normalize(locale) or "en")
    link = {**({"lang": lang} if lang is not None else {}), **(params or {})}
    return open_page(page, link, locale)


def assert_all_chinese(at: AppTest, where: str) -> None:
    assert not at.exception, at.exception
    found = untranslated(at)
    assert not found, f"{where}: {len(found)} texts with English:\n" + "\n".join(
        f"  {text!r}: {words}" for text, words in list(found.items())[:30])
    assert sum(bool(CJK.search(t)) for t in page_texts(at)) >= 3, where


@pytest.fixture
def history(tmp_path, monkeypatch):
    monkeypatch.setenv("DL_HISTORY_PATH", str(tmp_path / "runs.sqlite3"))
    monkeypatch.setenv("DL_HISTORY_SCOPE", "local")


@pytest.mark.parametrize("name", PAGES)
def test_every_page_opens_in_chinese(name, history):
    at = open_in(PAGES[name])
    assert_all_chinese(at, name)
    assert at.query_params["lang"] == ["zh"] or at.query_params["lang"] == "zh"


INSPECT_TABS = ("Summary", "Confusion matrix", "Mistakes", "Weights & gradients")
CNN_TABS = ("Feature maps", "One convolution, explained", "Saliency")


def assert_every_tab_chinese(at: AppTest, key: str, titles: tuple, where: str) -> None:
    """Only the open tab is drawn: open each in turn (as a click does) and check it."""
    for title in titles:
        at.session_state[key] = i18n._(title)
        at.run()
        assert_all_chinese(at, f"{where}, tab {title}")


def _train(at: AppTest, page: str = "mlp") -> None:
    at.button(key=f"{page}:train").click().run()
    run = shown_run(at, page)
    assert run.join(120) and run.wait_reported(10)
    at.run()


def test_a_trained_run_its_history_and_its_comparison_are_chinese(history):
    at = open_in(PAGES["mlp"], SHORT)
    _train(at)
    assert shown_run(at).snapshot().status == "finished"
    assert_every_tab_chinese(at, "mlp:inspect_tab", INSPECT_TABS, "mlp after a run")
    at.sidebar.slider(key="mlp:hidden_units:0").set_value(24).run()
    at.slider(key="mlp:epochs").set_value(4).run()  # "Epochs" and epochs trained both differ
    _train(at)  # a second run: Compare shows what differs
    at.switch_page(PAGES["compare"]).run()
    assert at.dataframe, "the kept runs are compared"
    assert_all_chinese(at, "compare with two kept runs")
    at.switch_page(PAGES["experiments"]).run()
    at.radio(key="experiments:kind").set_value("cost").run()
    assert_all_chinese(at, "compute cost with a kept run")


def test_a_diverged_run_is_explained_in_chinese(history):
    at = open_in(PAGES["mlp"], {"optimizer": "sgd", "learning_rate": "10", "scale_inputs": "0",
                                "activations": "linear,linear,linear", "epochs": "20",
                                "epoch_delay_ms": "0"})
    _train(at)
    assert shown_run(at).snapshot().status == "diverged"
    assert at.error and all(CJK.search(e.value) for e in at.error)
    assert_all_chinese(at, "mlp after divergence")


def test_a_cnn_run_and_its_panels_are_chinese(history):
    at = open_in(PAGES["cnn"], {"epochs": "2", "epoch_delay_ms": "0"})
    _train(at, "cnn")
    assert_every_tab_chinese(at, "cnn:tabs", CNN_TABS, "cnn after a run")
    assert_every_tab_chinese(at, "cnn:inspect_tab", INSPECT_TABS, "cnn after a run")


def test_a_2d_run_is_chinese(history):
    at = open_in(PAGES["playground"], {"hidden": "3", "activations": "tanh", "speed": "60"})
    at.button(key="playground:step").click().run()
    run = at.session_state["playground:state"].shown.run
    wait(lambda: len(run.snapshot().history) == 1 and run.snapshot().status == "paused")
    at.run()
    assert_all_chinese(at, "2D after a step")


def test_the_backprop_walk_through_is_chinese():
    at = open_in(PAGES["backprop"])
    for step in range(3):
        at.button(key="bp:next").click().run()
        assert_all_chinese(at, f"backprop after {step + 1} steps")


def test_the_optimizer_race_is_chinese(history):
    at = open_in(PAGES["experiments"])
    at.button(key="experiments:run:race").click().run()
    race = at.session_state["experiments:runs"]["race"]
    assert race.join(120)
    at.run()
    assert_all_chinese(at, "the race, finished")
    for kind in ("efficiency", "generalization"):
        at.radio(key="experiments:kind").set_value(kind).run()
        assert_all_chinese(at, kind)
    at.button(key="experiments:run:generalization").click().run()
    sweep = at.session_state["experiments:runs"]["generalization"]
    wait(lambda: sweep.snapshot().done >= 2, timeout=120)
    at.run()
    assert_all_chinese(at, "generalization, running")
    at.button(key="experiments:stop:generalization").click().run()
    assert sweep.join(30)
    at.run()
    assert_all_chinese(at, "generalization, stopped")


@pytest.mark.parametrize("locale, lang, expected", [
    ("zh-CN", None, "zh"), ("zh-TW", None, "zh"), ("en-US", None, "en"), ("de-DE", None, "en"),
    ("zh-CN", "en", "en"), ("en-GB", "zh", "zh")])
def test_the_link_decides_then_the_browser(locale, lang, expected):
    at = open_in(PAGES["mlp"], lang=lang, locale=locale)
    assert at.session_state["lang"] == expected
    assert at.query_params["lang"] in (expected, [expected])
    title = at.title[0].value
    assert bool(CJK.search(title)) == (expected == "zh")


@pytest.mark.parametrize("junk", ["klingon", "", "xx-" + "x" * 300, "<script>"])
def test_a_language_the_app_lacks_is_said_and_english_is_shown(junk):
    at = open_in(None, lang=junk)  # a link to any page runs app.py first
    assert at.session_state["lang"] == "en"
    assert any("language" in w.value and "English" in w.value for w in at.warning)
    assert not at.exception


def test_switching_mid_run_keeps_the_run_its_curves_and_the_settings():
    at = open_in(PAGES["mlp"], {"epochs": "1000", "hidden_units": "8", "activations": "relu",
                                "epoch_delay_ms": "10", "learning_rate": "0.003"}, lang="en")
    at.button(key="mlp:train").click().run()
    run = shown_run(at)
    wait(lambda: len(run.snapshot().history) >= 2)
    settings = {k: v for k, v in at.query_params.items() if k != "lang"}
    epochs_before = len(run.snapshot().history)
    at.sidebar.radio(key="lang").set_value("zh").run()
    i18n.set_language("zh")
    assert shown_run(at) is run and run.snapshot().active
    wait(lambda: len(run.snapshot().history) > epochs_before + 2)
    assert run.snapshot().history[:epochs_before] == shown_run(at).snapshot().history[
        :epochs_before]
    assert {k: v for k, v in at.query_params.items() if k != "lang"} == settings
    assert at.query_params["lang"] in ("zh", ["zh"])
    assert at.select_slider(key="mlp:learning_rate").value == 0.003
    assert CJK.search(at.title[0].value)
    at.sidebar.radio(key="lang").set_value("en").run()
    assert shown_run(at) is run and run.snapshot().active
    run.stop()
    run.join(10)
