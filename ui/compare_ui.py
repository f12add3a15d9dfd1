"""The Compare page's parts: the kept runs, the comparison of the picked ones, renaming,
pinning and deleting, and JSON export and import.

Reads the history store (ui/history_ui.py) on each full rerun: the list without curves,
then the curves of the picked runs only. Nothing polls here. An action's message is kept
as a function that says it, called when it is shown (a widget's callback runs before the
page's language is set).
"""

from __future__ import annotations

import json

import streamlit as st

from dl_core.compare import curves_figure, run_name, setting_columns, summary_text
from dl_core.history import MAX_IMPORT_BYTES, HistoryUnavailable, RunStore
from dl_core.i18n import _, ngettext
from ui.history_ui import (columns, label, owner, run_frame, run_link, safely, show_problems,
                           store, table_row)
from ui.i18n import activate

KEY = "compare"
DEFAULT_PICKED = 3


def _keep_picks(records) -> None:
    """Set the runs picked for comparison before the widget is drawn: kept across reruns
    (minus deleted ones; by hand, since a renamed run changes the widget's labels); at
    first the pinned runs, else the newest few of one page."""
    ids = {r.id for r in records}
    key = f"{KEY}:picked"
    if key in st.session_state:
        st.session_state[key] = [i for i in st.session_state[key] if i in ids]
    else:  # the pinned runs, else the newest runs of the newest run's page
        pinned = [r.id for r in records if r.pinned]
        newest = max(records, key=lambda r: r.started)
        same_page = [r.id for r in sorted(records, key=lambda r: -r.started)
                     if r.page == newest.page]
        st.session_state[key] = pinned or same_page[:DEFAULT_PICKED]


def runs_table(records) -> None:
    st.dataframe(run_frame([table_row(r) for r in records]), hide_index=True,
                 column_config=columns(), width="stretch", key=f"{KEY}:all")


def _picked_label(record) -> str:
    return f"{label(record)} · {summary_text(record)}"


def comparison(where: RunStore, who: str, records) -> None:
    """Curves overlaid, and a sortable table of what differs between the picked runs."""
    by_id = {r.id: r for r in records}
    _keep_picks(records)
    picked = st.multiselect(
        _("Runs to compare"), list(by_id), key=f"{KEY}:picked",
        format_func=lambda i: _picked_label(by_id[i]),
        placeholder=_("Pick two or more runs..."),
        help=_("Their curves are drawn on top of each other, one colour per run."))
    if not picked:
        st.caption(_("Pick runs above to see their curves side by side."))
        return
    chosen = safely(lambda: where.get(who, picked), [])
    names = [label(r) for r in chosen]
    st.caption(_("Solid lines: training; dashed: validation (on the 2D page, its test "
                 "points). One colour per run; click a name in a legend to hide it."))
    left, right = st.columns(2)
    for column, metric in zip((left, right), ("loss", "accuracy")):
        column.plotly_chart(curves_figure(chosen, names, metric), key=f"{KEY}:{metric}",
                            config={"displaylogo": False})
    settings = setting_columns(chosen)
    rows = [table_row(r, extra) for r, extra in zip(chosen, settings)]
    differ = len(settings[0]) if settings else 0
    if len(chosen) == 1:
        st.markdown(_("**Its final figures.** Pick a second run to see which settings "
                      "differ."))
    elif differ:
        st.markdown(ngettext(
            "**What differs between them** ({n} setting; the others are the same), with "
            "their final figures. Click a column's header to sort.",
            "**What differs between them** ({n} settings; the others are the same), with "
            "their final figures. Click a column's header to sort.", differ).format(n=differ))
    else:
        st.markdown(_("**What differs between them** (no setting: they differ only in how "
                      "they ran), with their final figures. Click a column's header to sort."))
    st.dataframe(run_frame(rows).drop(columns=[_("pinned")]), hide_index=True,
                 column_config=columns(), width="stretch", key=f"{KEY}:table")
    st.markdown(_(":material/open_in_new: Open a run's settings on its page (its link, in a "
                  "new tab): {links}").format(
        links=" · ".join(f"[{label(r)}]({run_link(r)})" for r in chosen)))


def manage(where: RunStore, who: str, records) -> None:
    """Rename, pin or delete one run."""
    by_id = {r.id: r for r in records}
    with st.expander(_("Rename, pin or delete a run"), icon=":material/edit:",
                     key=f"{KEY}:manage_open"):
        key = f"{KEY}:manage"  # (kept by hand: a renamed run changes the widget's labels)
        current = st.session_state.get(key)
        st.session_state[key] = current if current in by_id else next(iter(by_id))
        run_id = st.selectbox(_("Run"), list(by_id), key=key,
                              format_func=lambda i: _picked_label(by_id[i]))
        if run_id is None:
            return
        record = by_id[run_id]
        row = st.container(horizontal=True, vertical_alignment="bottom")
        row.text_input(_("Name"), value=record.name and run_name(record), max_chars=100,
                       key=f"{KEY}:name:{run_id}",
                       on_change=_act, args=(where.rename, who, run_id, f"{KEY}:name:{run_id}"))
        row.toggle(_("Pinned"), value=record.pinned, key=f"{KEY}:pin:{run_id}",
                   on_change=_act, args=(where.pin, who, run_id, f"{KEY}:pin:{run_id}"),
                   help=_("Pinned runs are listed first, picked first on this page, and never "
                          "cleared from a shared server's history."))
        with row.popover(_("Delete"), icon=":material/delete:"):
            st.markdown(_("Delete **{run}** and its curves for good?").format(run=label(record)))
            st.button(_("Delete {run}").format(run=run_name(record)) if record.name else
                      _("Delete this run"), type="primary",
                      key=f"{KEY}:delete:{run_id}", on_click=_act,
                      args=(where.delete, who, run_id, None, label(record)))
        messages("manage")


def _act(action, who: str, run_id: str, value_key: str | None, name: str = "") -> None:
    """Apply a rename / pin / delete; a store error is said, not raised."""
    key = f"{KEY}:message:manage"
    try:
        if value_key is None:
            action(who, run_id)
            st.session_state[key] = ("success", lambda: _("Deleted {name}.").format(name=name))
        else:
            action(who, run_id, st.session_state[value_key])
    except HistoryUnavailable as exc:
        st.session_state[key] = ("error", exc.__str__)  # (its Message, said when shown)


def export_import(where: RunStore, who: str, count: int) -> None:
    """Download every kept run as JSON; add the runs of a JSON file (all or none)."""
    with st.expander(_("Export or import runs (JSON)"), icon=":material/swap_vert:",
                     key=f"{KEY}:io_open"):
        messages("io")
        if count:  # (the file is made when the button is pressed, not on every rerun)
            st.download_button(ngettext("Download {n} run as JSON",
                                        "Download {n} runs as JSON", count).format(n=count),
                               lambda: _export(where, who), file_name="runs.json",
                               mime="application/json", icon=":material/download:",
                               key=f"{KEY}:export")
        nonce = st.session_state.setdefault(f"{KEY}:upload_nonce", 0)
        st.file_uploader(_("Add runs from an exported JSON file"), type=["json"],
                         key=f"{KEY}:upload:{nonce}", on_change=_import,
                         max_upload_size=MAX_IMPORT_BYTES // 1_000_000,
                         args=(where, who, f"{KEY}:upload:{nonce}"),
                         help=_("Runs already kept are skipped; a file with a bad run "
                                "adds nothing."))


def _export(where: RunStore, who: str) -> str:
    """The JSON file (made in Streamlit's download thread: no page to show an error on,
    so a history that cannot be read gives a file that says why, in English)."""
    try:
        return where.export_json(who)
    except HistoryUnavailable as exc:
        return json.dumps({"error": str(exc)})


def _import(where: RunStore, who: str, key: str) -> None:
    activate()  # a callback runs before the page sets the session's language
    upload = st.session_state.get(key)
    if upload is None:
        return
    file = upload.name
    try:
        added = where.import_json(who, upload.getvalue())
    except (ValueError, HistoryUnavailable) as exc:
        message = ("error", lambda reason=exc: _(
            "{file} was not imported: {reason}. Your runs are as they were.").format(
                file=file, reason=reason))
    else:
        message = ("success", lambda: ngettext(
            "Added {n} run from {file}.", "Added {n} runs from {file}.", added).format(
                n=added, file=file) if added else
            _("{file} holds no run that is not kept already.").format(file=file))
    st.session_state[f"{KEY}:message:io"] = message
    st.session_state[f"{KEY}:upload_nonce"] += 1  # a fresh uploader, empty


def messages(section: str) -> None:
    """The last action's message, shown once where it was taken: (st function's name, a
    function that says it in the active language)."""
    message = st.session_state.pop(f"{KEY}:message:{section}", None)
    if message:
        getattr(st, message[0])(message[1]())


def page() -> None:
    where, who = store(), owner()
    records = safely(lambda: where.runs(who)) if where is not None else None
    show_problems()
    if records is None:
        return
    st.caption(_("Every run of the training pages is kept when it ends or is stopped, on "
                 "this computer, in {path}.").format(path=where.path) if who == "local" else
               _("Every run of the training pages is kept when it ends or is stopped, for "
                 "this browser session only (a shared server: download them to keep them)."))
    if not records:
        st.info(_("No run is kept yet: train one on the MLP, CNN or 2D page, then come back."),
                icon=":material/history:")
    else:
        comparison(where, who, records)
        st.subheader(_("All kept runs"), divider="gray")
        runs_table(records)
        manage(where, who, records)
    if not records:
        messages("manage")  # (the last run was deleted: its section is gone)
    export_import(where, who, len(records))
