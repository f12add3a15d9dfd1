"""Work around a Streamlit behaviour that breaks live Keras training in threads.

After every script run (including each fragment refresh) Streamlit calls
``keras.backend.clear_session()``. That replaces Keras' process-wide thread-local state
objects, clears TensorFlow's kernel cache and runs a full garbage collection (~190 ms with
TensorFlow loaded), under the feet of the training threads of every session. Our models
are built with explicit layer names and never rely on Keras' global state between runs,
so we skip the Keras part of that clean-up and keep the rest.
"""

from __future__ import annotations

import sys


def _clean_problem_modules_without_keras() -> None:
    if "matplotlib.pyplot" in sys.modules:
        try:
            sys.modules["matplotlib.pyplot"].close("all")
        except Exception:  # noqa: BLE001 - as Streamlit does: never break a rerun
            pass


def install() -> bool:
    """Patch Streamlit's script runner; returns False if its internals have changed."""
    try:
        from streamlit.runtime.scriptrunner import script_runner
    except ImportError:  # pragma: no cover - a Streamlit without that module
        return False
    if not hasattr(script_runner, "_clean_problem_modules"):
        return False
    script_runner._clean_problem_modules = _clean_problem_modules_without_keras
    return True
