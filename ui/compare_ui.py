"""The Compare page's parts: the kept runs, the comparison of the picked ones, renaming,
pinning and deleting, and JSON export and import.

Reads the history store (ui/history_ui.py) on each full rerun: the list without curves,
then the curves of the picked runs only. Nothing polls here.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dl_core.compare import curves_figure, setting_columns
from dl_core.history import MAX_IMPORT_BYTES, HistoryUnavailable, RunStore
from ui.history_ui import (COLUMNS, label, owner, run_link, safely, show_problems, store,
                           table_row)

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
    st.dataframe(pd.DataFrame([table_row(r) for r in records]), hide_index=True,
                 column_config=COLUMNS, width="stretch", key=f"{KEY}:all")


def comparison(where: RunStore, who: str, records) -> None:
    """Curves overlaid, and a sortable table of what differs between the picked runs."""
    by_id = {r.id: r for r in records}
    _keep_picks(records)
    picked = st.multiselect(
        "Runs to compare", list(by_id), key=f"{KEY}:picked",
        format_func=lambda i: f"{label(by_id[i])} · {by_id[i].summary}",
        placeholder="Pick two or more runs...",
        help="Their curves are drawn on top of each other, one colour per run.")
    if not picked:
        st.caption("Pick runs above to see their curves side by side.")
        return
    chosen = safely(lambda: where.get(who, picked), [])
    names = [label(r) for r in chosen]
    st.caption("Solid lines: training; dashed: validation (on the 2D page, its test "
               "points). One colour per run; click a name in a legend to hide it.")
    left, right = st.columns(2)
    for column, metric in zip((left, right), ("loss", "accuracy")):
        column.plotly_chart(curves_figure(chosen, names, metric), key=f"{KEY}:{metric}",
                            config={"displaylogo": False})
    settings = setting_columns(chosen)
    rows = [table_row(r, extra) for r, extra in zip(chosen, settings)]
    differ = list(settings[0]) if settings else []
    st.markdown("**What differs between them**" + (
        f" ({len(differ)} setting{'s' * (len(differ) != 1)}; the others are the same)"
        if differ else " (no setting: they differ only in how they ran)") +
        ", with their final figures. Click a column's header to sort.")
    st.dataframe(pd.DataFrame(rows).drop(columns=["pinned"]), hide_index=True,
                 column_config=COLUMNS, width="stretch", key=f"{KEY}:table")
    st.markdown(":material/open_in_new: Open a run's settings on its page (its link, in a "
                "new tab): " + " · ".join(f"[{label(r)}]({run_link(r)})" for r in chosen))


def manage(where: RunStore, who: str, records) -> None:
    """Rename, pin or delete one run."""
    by_id = {r.id: r for r in records}
    with st.expander("Rename, pin or delete a run", icon=":material/edit:",
                     key=f"{KEY}:manage_open"):
        key = f"{KEY}:manage"  # (kept by hand: a renamed run changes the widget's labels)
        current = st.session_state.get(key)
        st.session_state[key] = current if current in by_id else next(iter(by_id))
        run_id = st.selectbox("Run", list(by_id), key=key,
                              format_func=lambda i: f"{label(by_id[i])} · {by_id[i].summary}")
        if run_id is None:
            return
        record = by_id[run_id]
        row = st.container(horizontal=True, vertical_alignment="bottom")
        row.text_input("Name", value=record.name, max_chars=100, key=f"{KEY}:name:{run_id}",
                       on_change=_act, args=(where.rename, who, run_id, f"{KEY}:name:{run_id}"))
        row.toggle("Pinned", value=record.pinned, key=f"{KEY}:pin:{run_id}",
                   on_change=_act, args=(where.pin, who, run_id, f"{KEY}:pin:{run_id}"),
                   help="Pinned runs are listed first, picked first on this page, and never "
                        "cleared from a shared server's history.")
        with row.popover("Delete", icon=":material/delete:"):
            st.markdown(f"Delete **{label(record)}** and its curves for good?")
            st.button(f"Delete {record.name or 'this run'}", type="primary",
                      key=f"{KEY}:delete:{run_id}", on_click=_act,
                      args=(where.delete, who, run_id, None, label(record)))
        messages("manage")


def _act(action, who: str, run_id: str, value_key: str | None, name: str = "") -> None:
    """Apply a rename / pin / delete; a store error is said, not raised."""
    try:
        if value_key is None:
            action(who, run_id)
            st.session_state[f"{KEY}:message:manage"] = ("success", f"Deleted {name}.")
        else:
            action(who, run_id, st.session_state[value_key])
    except HistoryUnavailable as exc:
        st.session_state[f"{KEY}:message:manage"] = ("error", str(exc))


def export_import(where: RunStore, who: str, count: int) -> None:
    """Download every kept run as JSON; add the runs of a JSON file (all or none)."""
    with st.expander("Export or import runs (JSON)", icon=":material/swap_vert:",
                     key=f"{KEY}:io_open"):
        messages("io")
        if count:  # (the file is made when the button is pressed, not on every rerun)
            st.download_button(f"Download {count} run{'s' * (count != 1)} as JSON",
                               lambda: _export(where, who), file_name="runs.json",
                               mime="application/json", icon=":material/download:",
                               key=f"{KEY}:export")
        nonce = st.session_state.setdefault(f"{KEY}:upload_nonce", 0)
        st.file_uploader("Add runs from an exported JSON file", type=["json"],
                         key=f"{KEY}:upload:{nonce}", on_change=_import,
                         max_upload_size=MAX_IMPORT_BYTES // 1_000_000,
                         args=(where, who, f"{KEY}:upload:{nonce}"),
                         help="Runs already kept are skipped; a file with a bad run adds "
                              "nothing.")


def _export(where: RunStore, who: str) -> str:
    """The JSON file (made in Streamlit's download thread: no page to show an error on,
    so a history that cannot be read gives a file that says why)."""
    try:
        return where.export_json(who)
    except HistoryUnavailable as exc:
        return json.dumps({"error": str(exc)})


def _import(where: RunStore, who: str, key: str) -> None:
    upload = st.session_state.get(key)
    if upload is None:
        return
    try:
        added = where.import_json(who, upload.getvalue())
    except (ValueError, HistoryUnavailable) as exc:
        message = ("error", f"{upload.name} was not imported: {exc}. Your runs are as "
                            "they were.")
    else:
        message = ("success", f"Added {added} run{'s' * (added != 1)} from {upload.name}."
                   if added else f"{upload.name} holds no run that is not kept already.")
    st.session_state[f"{KEY}:message:io"] = message
    st.session_state[f"{KEY}:upload_nonce"] += 1  # a fresh uploader, empty


def messages(section: str) -> None:
    """The last action's message, shown once where it was taken."""
    message = st.session_state.pop(f"{KEY}:message:{section}", None)
    if message:
        getattr(st, message[0])(message[1])


def page() -> None:
    where, who = store(), owner()
    records = safely(lambda: where.runs(who)) if where is not None else None
    show_problems()
    if records is None:
        return
    kept = ("on this computer, in " + str(where.path) if who == "local" else
            "for this browser session only (a shared server: download them to keep them)")
    st.caption(f"Every run of the training pages is kept when it ends or is stopped, {kept}.")
    if not records:
        st.info("No run is kept yet: train one on the MLP, CNN or 2D page, then come back.",
                icon=":material/history:")
    else:
        comparison(where, who, records)
        st.subheader("All kept runs", divider="gray")
        runs_table(records)
        manage(where, who, records)
    if not records:
        messages("manage")  # (the last run was deleted: its section is gone)
    export_import(where, who, len(records))
