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



def test_a_timer_rerun_is_dropped_only_while_its_fragment_or_a_full_run_runs():
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.runtime.app_session import AppSession, AppSessionState

    assert streamlit_fixes.install() is True
    assert AppSession.request_rerun.skips_auto_reruns
    live = ClientState(fragment_id="live", is_auto_rerun=True)
    panel = ClientState(fragment_id="panel", is_auto_rerun=True)
    click = ClientState(fragment_id="live", is_auto_rerun=False)

    class Session:
        def __init__(self, state, running):
            self._state, self.running_fragments = state, running

    running_live = Session(AppSessionState.APP_IS_RUNNING, frozenset({"live"}))
    full_run = Session(AppSessionState.APP_IS_RUNNING, None)
    idle = Session(AppSessionState.APP_NOT_RUNNING, frozenset({"live"}))
    drop = streamlit_fixes.drops_rerun
    assert drop(running_live, live) and drop(full_run, live) and drop(full_run, panel)
    assert not drop(running_live, panel)  # another fragment's timer is never dropped
    assert not drop(idle, live) and not drop(running_live, click)
    assert not drop(running_live, None)


def test_set_fragment_interval_outside_a_script_run_sends_nothing():
    assert streamlit_fixes.set_fragment_interval(0.5) is False


def test_a_timer_rerun_never_carries_a_button_click():
    from streamlit.proto.ClientState_pb2 import ClientState

    state = ClientState(fragment_id="live", is_auto_rerun=True)
    click = state.widget_states.widgets.add(id="pause", trigger_value=True)
    slider = state.widget_states.widgets.add(id="lr", double_value=0.01)
    streamlit_fixes.clear_button_triggers(state)
    assert click.trigger_value is False and slider.double_value == 0.01
