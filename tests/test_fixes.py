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
