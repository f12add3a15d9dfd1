"""Issue 12 in Chromium: every page in Chinese by link (``lang=zh``) and by the browser's
language, and a language switch in the middle of a run that keeps the run and its curves."""

import re

import pytest

from tests.browser.harness import button, curve_epochs, error_count, wait_ready, wait_until

PATHS = ["", "mlp", "cnn", "backprop", "playground", "compare", "experiments"]
TITLES = {"": "深度学习游乐场", "mlp": "在手写数字上训练 MLP",
          "cnn": "CNN 特征图",
          "backprop": "一步步看反向传播", "playground": "二维决策边界", "compare": "比较运行",
          "experiments": "实验"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _main_text(page) -> str:
    return page.get_by_test_id("stMainBlockContainer").inner_text()


def _open(page, url: str, title: str) -> None:
    page.goto(url)
    wait_ready(page)
    # a cold server runs app.py before the page: wait for the page's own heading
    wait_until(lambda: page.get_by_role("heading", name=title).count() > 0, timeout=120)
    wait_ready(page)


def _chinese_share(text: str) -> float:
    """Of the letters shown, the share that are Chinese characters."""
    letters = re.findall(r"[A-Za-z]+|[\u4e00-\u9fff]", text)
    return sum(bool(CJK.match(t)) for t in letters) / max(1, len(letters))


@pytest.mark.parametrize("path", PATHS)
def test_every_page_opens_in_chinese_by_link(page, app_url, path):
    _open(page, f"{app_url}/{path}?lang=zh", TITLES[path])
    assert error_count(page) == 0
    assert page.get_by_test_id("stException").count() == 0
    text = _main_text(page)
    assert _chinese_share(text) > 0.6, text[:500]  # the rest: Keras, MLP, ReLU, numbers
    nav = page.get_by_test_id("stSidebarNav").inner_text()
    assert "训练 MLP" in nav and "比较运行" in nav
    assert "lang=zh" in page.url


@pytest.fixture
def chinese_browser(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", PATHS)
def test_a_chinese_browser_gets_chinese_without_asking(chinese_browser, app_url, path):
    page = chinese_browser
    assert page.evaluate("navigator.language") == "zh-CN"
    _open(page, f"{app_url}/{path}", TITLES[path])
    assert error_count(page) == 0 and page.get_by_test_id("stException").count() == 0
    assert _chinese_share(_main_text(page)) > 0.6
    wait_until(lambda: "lang=zh" in page.url)  # the choice goes into the URL


def test_a_link_in_english_wins_over_a_chinese_browser(chinese_browser, app_url):
    _open(chinese_browser, f"{app_url}/mlp?lang=en", "Train an MLP on handwritten digits")
    assert _chinese_share(_main_text(chinese_browser)) < 0.05


def test_switching_language_mid_run_keeps_the_run_and_its_curves(page, app_url):
    _open(page, f"{app_url}/mlp?epochs=1000&epoch_delay_ms=100&hidden_units=32&lang=en",
          "Train an MLP on handwritten digits")
    button(page, "Train").click()
    wait_until(lambda: curve_epochs(page) >= 5)
    settings = re.sub(r"&?lang=\w+", "", page.url)
    page.get_by_test_id("stSidebar").get_by_text("中文", exact=True).click()
    wait_until(lambda: page.get_by_role("heading", name=TITLES["mlp"]).count() > 0)
    switched_at = curve_epochs(page)
    assert switched_at >= 5  # the same curves, not a new run's
    wait_until(lambda: curve_epochs(page) >= switched_at + 5)  # and they keep growing
    assert page.get_by_text("运行 1").count() > 0 and page.get_by_text("运行 2").count() == 0
    assert "lang=zh" in page.url and re.sub(r"&?lang=\w+", "", page.url) == settings
    button(page, "停止").click()
    wait_until(lambda: page.get_by_text("已停止").count() > 0)
    page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    wait_until(lambda: page.get_by_text("stopped ·").count() > 0)
    assert curve_epochs(page) >= switched_at + 5 and error_count(page) == 0
