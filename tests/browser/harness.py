"""Start the app with ``streamlit run`` on a free port and drive it with Debian's Chromium.

Used by the browser tests and by bench/live.py.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(extra_env: dict | None = None):
    """Yield the base URL of a fresh ``streamlit run app.py``; stop it afterwards."""
    port = free_port()
    env = {**os.environ, **(extra_env or {})}
    log = tempfile.NamedTemporaryFile(prefix="streamlit-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start; log: {Path(log.name).read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def chromium():
    """Yield a Playwright browser running Debian's Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_until(predicate, timeout=60.0, interval=0.1):
    """Poll ``predicate`` until it returns something true (returned); fail after timeout."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s")


def button(page, name):
    """A button of the page itself (Streamlit's own status bar has a Stop button too)."""
    return page.get_by_test_id("stMainBlockContainer").get_by_role("button", name=name,
                                                                     exact=True)


def wait_ready(page, timeout: float = 120) -> None:
    """Wait until the app has rendered and its script run has ended."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout * 1000)
    page.wait_for_function(
        "() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
        " return a && a.getAttribute('data-test-script-state') === 'notRunning'; }",
        timeout=timeout * 1000)


# The live curves are Vega-Lite charts whose accessible name says how much they plot
# ("loss per epoch: 12 epochs plotted", in Chinese "每轮的损失：已画出 12 轮"; ui/live.py); a
# screen reader reads the same.
CURVE_EPOCHS_JS = """() => { const el = document.querySelector(
        '[aria-label^="loss per epoch"], [aria-label^="每轮的损失"]');
    const m = el && el.getAttribute('aria-label').match(/[:：]\\D*(\\d+)/);
    return m ? parseInt(m[1]) : 0; }"""


def curve_epochs(page) -> int:
    """Epochs plotted on the live loss chart of a training page (0 without one)."""
    return page.evaluate(CURVE_EPOCHS_JS)


def error_count(page) -> int:
    return page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').count()
