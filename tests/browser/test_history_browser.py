"""Issue 11 in Chromium, as a person uses it: a run is kept, survives a server restart, is
compared, reopened from its link, exported and imported (a corrupt file too); the
optimizer race grows live; Stop ends a sweep and keeps its points."""

import json
import re

from tests.browser.harness import button, error_count, streamlit_server, wait_ready, wait_until

SHORT = "epochs=3&epoch_delay_ms=0&hidden_units=16&activations=relu"


def _aria_number(page, prefix: str, pattern: str) -> int:
    label = page.evaluate(
        f"() => {{ const e = document.querySelector('[aria-label^=\"{prefix}\"]');"
        " return e ? e.getAttribute('aria-label') : ''; }")
    match = re.search(pattern, label or "")
    return int(match.group(1)) if match else -1


def _units(page) -> list[str]:
    units = page.get_by_test_id("stSidebar").get_by_test_id("stSlider").filter(has_text="Units")
    return [units.nth(i).get_by_role("slider").get_attribute("aria-valuetext")
            for i in range(units.count())]


def test_a_run_survives_a_restart_and_is_compared_reopened_exported_and_imported(
        browser, tmp_path):
    env = {"DL_HISTORY_PATH": str(tmp_path / "runs.sqlite3"), "DL_HISTORY_SCOPE": "local"}
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True)
    page = context.new_page()
    with streamlit_server(env) as url:
        page.goto(f"{url}/mlp?{SHORT}")
        wait_ready(page)
        button(page, "Train").click()
        wait_until(lambda: page.get_by_text("finished · epoch").count() > 0)
        wait_until(lambda: page.get_by_text("Run history: 1 run of this page kept").count())
    with streamlit_server(env) as url:  # a restart: a new process, the same file
        page.goto(f"{url}/mlp")  # the default network first, in this session
        wait_until(lambda: page.get_by_text("Train an MLP on handwritten digits").count())
        wait_ready(page)
        assert _units(page) == ["64", "64", "32"]
        page.get_by_test_id("stSidebarNav").get_by_text("Compare runs").click()
        wait_until(lambda: page.get_by_text("MLP run 1").count() > 0)
        assert error_count(page) == 0
        traces = wait_until(lambda: page.evaluate(
            "() => [...document.querySelectorAll('.js-plotly-plot')]"
            ".map(p => (p.data || []).length)"))
        assert traces[:2] == [2, 2]  # loss and accuracy: training and validation
        with context.expect_page() as opened:  # its link, in a new tab
            page.get_by_role("link", name=re.compile("MLP run 1")).click()
        reopened = opened.value
        wait_until(lambda: reopened.get_by_text("Train an MLP on handwritten digits").count())
        wait_ready(reopened)
        assert "/mlp?" in reopened.url and "hidden_units=16" in reopened.url
        wait_until(lambda: _units(reopened) == ["16"])  # the run's settings
        reopened.close()

        page.get_by_text("Export or import runs (JSON)").click()
        with page.expect_download() as download:
            page.get_by_role("button", name=re.compile("Download 1 run as JSON")).click()
        exported = json.loads(open(download.value.path()).read())
        assert len(exported["runs"]) == 1 and exported["runs"][0]["epochs"] == 3

        bad = tmp_path / "bad.json"
        bad.write_text('{"version": 1, "runs": [{"page": "mlp"}]}')
        page.locator('input[type="file"]').set_input_files(str(bad))
        wait_until(lambda: page.get_by_text("bad.json was not imported").count() > 0)
        assert page.get_by_text("Your runs are as they were").count() > 0
        assert page.get_by_text("MLP run 1").count() > 0

        exported["runs"][0]["id"] = "imported-copy"
        exported["runs"][0]["name"] = "a copy"
        good = tmp_path / "good.json"
        good.write_text(json.dumps(exported))
        page.locator('input[type="file"]').set_input_files(str(good))
        wait_until(lambda: page.get_by_text("Added 1 run from good.json").count() > 0)
        wait_ready(page)
        assert page.get_by_role("button", name=re.compile("Download 2 runs as JSON")).count()
        assert error_count(page) == 0

        page.get_by_test_id("stSidebarNav").get_by_text("Experiments").click()
        wait_until(lambda: page.get_by_text("Compute cost").count() > 0)
        page.get_by_text("Compute cost").first.click()
        points = wait_until(lambda: page.evaluate(
            "() => [...document.querySelectorAll('.js-plotly-plot')]"
            ".map(p => (p.data || []).reduce((n, t) => n + t.x.length, 0))"))
        assert points == [2, 2]  # 2 runs: against parameters, against time
    context.close()


def test_the_race_grows_live_and_stop_keeps_a_sweeps_points(page, app_url):
    page.goto(f"{app_url}/experiments")
    wait_ready(page)
    button(page, "Run the optimizer race").click()
    race = "Training loss (log scale) per epoch for 8 optimizers"
    first = wait_until(lambda: _aria_number(page, race, r"up to epoch (\d+)") >= 1 and
                       _aria_number(page, race, r"up to epoch (\d+)"))
    wait_until(lambda: _aria_number(page, race, r"up to epoch (\d+)") > first)
    wait_until(lambda: page.get_by_text("8 of 8 runs done").count() > 0, timeout=90)
    assert _aria_number(page, race, r"up to epoch (\d+)") == 30 and error_count(page) == 0

    points = "test accuracy against training images"
    _run_until_then_stop(page, "Data efficiency", "Run the data-efficiency sweep",
                         lambda: _aria_number(page, points, r": (\d+) points") >= 3)
    kept = _aria_number(page, points, r": (\d+) points")
    assert kept >= 3
    page.wait_for_timeout(1500)
    assert _aria_number(page, points, r": (\d+) points") == kept  # nothing trains on

    width = "training and validation accuracy by hidden units"
    _run_until_then_stop(page, "Generalization", "Run the generalization sweep",
                         lambda: _aria_number(page, width, r": (\d+) values measured") >= 2)


def _run_until_then_stop(page, option: str, run_button: str, enough) -> None:
    """Pick an experiment, run it until ``enough()``, press Stop: it says so, no error."""
    page.get_by_text(option).first.click()
    wait_ready(page)
    button(page, run_button).click()
    wait_until(enough, timeout=90)
    button(page, "Stop").click()
    wait_until(lambda: page.get_by_text("stopped with the Stop button").count() > 0)
    wait_ready(page)
    assert error_count(page) == 0
