import os

import pytest

from tests.browser.harness import chromium, chromium_available, streamlit_server


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not chromium_available():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium is missing on CI: install Debian's chromium (see .ci/run)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with chromium() as b:
        yield b


@pytest.fixture(scope="session")
def app_url():
    with streamlit_server() as url:
        yield url


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    yield pg
    context.close()
