"""The 2D playground in Chromium, as a person uses it: Play and watch the loss grow and
the boundary move; toggle a feature or change the data mid-run; click to add points;
upload a CSV file, and a corrupt one."""

from tests.browser.harness import button, curve_epochs, error_count, wait_ready, wait_until

OUTPUT = '[aria-label^="output over the plane"]'


def _output_label(page) -> str:
    return page.locator(OUTPUT).first.get_attribute("aria-label") or ""


def _sidebar(page):
    return page.get_by_test_id("stSidebar")


def test_play_grows_the_loss_curve_and_moves_the_boundary(page, app_url):
    page.goto(f"{app_url}/playground?dataset=spiral&features=x1,x2,sin_x1,sin_x2"
              "&hidden=8,8&activations=tanh,tanh&speed=20")
    wait_ready(page)
    assert error_count(page) == 0
    button(page, "Play").click()
    wait_until(lambda: curve_epochs(page) >= 3)
    chart = page.locator(OUTPUT).first
    before = chart.screenshot()
    at = curve_epochs(page)
    wait_until(lambda: curve_epochs(page) >= at + 20)
    assert chart.screenshot() != before  # the heatmap moved as the network learned
    assert page.get_by_text("training · epoch").count() > 0
    button(page, "Pause").click()
    wait_until(lambda: page.get_by_text("paused · epoch").count() > 0)
    page.wait_for_timeout(600)
    paused_at = curve_epochs(page)
    page.wait_for_timeout(1200)
    assert curve_epochs(page) == paused_at and error_count(page) == 0


def test_toggling_a_feature_mid_run_ends_the_run_with_a_notice(page, app_url):
    page.goto(f"{app_url}/playground?hidden=4&activations=tanh&speed=20")
    wait_ready(page)
    button(page, "Play").click()
    wait_until(lambda: curve_epochs(page) >= 2)
    _sidebar(page).get_by_role("button", name="X₁²").click()
    wait_until(lambda: page.get_by_text("Run 1 ended at epoch").count() > 0)
    assert page.get_by_text("input features changed").count() > 0
    wait_ready(page)
    assert curve_epochs(page) == 0  # the page shows the new, untrained network
    assert "x1_squared" in page.url and error_count(page) == 0


def test_changing_the_data_mid_run_ends_the_run_with_a_notice(page, app_url):
    page.goto(f"{app_url}/playground?hidden=4&activations=tanh&speed=20")
    wait_ready(page)
    button(page, "Play").click()
    wait_until(lambda: curve_epochs(page) >= 2)
    _sidebar(page).get_by_test_id("stSelectbox").filter(has_text="Data").first.click()
    page.get_by_role("option", name="XOR (exclusive or)").click()
    wait_until(lambda: page.get_by_text("Run 1 ended at epoch").count() > 0)
    assert page.get_by_text("data changed").count() > 0 and "dataset=xor" in page.url


def test_clicks_add_and_remove_points(page, app_url):
    page.goto(f"{app_url}/playground?dataset=custom")
    wait_ready(page)
    chart = page.locator(OUTPUT).first
    assert "0 of them yours" in _output_label(page)

    def click(fx, fy):
        wait_ready(page)
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)

    click(0.75, 0.5)  # (the plot starts after the y axis: the right half is inside)
    wait_until(lambda: "1 of them yours" in _output_label(page))
    first = chart.bounding_box()
    click(0.35, 0.3)
    wait_until(lambda: "2 of them yours" in _output_label(page))
    assert chart.bounding_box() == first  # the plane does not move under the pointer
    assert "points=" in page.url
    page.get_by_test_id("stMainBlockContainer").get_by_text("remove", exact=True).click()
    page.wait_for_timeout(500)  # the rerun that the mode's change starts
    click(0.75, 0.5)
    wait_until(lambda: "1 of them yours" in _output_label(page))
    assert error_count(page) == 0


def test_a_csv_file_adds_points_and_a_corrupt_one_changes_nothing(page, app_url, tmp_path):
    good, bad = tmp_path / "points.csv", tmp_path / "broken.csv"
    good.write_text("x,y,label\n1,1,1\n-2,3,0\n4,-4,1\n")
    bad.write_text("x,y,label\n1,1,1\n1,banana,0\n")
    page.goto(f"{app_url}/playground")
    wait_ready(page)
    uploader = page.get_by_test_id("stFileUploaderDropzoneInput")
    uploader.set_input_files(str(good))
    wait_until(lambda: page.get_by_text("Added the 3 points of points.csv").count() > 0)
    wait_until(lambda: "3 of them yours" in _output_label(page))
    uploader.set_input_files(str(bad))
    wait_until(lambda: page.get_by_text("broken.csv was not added").count() > 0)
    assert page.get_by_text("line 3: expected three numbers").count() > 0
    wait_ready(page)
    assert "3 of them yours" in _output_label(page)
    assert page.locator('[data-testid="stException"]').count() == 0
