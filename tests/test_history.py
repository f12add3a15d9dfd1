"""The run history store (issue 11): SQLite, per owner, transactional; a
damaged or locked file gives a clear message; JSON export and import, all or nothing."""

import json
import sqlite3
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dl_core.history import HistoryUnavailable, RunRecord, RunStore, thin_curves
from dl_core.history_export import parse_export


T0 = 1_790_000_000.0  # a Unix time in 2026


def record(**changes) -> RunRecord:
    values = dict(page="mlp", config={"hidden_units": "64,64,32", "seed": "0"},
                  curves={"loss": [1.2, 0.6], "val_accuracy": [0.8, 0.9]},
                  metrics={"val_accuracy": 0.9, "test_accuracy": 0.88}, parameters=8_874,
                  flops_per_example=17_504, ms_per_epoch=6.6, epochs=2, status="finished",
                  reason="trained 2 epochs", started=1_790_000_000.0)
    return RunRecord(**{**values, **changes})


def test_runs_are_kept_per_owner_and_survive_a_restart(tmp_path):
    path = tmp_path / "history" / "runs.sqlite3"
    store = RunStore(path)
    first = store.add("alice", record(started=T0 + 1))
    second = store.add("alice", record(started=T0 + 2, page="cnn"))
    store.add("bob", record())
    assert [r.id for r in store.runs("alice")] == [second.id, first.id]  # newest first
    assert store.rename("alice", first.id, "baseline") and store.pin("alice", first.id)
    assert not store.rename("bob", first.id, "mine now")  # not bob's run
    again = RunStore(path)  # a new process opening the same file
    runs = again.runs("alice")
    assert [r.id for r in runs] == [first.id, second.id]  # pinned first
    assert runs[0].name == "baseline" and runs[0].pinned and runs[0].curves == {}  # a list
    assert again.get("alice", [first.id])[0].curves == first.curves  # curves on demand
    assert again.runs("alice", curves=True)[0].curves == first.curves
    assert not again.delete("bob", first.id) and again.delete("alice", first.id)
    assert [r.id for r in again.runs("alice")] == [second.id]
    assert len(again.runs("bob")) == 1


def test_a_damaged_file_says_so(tmp_path):
    path = tmp_path / "runs.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(HistoryUnavailable, match="is damaged .*move it away"):
        RunStore(path)


def test_a_locked_file_says_so_and_nothing_is_half_written(tmp_path):
    path = tmp_path / "runs.sqlite3"
    store = RunStore(path, timeout=0.2)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(HistoryUnavailable, match="is locked"):
            store.add("alice", record())
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store.runs("alice") == []
    store.add("alice", record())
    assert len(store.runs("alice")) == 1


def test_concurrent_writers_lose_nothing(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite3", timeout=30)
    errors = []

    def write(owner: str) -> None:
        try:
            for i in range(20):
                made = store.add(owner, record(started=T0 + i))
                store.rename(owner, made.id, f"{owner} {i}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(f"user{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for n in range(4):
        names = sorted(r.name for r in store.runs(f"user{n}"))
        assert names == sorted(f"user{n} {i}" for i in range(20))


def test_export_and_import_round_trip_and_skip_what_is_there(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite3")
    made = [store.add("alice", record(started=T0 + i, name=f"run {i}")) for i in range(3)]
    text = store.export_json("alice")
    assert store.import_json("bob", text.encode()) == 3
    assert store.import_json("bob", text) == 0  # the same runs again: nothing new
    assert {r.id for r in store.runs("bob")} == {r.id for r in made}


@pytest.mark.parametrize("data, message", [
    (b"\xff\xfe\x00", "not text"),
    (b"{", "not JSON"),
    (b"[]", "not a run export"),
    (b'{"version": 2, "runs": []}', "version 2"),
    (b'{"version": 1, "runs": [{"page": "mlp"}]}', "run 1: a run lacks"),
    (b'{"version": 1, "runs": [5]}', "run 1: a run must be an object"),
])
def test_a_bad_import_says_why_and_adds_nothing(tmp_path, data, message):
    store = RunStore(tmp_path / "runs.sqlite3")
    store.add("alice", record())
    with pytest.raises(ValueError, match=message):
        store.import_json("alice", data)
    assert len(store.runs("alice")) == 1


@pytest.mark.parametrize("change, message", [
    ({"started": "yesterday"}, "run 1: started: expected a number, got 'yesterday'"),
    ({"config": {"hidden_units": "banana"}}, "run 1: config: hidden_units: 'banana'"),
    ({"config": {"dataset": "moons"}, "page": "playground"}, "run 1: config: dataset"),
    ({"curves": {"loss": [1, "x"]}}, "run 1: curves: 'loss' must be a list of finite"),
])
def test_a_run_with_a_bad_field_or_setting_is_refused_by_name(change, message):
    data = {**json.loads(json.dumps(record().__dict__)), **change}
    with pytest.raises(ValueError, match=message):
        parse_export(json.dumps({"version": 1, "runs": [data]}))


def test_one_bad_run_in_an_import_adds_none_of_them(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite3")
    good = json.loads(RunStore(tmp_path / "other.sqlite3").export_json("x"))
    good["runs"] = [json.loads(json.dumps(record().__dict__)),
                    {**record().__dict__, "page": "nowhere", "id": "b"}]
    with pytest.raises(ValueError, match="run 2: page"):
        store.import_json("alice", json.dumps(good))
    assert store.runs("alice") == []


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_file_imports_or_gives_a_clear_message(data):
    try:
        parse_export(data)
    except ValueError as exc:
        assert str(exc)


def test_save_replaces_a_run_trained_further_and_keeps_its_name_and_pin(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite3")
    first = store.save("alice", record(epochs=2))
    store.rename("alice", first.id, "mine")
    store.pin("alice", first.id)
    longer = record(id=first.id, epochs=3, curves={"loss": [1.2, 0.6, 0.4]})
    kept = store.save("alice", longer)
    assert kept.name == "mine" and kept.pinned
    [stored] = store.get("alice", [first.id, "unknown"])
    assert stored.epochs == 3 and stored.curves == {"loss": [1.2, 0.6, 0.4]}
    assert stored.name == "mine" and len(store.runs("alice")) == 1


def test_prune_deletes_old_unpinned_runs_of_sessions_only(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite3")
    old = store.add("session:a", record(started=T0 + 10))
    pinned = store.add("session:a", record(started=T0 + 10, pinned=True))
    new = store.add("session:a", record(started=T0 + 100))
    local = store.add("local", record(started=T0 + 10))
    assert store.prune("session:", older_than=T0 + 50) == 1
    assert {r.id for r in store.runs("session:a")} == {pinned.id, new.id}
    assert [r.id for r in store.runs("local")] == [local.id]
    assert old.id not in {r.id for r in store.runs("session:a")}


def test_thin_curves_keeps_the_first_and_last_epoch_within_the_limit():
    curves = {"epoch": list(range(1, 2502)), "loss": [1 / e for e in range(1, 2502)]}
    thin = thin_curves(curves, limit=1000)
    assert len(thin["epoch"]) <= 1000 and thin["epoch"][0] == 1 and thin["epoch"][-1] == 2501
    assert all(thin["loss"][i] == 1 / e for i, e in enumerate(thin["epoch"]))
    assert thin_curves({"loss": [1, 2]}) == {"loss": [1, 2]}


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) |
    st.dictionaries(st.text(max_size=5), children, max_size=3), max_leaves=6)
FIELDS = ["page", "config", "curves", "metrics", "parameters", "flops_per_example",
          "ms_per_epoch", "epochs", "status", "reason", "started", "name", "pinned",
          "summary", "id"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(FIELDS), JSON_VALUES, st.sampled_from(["loss", "hidden_units", "x"]))
def test_a_hand_edited_run_imports_only_if_every_page_can_show_it(field, value, key):
    """Any value in any field (or inside config, curves or metrics): a clear ValueError,
    or a run the pages' code can list, label, compare and plot without an exception."""
    import datetime

    from dl_core.compare import curves_figure, differing_settings, setting_columns
    from dl_core.experiment_charts import cost_figure

    data = json.loads(json.dumps(record().__dict__))
    if field in ("config", "curves", "metrics") and isinstance(data[field], dict):
        data[field] = {**data[field], key: value}
    else:
        data[field] = value
    try:
        [run] = parse_export(json.dumps({"version": 1, "runs": [data]}))
    except ValueError as exc:
        assert str(exc)
        return
    datetime.datetime.fromtimestamp(run.started)
    other = record()
    differing_settings([run, other]) and setting_columns([run, other])
    curves_figure([run, other], ["a", "b"], "loss")
    curves_figure([run, other], ["a", "b"], "accuracy")
    if run.metrics.get("val_accuracy") is not None:
        cost_figure([run], ["a"], "parameters")
        cost_figure([run], ["a"], "time")


def test_a_file_of_the_first_draft_without_a_curves_column_is_upgraded(tmp_path):
    path = tmp_path / "runs.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE runs (id TEXT NOT NULL, owner TEXT NOT NULL, started REAL NOT "
               "NULL, record TEXT NOT NULL, PRIMARY KEY (owner, id))")
    old = record()
    db.execute("INSERT INTO runs VALUES (?, ?, ?, ?)",
               (old.id, "alice", old.started, json.dumps(old.__dict__)))
    db.commit()
    db.close()
    store = RunStore(path)
    assert store.get("alice", [old.id])[0].curves == old.curves
    store.add("alice", record())
    assert len(store.runs("alice")) == 2
