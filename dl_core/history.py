"""Run history: every finished or stopped run, kept in an embedded SQLite database.

No Streamlit here. A
:class:`RunRecord` is what a page knows when a run ends: its settings (the settings table's
values, as in its link), its per-epoch curves, final metrics, size and cost, status and
reason. :class:`RunStore` keeps records per owner (a browser session on a shared server,
"local" on one's own machine): nobody lists, renames, pins or deletes another owner's runs.

Every write is one transaction; the connection waits up to ``timeout`` seconds for a lock
held by another writer (another thread or process). A file that is not a database, or one
that stays locked, raises :class:`HistoryUnavailable` with a message to show: the app then
goes on without history. Records export to and import from JSON (the import is checked by
:mod:`dl_core.history_export`); a bad file raises ValueError naming what is wrong, and
nothing is written.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import uuid
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from pathlib import Path

from dl_core.i18n import N_, Message

SCHEMA_VERSION = 1
MAX_IMPORT_BYTES = 20_000_000
MAX_CURVE_POINTS = 1000  # per series: longer runs are kept at an even stride of epochs
PAGES = ("mlp", "cnn", "playground")
PAGE_TITLES = {"mlp": "MLP", "cnn": "CNN", "playground": "2D"}  # (names, kept in English)
FIRST_TIME, LAST_TIME = 946_684_800.0, 4_102_444_800.0  # 2000-01-01 and 2100-01-01 (UTC)


def _number_or_none(value) -> bool:
    """None, or a finite int or float (not a bool)."""
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)
                             and math.isfinite(value))


def default_path() -> Path:
    """``DL_HISTORY_PATH``, else a file in the user's data folder (outside the repository)."""
    return Path(os.environ.get("DL_HISTORY_PATH") or
                Path.home() / ".local" / "share" / "dl-playground" / "runs.sqlite3")


class HistoryUnavailable(RuntimeError):
    """The database cannot be used (corrupt, locked, unwritable); the message (a Message:
    rendered where it is shown) says which."""


@dataclass(frozen=True)
class RunRecord:
    """One ended run. ``curves`` maps a series ("loss", "val_accuracy", ...) to one value
    per epoch; ``metrics`` holds the final figures ("val_accuracy", "test_accuracy", ...)."""

    page: str
    config: dict
    curves: dict
    metrics: dict
    parameters: int
    flops_per_example: int
    ms_per_epoch: float
    epochs: int
    status: str
    reason: str
    started: float  # Unix time
    name: str = ""
    pinned: bool = False
    summary: str = ""  # one line: the network and how it was trained
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self):
        """Checks every field a page reads, so a hand-edited import cannot break one."""
        if self.page not in PAGES:
            raise ValueError(Message("page: {page!r} is not one of {pages}", page=self.page,
                                     pages=", ".join(PAGES)))
        for name in ("config", "curves", "metrics"):
            if not isinstance(getattr(self, name), dict):
                raise ValueError(Message("{field}: expected a mapping, got {type}", field=name,
                                         type=type(getattr(self, name)).__name__))
        for key, value in self.config.items():
            if not isinstance(key, str) or not isinstance(value, (str, int, float, bool)):
                raise ValueError(Message("config: {key!r} must map to text or a number",
                                         key=key))
        for key, value in self.metrics.items():
            if not isinstance(key, str) or not _number_or_none(value):
                raise ValueError(Message("metrics: {key!r} must be a finite number", key=key))
        for key, values in self.curves.items():
            if not isinstance(values, list) or not all(map(_number_or_none, values)):
                raise ValueError(Message("curves: {key!r} must be a list of finite numbers",
                                         key=key))
        lengths = {len(values) for values in self.curves.values()}
        if len(lengths) > 1:
            raise ValueError(Message("curves: series of different lengths {lengths}",
                                     lengths=sorted(lengths)))
        for name in ("parameters", "flops_per_example", "epochs", "ms_per_epoch"):
            if not 0 <= getattr(self, name) < 1e15:
                raise ValueError(Message("{field}: {value!r} is out of range", field=name,
                                         value=getattr(self, name)))
        for name, limit in (("name", 200), ("summary", 1000), ("reason", 2000), ("id", 100)):
            if len(getattr(self, name)) > limit:
                raise ValueError(Message("{field}: longer than {limit} characters",
                                         field=name, limit=limit))
        if not FIRST_TIME <= self.started <= LAST_TIME:
            raise ValueError(Message("started: {value!r} is not a time between 2000 and 2100",
                                     value=self.started))

    @classmethod
    def from_dict(cls, data: dict) -> "RunRecord":
        """A record from its JSON form; ValueError naming a missing or wrong field."""
        if not isinstance(data, dict):
            raise ValueError(Message("a run must be an object, got {type}",
                                     type=type(data).__name__))
        known = {f.name: f for f in fields(cls)}
        missing = [name for name, f in known.items() if name not in data
                   and f.default is MISSING and f.default_factory is MISSING]
        if missing:
            raise ValueError(Message("a run lacks {fields}", fields=", ".join(missing)))
        values = {name: data[name] for name in known if name in data}
        for name, kind in (("parameters", int), ("flops_per_example", int), ("epochs", int),
                           ("ms_per_epoch", float), ("started", float)):
            try:
                values[name] = kind(values[name])
            except (TypeError, ValueError, OverflowError):
                raise ValueError(Message("{field}: expected a number, got {value!r:.60}",
                                         field=name, value=values[name])) from None
        values["pinned"] = bool(values.get("pinned", False))
        for name in ("page", "status", "reason", "name", "id", "summary"):
            if name in values and not isinstance(values[name], str):
                raise ValueError(Message("{field}: expected text, got {value!r:.60}",
                                         field=name, value=values[name]))
        try:
            return cls(**values)  # (its checks say which field is wrong)
        except (TypeError, OverflowError) as exc:
            raise ValueError(Message("a run has a bad field: {error}", error=str(exc))) \
                from None


class RunStore:
    """The runs in the SQLite file ``path`` (made with its folder when missing)."""

    def __init__(self, path: str | Path | None = None, timeout: float = 5.0):
        self.path = Path(path or default_path())
        self.timeout = timeout
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                # (a run exported by one owner and imported by another keeps its id)
                # (the curves apart: a list of runs reads no curves)
                db.execute("CREATE TABLE IF NOT EXISTS runs (id TEXT NOT NULL, "
                           "owner TEXT NOT NULL, started REAL NOT NULL, record TEXT NOT NULL, "
                           "curves TEXT NOT NULL, PRIMARY KEY (owner, id))")
                columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
                if "curves" not in columns:  # a file of the first draft: curves in record
                    db.execute("ALTER TABLE runs ADD COLUMN curves TEXT NOT NULL "
                               "DEFAULT '{}'")
                db.execute("CREATE INDEX IF NOT EXISTS runs_owner ON runs (owner, started)")
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            raise self._unavailable(exc) from None
        except OSError as exc:
            raise HistoryUnavailable(Message(
                "the run history at {path} cannot be created ({reason}); runs are not kept",
                path=self.path, reason=exc.strerror or exc)) from None

    def _connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.path, timeout=self.timeout)
            db.execute("PRAGMA journal_mode=WAL")  # readers do not wait for a writer
            return db
        except sqlite3.Error as exc:
            raise self._unavailable(exc) from None

    def _unavailable(self, exc: Exception) -> HistoryUnavailable:
        reason = str(exc)
        if "locked" in reason or "busy" in reason:
            text = N_("the run history at {path} is locked by another program ({reason}); "
                      "runs are not kept until it can be used")
        elif "not a database" in reason or "malformed" in reason:
            text = N_("the run history at {path} is damaged ({reason}): move it away to start "
                      "a new history; runs are not kept until it can be used")
        else:
            text = N_("the run history at {path} cannot be used ({reason}); runs are not kept "
                      "until it can be used")
        return HistoryUnavailable(Message(text, path=self.path, reason=reason))

    def _run(self, statement: str, parameters: tuple = ()) -> list[tuple]:
        """One statement in one transaction (committed, or rolled back on error)."""
        db = self._connect()
        try:
            with db:
                return db.execute(statement, parameters).fetchall()
        except sqlite3.Error as exc:
            raise self._unavailable(exc) from None
        finally:
            db.close()

    # ---------------------------------------------------------------- writing
    def add(self, owner: str, record: RunRecord) -> RunRecord:
        """Keep ``record`` for ``owner``; returns it."""
        self._run("INSERT INTO runs (id, owner, started, record, curves) "
                  "VALUES (?, ?, ?, ?, ?)", _row(owner, record))
        return record

    def save(self, owner: str, record: RunRecord) -> RunRecord:
        """Add ``record``, or replace the one with its id (a run trained on further) while
        keeping the name and pin given to it meanwhile. Returns what is stored."""
        db = self._connect()
        try:
            with db:
                db.execute("BEGIN IMMEDIATE")
                row = db.execute("SELECT record FROM runs WHERE id = ? AND owner = ?",
                                 (record.id, owner)).fetchone()
                if row is not None:
                    kept = json.loads(row[0])
                    record = replace(record, name=kept.get("name", ""),
                                     pinned=bool(kept.get("pinned", False)))
                db.execute("INSERT OR REPLACE INTO runs (id, owner, started, record, curves) "
                           "VALUES (?, ?, ?, ?, ?)", _row(owner, record))
            return record
        except sqlite3.Error as exc:
            raise self._unavailable(exc) from None
        finally:
            db.close()

    def prune(self, owner_prefix: str, older_than: float) -> int:
        """Delete the unpinned runs of owners starting with ``owner_prefix`` that started
        before the Unix time ``older_than`` (a shared server's sessions that are long
        gone); returns how many."""
        rows = self._run("SELECT id, owner, record FROM runs WHERE owner LIKE ? "
                         "AND started < ?", (owner_prefix.replace("%", "") + "%", older_than))
        old = [(i, o) for i, o, r in rows if not json.loads(r).get("pinned")]
        db = self._connect()
        try:
            with db:
                db.executemany("DELETE FROM runs WHERE id = ? AND owner = ?", old)
        except sqlite3.Error as exc:
            raise self._unavailable(exc) from None
        finally:
            db.close()
        return len(old)

    def _update(self, owner: str, run_id: str, **changes) -> bool:
        db = self._connect()
        try:
            with db:  # read and write in one transaction: no lost update
                db.execute("BEGIN IMMEDIATE")
                row = db.execute("SELECT record FROM runs WHERE id = ? AND owner = ?",
                                 (run_id, owner)).fetchone()
                if row is None:
                    return False
                data = {**json.loads(row[0]), **changes}
                db.execute("UPDATE runs SET record = ? WHERE id = ? AND owner = ?",
                           (json.dumps(data), run_id, owner))
                return True
        except sqlite3.Error as exc:
            raise self._unavailable(exc) from None
        finally:
            db.close()

    def rename(self, owner: str, run_id: str, name: str) -> bool:
        """Name a run (True if it was found among ``owner``'s)."""
        return self._update(owner, run_id, name=str(name)[:100])

    def pin(self, owner: str, run_id: str, pinned: bool = True) -> bool:
        return self._update(owner, run_id, pinned=bool(pinned))

    def delete(self, owner: str, run_id: str) -> bool:
        db = self._connect()
        try:
            with db:
                cursor = db.execute("DELETE FROM runs WHERE id = ? AND owner = ?",
                                    (run_id, owner))
                return cursor.rowcount > 0
        except sqlite3.Error as exc:
            raise self._unavailable(exc) from None
        finally:
            db.close()

    # ---------------------------------------------------------------- reading
    def runs(self, owner: str, curves: bool = False) -> list[RunRecord]:
        """``owner``'s runs, pinned first, then newest first; without their curves (empty)
        unless ``curves``."""
        column = "curves" if curves else "'{}'"
        rows = self._run(f"SELECT record, {column} FROM runs WHERE owner = ? "
                         "ORDER BY started DESC", (owner,))
        return _sorted([_record(*row) for row in rows])

    def get(self, owner: str, ids: list[str]) -> list[RunRecord]:
        """``owner``'s runs with these ids, curves included, in the order of ``ids``
        (ids not found are left out)."""
        found = {}
        for run_id in dict.fromkeys(ids):
            rows = self._run("SELECT record, curves FROM runs WHERE owner = ? AND id = ?",
                             (owner, run_id))
            if rows:
                found[run_id] = _record(*rows[0])
        return [found[i] for i in dict.fromkeys(ids) if i in found]

    # ---------------------------------------------------------------- JSON
    def export_json(self, owner: str) -> str:
        """``owner``'s runs as a JSON document (``{"version": 1, "runs": [...]}``)."""
        return json.dumps({"version": SCHEMA_VERSION,
                           "runs": [asdict(r) for r in self.runs(owner, curves=True)]},
                          indent=1)

    def import_json(self, owner: str, data: bytes | str) -> int:
        """Add the runs of an exported document to ``owner``'s, all or none; returns how
        many. Runs already there (same id) are skipped. ValueError says what is wrong."""
        from dl_core.history_export import parse_export  # (it reads RunRecord from here)

        records = parse_export(data)
        known = {r.id for r in self.runs(owner)}
        new = []
        for r in records:  # (a run twice in one file counts once)
            if r.id not in known:
                known.add(r.id)
                new.append(r)
        db = self._connect()
        try:
            with db:  # one transaction: a failure adds none of them
                db.executemany(
                    "INSERT INTO runs (id, owner, started, record, curves) "
                    "VALUES (?, ?, ?, ?, ?)", [_row(owner, r) for r in new])
        except sqlite3.Error as exc:
            raise self._unavailable(exc) from None
        finally:
            db.close()
        return len(new)


def _row(owner: str, record: RunRecord) -> tuple:
    data = asdict(record)
    curves = data.pop("curves")
    return record.id, owner, record.started, json.dumps(data), json.dumps(curves)


def _record(text: str, curves: str) -> RunRecord:
    data = json.loads(text)
    data["curves"] = json.loads(curves) or data.get("curves", {})  # (or a first draft's)
    return RunRecord.from_dict(data)


def _sorted(records: list[RunRecord]) -> list[RunRecord]:
    return sorted(records, key=lambda r: not r.pinned)  # (stable: newest first kept)


def thin_curves(curves: dict, limit: int = MAX_CURVE_POINTS) -> dict:
    """At most ``limit`` values per series: every k-th epoch, the last one always kept."""
    length = max((len(v) for v in curves.values()), default=0)
    if length <= limit:
        return {k: list(v) for k, v in curves.items()}
    stride = -(-length // limit)
    keep = sorted({*range(0, length, stride), length - 1})
    return {k: [v[i] for i in keep] for k, v in curves.items()}
