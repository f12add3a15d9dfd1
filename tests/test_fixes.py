"""The Streamlit work-arounds: they apply, and they are re-read when Streamlit moves on."""

import streamlit

from ui import streamlit_fixes


def test_fixes_were_checked_against_this_streamlit():
    version = ".".join(streamlit.__version__.split(".")[:2])
    assert version in streamlit_fixes.CHECKED_VERSIONS, (
        f"Streamlit {streamlit.__version__} is newer than the versions ui/streamlit_fixes.py "
        f"was checked against ({', '.join(streamlit_fixes.CHECKED_VERSIONS)}): re-read the "
        "patched internals (script_runner._clean_problem_modules, PagesManager) and the "
        "stale-element CSS in ui/live.py, then add the version")


def test_keras_clean_up_patch_applies():
    assert streamlit_fixes.install() is True



def test_a_timer_rerun_is_dropped_while_the_script_runs_and_a_click_never_is():
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.runtime.app_session import AppSession, AppSessionState

    assert streamlit_fixes.install() is True
    assert AppSession.request_rerun.skips_auto_reruns
    timer = ClientState(fragment_id="f", is_auto_rerun=True)
    click = ClientState(fragment_id="f", is_auto_rerun=False)

    class Session:
        def __init__(self, state):
            self._state = state

    running, idle = Session(AppSessionState.APP_IS_RUNNING), Session(
        AppSessionState.APP_NOT_RUNNING)
    drop = streamlit_fixes.drops_rerun
    assert drop(running, timer)
    assert not drop(idle, timer) and not drop(running, click) and not drop(running, None)
