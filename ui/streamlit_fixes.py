"""Work-arounds for Streamlit behaviours that break live training, read on Streamlit 1.67.

- After every script run (including each fragment refresh) Streamlit calls
  ``keras.backend.clear_session()``. That replaces Keras' process-wide thread-local state
  objects, clears TensorFlow's kernel cache and runs a full garbage collection (~190 ms
  with TensorFlow loaded), under the feet of the training threads of every session. Our
  models are built with explicit layer names and never rely on Keras' global state
  between runs, so we skip the Keras part of that clean-up and keep the rest.
- ``AppSession.request_rerun``: a fragment's timer rerun that arrives while that fragment
  runs is dropped instead of queued (queued, it discarded the running refresh's output),
  and a timer rerun never carries a copy of a button click (it ran the callback twice).
- ``set_fragment_interval``: a polling fragment changes its own pace (``auto_rerun``).
- ``ensure_app_navigation``: a cold server's first page link runs under app.py.
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
    """Patch Streamlit's script runner and sessions; returns False if their internals have
    changed."""
    reruns_patched = _patch_timer_reruns()  # independent of the next one
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
    return reruns_patched


def _patch_timer_reruns() -> bool:
    """Timer reruns: drop one that arrives while its fragment (or a full run of the page)
    is running, and reset the button clicks the others carry (clear_button_triggers).

    Streamlit queues it, and when it starts it clears that fragment's output that the
    event loop has not sent yet (``AppSession._clear_queue``: "finished early for a
    rerun"). On a loaded server that happened to most refreshes and charts stood still
    while the server worked flat out (bench/load.py: 3,635 of 4,572 live refreshes). The
    browser's timer fires again one interval later. Other fragments' timer reruns and
    clicks are never dropped. The fragments a run is running come with its SCRIPT_STARTED
    event, recorded on the session here.
    """
    try:
        from streamlit.runtime.app_session import AppSession, AppSessionState
        from streamlit.runtime.scriptrunner.script_runner import ScriptRunnerEvent
    except ImportError:  # pragma: no cover - a Streamlit without those modules
        return False
    original = AppSession.request_rerun
    if getattr(original, "skips_auto_reruns", False):
        return True
    handle = getattr(AppSession, "_handle_scriptrunner_event_on_event_loop", None)
    if handle is None or not hasattr(AppSessionState, "APP_IS_RUNNING"):  # pragma: no cover
        return False

    def request_rerun(self, client_state):
        if drops_rerun(self, client_state):
            return None
        if client_state is not None and client_state.is_auto_rerun:
            clear_button_triggers(client_state)
        return original(self, client_state)

    def handle_event(self, sender, event, *args, **kwargs):
        handle(self, sender, event, *args, **kwargs)
        if event == ScriptRunnerEvent.SCRIPT_STARTED and sender is self._scriptrunner:
            ids = args[4] if len(args) > 4 else kwargs.get("fragment_ids_this_run")
            self.running_fragments = frozenset(ids) if ids else None  # None: a full run

    request_rerun.skips_auto_reruns = True
    AppSession.request_rerun = request_rerun
    AppSession._handle_scriptrunner_event_on_event_loop = handle_event
    return True


def drops_rerun(session, client_state) -> bool:
    """Whether the patched ``AppSession.request_rerun`` ignores this request: a timer
    rerun of a fragment that is running now, or of any fragment during a full run."""
    from streamlit.runtime.app_session import AppSessionState

    if client_state is None or not client_state.is_auto_rerun \
            or getattr(session, "_state", None) != AppSessionState.APP_IS_RUNNING:
        return False
    running = getattr(session, "running_fragments", None)
    return running is None or client_state.fragment_id in running


def clear_button_triggers(client_state) -> None:
    """Reset the button clicks a timer rerun carries.

    The browser sends every widget's state with each rerun; a timer tick that fires while a
    click's trigger is still set carries a copy of that click, which ran the button's
    callback a second time: Pause paused and at once resumed (about one Pause in three in
    tests/browser/test_app_browser.py). A click always comes in its own request.
    """
    for widget in client_state.widget_states.widgets:
        if widget.WhichOneof("value") == "trigger_value" and widget.trigger_value:
            widget.trigger_value = False


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
    if ctx is None:
        return False
    fragment_id = ThreadState.get().fragment_id
    if not fragment_id:
        return False
    msg = ForwardMsg()
    msg.auto_rerun.interval = seconds
    msg.auto_rerun.fragment_id = fragment_id
    ctx.enqueue(msg)
    return True
