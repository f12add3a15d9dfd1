"""Run history on the pages: who owns the runs, the store, recording, and the panel.

Whose runs a page lists (:func:`owner`): on one's own machine (the browser reaches the
server at localhost, or ``DL_HISTORY_SCOPE=local``) every run is kept under "local" and
survives a reload and a restart; on a shared server (``DL_HISTORY_SCOPE=session``, or a
remote address) each browser session sees only its own. The file is
``DL_HISTORY_PATH`` (default ``~/.local/share/dl-playground/runs.sqlite3``).

Server cost: one record per ended run (~2 KB plus ~100 bytes per epoch, at most 1,000
epochs kept), written in the worker thread that ended the run (a few ms, at most
LOCK_TIMEOUT_SECONDS when another writer holds the file); a shared server's session runs
are deleted 7 days after they started unless pinned (checked once a day). No thread.

Texts: a record's status, default name and summary are kept in English and shown in the
session's language (dl_core.compare); a problem is kept as a Message (a write fails in a
worker thread) and said in the language of the page that shows it.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from datetime import datetime
from urllib.parse import urlencode, urljoin

import pandas as pd
import streamlit as st

from dl_core.compare import run_name, status_text, summary_text
from dl_core.history import PAGE_TITLES, HistoryUnavailable, RunRecord, RunStore
from dl_core.i18n import N_, Later, Message, _, detail, ngettext, sentence_start
from ui.i18n import with_language

PAGE_PATHS = {"mlp": "pages/1_mlp.py", "cnn": "pages/2_cnn.py",
              "playground": "pages/4_playground.py"}
SESSION_RUNS_KEPT_SECONDS = 7 * 24 * 3600
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")


class Problems:
    """What keeps the history from working, for the page to show (thread-safe): the last
    failed write (a run that was not kept; cleared only by a write that works) and the
    last failed read or open (cleared by one that works)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.write: object | None = None  # (a Message, or a text rendered when shown)
        self.read: object | None = None

    def report(self, message: object | None, kind: str = "read") -> None:
        with self._lock:
            setattr(self, kind, message)

    def messages(self) -> list[str]:
        """The problems, in the active language."""
        with self._lock:
            kept = [m for m in (self.write, self.read) if m is not None]
        return list(dict.fromkeys(str(m) for m in kept))


def problems() -> Problems:
    return st.session_state.setdefault("history:problems", Problems())


def owner() -> str:
    """"local" on one's own machine, else this browser session's own key.

    ``auto`` counts a session as local only when its connection comes from this machine
    (Streamlit gives no client address then), with a loopback Host and no proxy's
    forwarding headers; a proxy on the same machine that adds none of them must set
    ``DL_HISTORY_SCOPE=session`` (deploy/ does)."""
    scope = os.environ.get("DL_HISTORY_SCOPE", "auto")
    if scope == "auto":
        headers = st.context.headers
        host = (headers.get("Host") or "localhost").rsplit(":", 1)[0]
        forwarded = any(headers.get(h) for h in ("X-Forwarded-For", "Forwarded",
                                                 "X-Real-Ip"))
        scope = "local" if (st.context.ip_address is None and not forwarded and
                            host in LOCAL_HOSTS) else "session"
    if scope == "local":
        return "local"
    return "session:" + st.session_state.setdefault("history:session", uuid.uuid4().hex)


LOCK_TIMEOUT_SECONDS = 1.0  # a write waits this long for another writer, then gives up
PRUNE_EVERY_SECONDS = 24 * 3600
_stores: dict[str, RunStore] = {}
_stores_lock = threading.Lock()
_pruned = [0.0]  # when session runs were last pruned (time.time())


def open_store(path: str) -> RunStore:
    """One store object per file for the process (it holds no connection: each call opens
    its own), from any thread; raises HistoryUnavailable. A write never holds a training
    worker longer than LOCK_TIMEOUT_SECONDS. Old session runs are pruned once a day."""
    with _stores_lock:
        opened = _stores.get(path)
        if opened is None:
            opened = _stores[path] = RunStore(path, timeout=LOCK_TIMEOUT_SECONDS)
        due = time.time() - _pruned[0] > PRUNE_EVERY_SECONDS
        if due:
            _pruned[0] = time.time()
    if due:
        try:
            opened.prune("session:", time.time() - SESSION_RUNS_KEPT_SECONDS)
        except HistoryUnavailable:
            _pruned[0] = 0.0  # (tried again next time)
    return opened


def _sentence(message) -> str:
    """An error's message said as a sentence: capitalized, with a full stop."""
    text = sentence_start(message)
    return text if text.endswith((".", "。")) else _("{sentence}.").format(sentence=text)


def _said(exc: Exception) -> Later:
    """``exc``'s message as a sentence in the language where it is shown. Keeps the
    message (a Message), not the exception (whose traceback holds a worker's frames)."""
    return Later(_sentence, detail(exc))


def safely(action, default=None):
    """``action()``, or ``default`` with the reason kept for :func:`show_problems` when
    the history cannot be used just now (locked, damaged since it was opened)."""
    try:
        value = action()
    except HistoryUnavailable as exc:
        problems().report(_said(exc))
        return default
    problems().report(None)  # reading works again (a failed write stays said)
    return value


def store() -> RunStore | None:
    """The store, or None (and the reason in :func:`problems`) when it cannot be used."""
    from dl_core.history import default_path

    return safely(lambda: open_store(str(default_path())))


def recorder(make_record, who: str | None = None):
    """An ``on_end`` callback for a BackgroundRun: saves ``make_record(run)`` (a
    RunRecord, or None when there is nothing new to keep) under this session's owner.
    Runs in the worker thread and opens the store there (a file locked when the run
    started may work when it ends); reads nothing from Streamlit there."""
    from dl_core.history import default_path

    path, who, sink = str(default_path()), who or owner(), problems()

    def on_end(run) -> None:
        try:
            record = make_record(run)
            if record is not None:
                open_store(path).save(who, record)
                sink.report(None, "write")
        except HistoryUnavailable as exc:
            sink.report(Message("A run was not kept: {reason}", reason=_said(exc)), "write")
        except Exception as exc:  # noqa: BLE001 - a run that cannot be kept is said so
            sink.report(Message("A run was not kept in the history: {kind}: {error}",
                                kind=type(exc).__name__, error=detail(exc)), "write")
    return on_end


def last_run_number(page: str) -> int:
    """The highest n of the runs named "<page> run n" in this owner's history (0: none;
    the names are kept in English)."""
    where = store()
    records = safely(lambda: where.runs(owner()), []) if where else []
    pattern = re.compile(rf"{re.escape(PAGE_TITLES[page])} run (\d+)")
    numbers = [int(m.group(1)) for r in records if r.page == page
               for m in [pattern.fullmatch(r.name)] if m]
    return max(numbers, default=0)


def run_link(record: RunRecord) -> str:
    """The link that opens ``record``'s settings on its page."""
    path = {"playground": "playground"}.get(record.page, record.page)
    return urljoin(st.context.url or "http://localhost/",
                   f"{path}?{urlencode(with_language(record.config))}")


def label(record: RunRecord) -> str:
    """The run's name and when it started, in the active language."""
    when = time.strftime(_("%d %b %H:%M:%S"), time.localtime(record.started))
    return _("{name} ({time})").format(name=run_name(record), time=when)


def show_problems() -> None:
    for message in problems().messages():
        st.warning(message, icon=":material/database:")


def history_panel(page: str, shown=None) -> None:
    """This page's kept runs, newest first, and a link to the Compare page."""
    if shown is not None:
        shown.run.wait_reported(1.0)  # a run that just ended is being saved
    where = store()
    records = safely(lambda: where.runs(owner()), []) if where else []
    mine = [r for r in records if r.page == page]
    show_problems()  # (not inside the expander: a history that cannot be kept is news)
    snap = shown.snapshot() if shown is not None else None
    count = len(mine)
    with st.expander(ngettext("Run history: {n} run of this page kept",
                              "Run history: {n} runs of this page kept", count).format(n=count),
                     icon=":material/history:", key=f"{page}:history_open"):
        if snap is not None and snap.active:
            run = _("{page} run {number}").format(page=PAGE_TITLES[page], number=shown.number)
            st.caption(_("{run} is still {status}: it is kept (or its entry brought up to "
                         "date) when it ends.").format(run=run, status=status_text(snap.status)))
        if not mine:
            st.caption(_("Every run is kept here when it ends or is stopped: its settings, "
                         "curves and figures."))
        else:
            st.dataframe(run_frame([table_row(r) for r in mine[:50]]), hide_index=True,
                         column_config=columns(), width="stretch")
        st.page_link("pages/5_compare.py",
                     label=_("Compare, rename, pin, delete or export runs"),
                     icon=":material/compare_arrows:")


# The run tables' columns named by a word: named in the active language by run_frame
# (the others are ids, whose header the column configuration gives, or settings' labels)
WORD_COLUMNS = (N_("pinned"), N_("name"), N_("started"), N_("network"), N_("epochs"),
                N_("parameters"), N_("flops"), N_("status"), N_("link"))


def run_frame(rows: list[dict]) -> pd.DataFrame:
    """Rows of :func:`table_row` as a table, its columns named in the active language (a
    name that a setting's label already has keeps its id: two equal names break the table)."""
    frame = pd.DataFrame(rows)
    taken = set(frame.columns)
    return frame.rename(columns=lambda c: _(c) if c in WORD_COLUMNS and
                        (_(c) == c or _(c) not in taken) else c)


def columns() -> dict:
    """The run tables' column configuration, in the active language (keyed by the columns'
    names in :func:`run_frame`)."""
    config = st.column_config
    return {
        _("pinned"): config.CheckboxColumn(_("Pinned"), width="small"),
        _("started"): config.DatetimeColumn(_("Started"), format=_("D MMM HH:mm:ss")),
        "val_accuracy": config.NumberColumn(_("Validation accuracy"), format="percent"),
        "test_accuracy": config.NumberColumn(_("Test accuracy"), format="percent"),
        _("parameters"): config.NumberColumn(_("Parameters"), format="localized"),
        _("flops"): config.NumberColumn(_("FLOPs / example"), format="localized"),
        "ms_per_epoch": config.NumberColumn(_("ms / epoch"), format="%.1f"),
        _("link"): config.LinkColumn(_("Open"), display_text=_("open settings"),
                                     help=_("Opens the run's settings on its page in a new "
                                            "tab (its link).")),
    }


def table_row(record: RunRecord, extra: dict | None = None) -> dict:
    """One run as a table row (its columns: see :func:`run_frame`; ``extra`` after the
    name), its texts in the active language."""
    m = record.metrics
    held_out = None if record.page == "playground" else m.get("val_accuracy")  # (2D: test)
    return {"pinned": record.pinned, "name": run_name(record), **(extra or {}),
            "started": datetime.fromtimestamp(record.started),  # (the server's local time)
            "network": summary_text(record), "epochs": record.epochs,
            "val_accuracy": held_out, "test_accuracy": m.get("test_accuracy"),
            "parameters": record.parameters, "flops": record.flops_per_example,
            "ms_per_epoch": record.ms_per_epoch, "status": status_text(record.status),
            "link": run_link(record)}
