"""The session's language: chosen with the switch, kept in the URL (``lang=zh``), and at
first taken from the link, else from the browser's language (``st.context.locale``).

``activate()`` runs at the start of every script run (app.py) and every fragment run
(ui.live.polling_fragment): it makes the session's language the active one of
``dl_core.i18n`` for this thread, so every ``_()`` of the run, in ``ui`` or ``dl_core``,
speaks it. Switching reruns the page: widget values (kept by key, not by label) and a
running training run (kept in session state) are untouched.
"""

from __future__ import annotations

import streamlit as st

from dl_core.i18n import LANGUAGES, SOURCE_LANGUAGE, _, language, normalize, set_language

PARAM = "lang"  # the URL's query parameter
KEY = "lang"  # the switch's widget key in session state


def session_language() -> str:
    """The session's language; on its first run, from the link, the browser, or English."""
    state = st.session_state
    code = state.get(KEY)
    if code not in LANGUAGES:
        code = (normalize(st.query_params.get(PARAM)) or normalize(_browser_locale())
                or SOURCE_LANGUAGE)
        state[KEY] = code
    return code


def _link_warning(code: str) -> None:
    """On a session's first run, say so when the link names a language we do not have."""
    given = st.query_params.get(PARAM)
    if given is not None and normalize(given) is None:
        shown = given if len(given) <= 20 else given[:20] + "..."
        st.warning(_("Link: language {given} is not available; showing {language}.").format(
            given=repr(shown), language=LANGUAGES[code]), icon=":material/link_off:")


def _browser_locale() -> str | None:
    try:
        return st.context.locale
    except Exception:  # no browser (bare mode)
        return None


def activate() -> str:
    """Make the session's language active for this run; returns its code."""
    first = KEY not in st.session_state
    code = session_language()
    set_language(code)
    if first:
        _link_warning(code)
    return code


def language_switch() -> None:
    """The switch, at the top of the sidebar of every page (below the navigation)."""
    st.sidebar.radio(
        "Language / 语言", list(LANGUAGES), key=KEY, format_func=LANGUAGES.__getitem__,
        horizontal=True)


def with_language(params: dict[str, str]) -> dict[str, str]:
    """A page's query parameters with the session's language added."""
    return {**params, PARAM: session_language()}


def without_language(params: dict) -> dict:
    """The query parameters a page's settings parser reads (the language is not one)."""
    return {k: v for k, v in params.items() if k != PARAM}


def sync_url(params: dict[str, str] | None = None) -> None:
    """Rewrite the URL to ``params`` plus the language, only when it differs (a write
    costs a message to the browser and a history entry)."""
    if params is None:
        params = without_language(dict(st.query_params))
    wanted = with_language(params)
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)


def tabs(titles: list[str], key: str, **kwargs):
    """``st.tabs`` of translated ``titles`` (message ids) whose open tab survives a
    language switch: Streamlit keeps a keyed tab by its shown label, so a label of another
    language is moved to the same tab's label in this one before the tabs are drawn."""
    shown = [_(title) for title in titles]
    open_label = st.session_state.get(key)
    if open_label is not None and open_label not in shown:
        for code in LANGUAGES:
            with language(code):
                labels = [_(title) for title in titles]
            if open_label in labels:
                st.session_state[key] = shown[labels.index(open_label)]
                break
    return st.tabs(shown, key=key, **kwargs)
