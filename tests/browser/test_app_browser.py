"""What a person does in a real browser: open pages, press Train, watch, press Stop."""


from tests.browser.harness import button, curve_epochs, error_count, wait_ready, wait_until

PAGES = ["Train an MLP", "CNN feature maps", "Backprop step by step",
         "Decision boundaries in 2D"]


def test_home_and_every_page_open_without_errors(page, app_url):
    page.goto(app_url)
    wait_ready(page)
    assert page.get_by_role("heading", name="Deep-learning playground").is_visible()
    nav = page.get_by_test_id("stSidebarNav")
    for title in PAGES:
        nav.get_by_text(title, exact=True).click()
        page.wait_for_timeout(300)
        wait_ready(page)
        assert error_count(page) == 0, f"error on {title}"
        assert page.get_by_role("heading").first.is_visible()


def _sidebar_slider(page, label):
    widget = page.get_by_test_id("stSidebar").get_by_test_id("stSlider").filter(has_text=label)
    return widget.first.get_by_role("slider")


def _main_slider(page, label):
    """A slider beside the chart (the settings a run takes on the fly)."""
    widget = page.get_by_test_id("stMainBlockContainer").get_by_test_id("stSlider")
    return widget.filter(has_text=label).first.get_by_role("slider")


def test_train_watch_change_learning_rate_and_stop(page, app_url):
    page.goto(f"{app_url}/mlp?epochs=1000&epoch_delay_ms=100")
    wait_ready(page)
    button(page, "Train").click()
    wait_until(lambda: curve_epochs(page) >= 5)
    # move the learning rate during the run: training goes on, the change is marked
    thumb = _main_slider(page, "Learning rate")
    before = thumb.get_attribute("aria-valuetext")
    thumb.focus()
    page.keyboard.press("ArrowRight")
    wait_until(lambda: thumb.get_attribute("aria-valuetext") != before)
    at_change = curve_epochs(page)
    wait_until(lambda: curve_epochs(page) >= at_change + 5)
    chart = page.get_by_test_id("stVegaLiteChart").first
    wait_until(lambda: chart.get_by_text("lr 0.002").count() > 0)
    button(page, "Stop").click()
    wait_until(lambda: page.get_by_text("stopped ·").count() > 0)
    wait_ready(page)
    page.wait_for_timeout(500)  # let the last redraw land
    stopped_at = curve_epochs(page)
    page.wait_for_timeout(1500)
    assert curve_epochs(page) == stopped_at
    page.get_by_role("tab", name="Confusion matrix").click()
    wait_until(lambda: page.get_by_text("Confusion matrix (test images)").count() > 0)
    assert error_count(page) == 0


def test_url_restores_a_custom_configuration(page, app_url):
    page.goto(f"{app_url}/mlp?hidden_units=20,10&activations=tanh,sigmoid&epochs=7"
              "&learning_rate=0.05&optimizer=sgd")
    wait_ready(page)
    assert _sidebar_slider(page, "Hidden layers").get_attribute("aria-valuetext") == "2"
    units = page.get_by_test_id("stSidebar").get_by_test_id("stSlider").filter(has_text="Units")
    assert [units.nth(i).get_by_role("slider").get_attribute("aria-valuetext")
            for i in range(units.count())] == ["20", "10"]
    assert _main_slider(page, "Epochs").get_attribute("aria-valuetext") == "7"
    assert "0.05" in _main_slider(page, "Learning rate").get_attribute("aria-valuetext")
    assert "hidden_units=20%2C10" in page.url or "hidden_units=20,10" in page.url
    assert page.get_by_test_id("stAlertContentWarning").count() == 0


def test_url_with_junk_shows_a_warning_not_a_traceback(page, app_url):
    page.goto(f"{app_url}/mlp?learning_rate=banana&epochs=-4&hidden_units=1,2,3,4,5,6,7,8")
    wait_ready(page)
    warnings = page.get_by_test_id("stAlertContentWarning")
    assert warnings.count() == 3
    assert "banana" in warnings.first.inner_text()
    assert error_count(page) == 0
    assert button(page, "Train").is_enabled()


def test_two_sessions_train_independently(browser, app_url):
    contexts = [browser.new_context() for _ in range(2)]
    pages = [c.new_page() for c in contexts]
    try:
        pages[0].goto(f"{app_url}/mlp?epochs=1000&epoch_delay_ms=50")
        pages[1].goto(f"{app_url}/mlp?epochs=3&epoch_delay_ms=0&hidden_units=8&activations=relu")
        for p in pages:
            wait_ready(p)
        button(pages[0], "Train").click()
        wait_until(lambda: curve_epochs(pages[0]) >= 3)
        assert curve_epochs(pages[1]) == 0  # the other session sees nothing of it
        button(pages[1], "Train").click()
        wait_until(lambda: pages[1].get_by_text("finished ·").count() > 0)
        wait_until(lambda: curve_epochs(pages[1]) == 3)  # Plotly draws just after the text
        n = curve_epochs(pages[0])
        wait_until(lambda: curve_epochs(pages[0]) > n + 3)  # still training, undisturbed
        button(pages[0], "Stop").click()
    finally:
        for c in contexts:
            c.close()


def test_backprop_next_step_twice(page, app_url):
    page.goto(f"{app_url}/backprop")
    wait_ready(page)
    assert page.get_by_text("Step 1: loss").count() == 1
    for step in (2, 3):
        button(page, "Next step").click()
        wait_until(lambda: page.get_by_text(f"Step {step}: loss").count() == 1)
    assert page.locator(".katex").count() > 10  # the formulas are typeset
    assert page.get_by_text("largest gradient difference").count() == 1
    assert error_count(page) == 0


def _chart_titles(page):
    return page.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
                         ".map(e => (e.layout && e.layout.title && e.layout.title.text) || '')")


def test_cnn_train_see_maps_and_move_the_formula(page, app_url):
    page.goto(f"{app_url}/cnn?epochs=3&epoch_delay_ms=0")
    wait_ready(page)
    button(page, "Train").click()
    wait_until(lambda: page.get_by_text("finished ·").count() > 0)
    wait_ready(page)
    wait_until(lambda: any("pool_1" in t for t in _chart_titles(page)))
    titles = " ".join(_chart_titles(page))
    for layer in ("conv_1", "conv_act_1", "pool_1", "conv_2", "conv_act_2"):
        assert f"{layer}:" in titles, layer
    page.get_by_role("tab", name="One convolution, explained").click()
    formula = page.locator(".katex").filter(has_text="patch")
    wait_until(lambda: formula.count() > 0)
    before = formula.first.inner_text()
    row = page.get_by_test_id("stSlider").filter(has_text="Row").first.get_by_role("slider")
    row.focus()
    page.keyboard.press("ArrowLeft")
    wait_until(lambda: formula.count() > 0 and formula.first.inner_text() != before)
    assert "z" in formula.first.inner_text()
    assert error_count(page) == 0


def test_cnn_drawing_empty_hint_then_a_stroke(page, app_url):
    page.goto(f"{app_url}/cnn")
    wait_ready(page)
    page.get_by_text("Draw", exact=True).click()
    wait_until(lambda: page.get_by_text("Draw a digit in the box").count() > 0)
    canvas = page.locator("canvas.upper-canvas").last
    canvas.scroll_into_view_if_needed()
    canvas.hover(position={"x": 100, "y": 60})  # below the canvas' floating toolbar
    page.mouse.down()
    for i in range(1, 25):
        canvas.hover(position={"x": 100 + i % 3, "y": 60 + i * 5})
    page.mouse.up()
    wait_until(lambda: page.get_by_text("your drawing, downsampled to 8x8").count() > 0)
    assert error_count(page) == 0


def test_cnn_maps_appear_while_the_first_run_trains(page, app_url):
    """The model is built in the run's thread after the click: the maps, refreshed by a
    fragment, must pick it up during the run, not only after it ends."""
    page.goto(f"{app_url}/cnn?epochs=1000&epoch_delay_ms=50")
    wait_ready(page)
    button(page, "Train").click()
    wait_until(lambda: any("Top 3 predictions" in t for t in _chart_titles(page)))
    assert page.get_by_text("training ·").count() > 0  # still running
    button(page, "Stop").click()


# Samples, inside the page, whether the live chart is there and fully opaque.
SAMPLE_CHART_JS = """async ([page, ms, every]) => {
  const samples = [];
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    const chart = document.querySelector(`.st-key-${page}-live [data-testid="stVegaLiteChart"]`);
    let opacity = 1;
    for (let el = chart; el; el = el.parentElement) {
      opacity *= parseFloat(getComputedStyle(el).opacity);
    }
    const box = chart ? chart.getBoundingClientRect() : null;
    samples.push({present: !!(chart && box.height > 50), opacity});
    await new Promise(r => setTimeout(r, every));
  }
  return samples;
}"""


def test_live_chart_never_blinks_while_training(page, app_url):
    """Sampled every 20 ms for 10 s of training: always there, always fully opaque."""
    page.goto(f"{app_url}/mlp?epochs=1000&epoch_delay_ms=10")
    wait_ready(page)
    button(page, "Train").click()
    wait_until(lambda: curve_epochs(page) >= 3)
    samples = page.evaluate(SAMPLE_CHART_JS, ["mlp", 10_000, 20])
    growing = curve_epochs(page)
    button(page, "Stop").click()
    # The sampler asks for a sample every 20 ms; a busy machine gives fewer, but each one
    # is taken between the page's own redraws, which is where a blink would show.
    assert len(samples) > 30
    missing = sum(not s["present"] for s in samples)
    faded = [s["opacity"] for s in samples if s["opacity"] < 0.99]
    assert missing == 0 and not faded, (missing, faded[:5], len(samples))
    assert growing > 20  # and it was training all along


def test_pause_and_resume_labels_follow_the_run(page, app_url):
    page.goto(f"{app_url}/mlp?epochs=1000&epoch_delay_ms=50&hidden_units=8&activations=relu")
    wait_ready(page)
    button(page, "Train").click()
    wait_until(lambda: curve_epochs(page) >= 3)
    button(page, "Pause").click()
    wait_until(lambda: button(page, "Resume").count() == 1, timeout=5)
    wait_until(lambda: page.get_by_text("paused ·").count() > 0, timeout=10)
    paused_at = curve_epochs(page)
    page.wait_for_timeout(1000)
    assert curve_epochs(page) == paused_at and button(page, "Resume").count() == 1
    button(page, "Resume").click()
    wait_until(lambda: button(page, "Pause").count() == 1, timeout=5)
    wait_until(lambda: curve_epochs(page) > paused_at + 2)
    assert button(page, "Pause").count() == 1  # epochs climb only while it reads Pause
    button(page, "Stop").click()
