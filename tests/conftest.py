import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The run history of the tests' pages and servers (never the user's own): one fresh file
# per test session; tests that need an empty one point DL_HISTORY_PATH elsewhere.
os.environ["DL_HISTORY_PATH"] = os.path.join(tempfile.mkdtemp(prefix="dl-history-"),
                                             "runs.sqlite3")
# every test's session (and browser) its own history, as on a shared server
os.environ["DL_HISTORY_SCOPE"] = "session"

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _no_run_outlives_its_test():
    """Runs a test leaves training would share the scheduler's workers with the next
    tests (and fill its slots): stop them all after each test."""
    yield
    from dl_core import runs

    if runs._default is not None:
        runs._default.stop_all()
