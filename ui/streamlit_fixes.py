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

# The Streamlit versions (major.minor) whose internals these patches were read against;
# tests/test_fixes.py fails when Streamlit moves past them, so someone re-reads them.
CHECKED_VERSIONS = ("1.67",)


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
    # Patch the globals the running code reads (the module object seen by an import can be
    # a lazy-loading proxy whose attributes are not those globals).
    namespace = getattr(getattr(script_runner, "ScriptRunner", None), "_run_script", None)
    namespace = getattr(namespace, "__globals__", None)
    if not namespace or "_clean_problem_modules" not in namespace:
        return False
    namespace["_clean_problem_modules"] = _clean_problem_modules_without_keras
    return True


def ensure_app_navigation() -> None:
    """Make every page run under app.py's ``st.navigation``, even on a cold server.

    Streamlit decides once per process whether the app uses the legacy ``pages/`` folder
    mode; until app.py has run once, a first request for a page URL (a shared link such as
    ``/mlp?...``) runs that page script alone, without app.py's navigation, page config or
    this module's fix. Called at the top of each page: switch to app.py and rerun once.
    """
    import streamlit as st

    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # pragma: no cover - a Streamlit without that module
        return
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def set_fragment_interval(seconds: float) -> bool:
    """From inside a fragment's run, make the browser rerun that fragment every ``seconds``
    from now on; returns False outside a fragment run (nothing sent).

    ``st.fragment(run_every=...)`` sends its interval only when the fragment is declared,
    that is in a full script run; a fragment could only change its pace by forcing full
    reruns (which under load can drop its timer, streamlit issue #9921). This sends the
    same ``auto_rerun`` message from the fragment's own run: the 1.67 frontend replaces the
    timer of that fragment id when the interval differs (``handleAutoRerun``) and keeps it
    otherwise.
    """
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner_utils.script_run_context import (
        ThreadState,
        get_script_run_ctx,
    )

    ctx = get_script_run_ctx(suppress_warning=True)
    fragment_id = ThreadState.get().fragment_id
    if ctx is None or not fragment_id:
        return False
    msg = ForwardMsg()
    msg.auto_rerun.interval = seconds
    msg.auto_rerun.fragment_id = fragment_id
    ctx.enqueue(msg)
    return True
