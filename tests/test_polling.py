"""The live views' polling interval: slower for everyone under load, never stalled."""

from ui import polling
from ui.polling import MAX_INTERVAL, MIN_INTERVAL, RefreshLoad


def test_a_quiet_server_polls_four_times_a_second():
    load = RefreshLoad()
    load.record("a", 0.01)
    assert load.interval() == MIN_INTERVAL


def test_more_sessions_or_dearer_refreshes_mean_slower_polling_within_bounds():
    load = RefreshLoad(alpha=1.0)  # no smoothing: the last figure counts
    intervals = []
    for sessions in (1, 5, 10, 30, 300):
        for i in range(sessions):
            load.record(f"s{i}", 0.012)
        intervals.append(load.interval())
    assert intervals == sorted(intervals) and intervals[0] == MIN_INTERVAL
    assert intervals[-1] == MAX_INTERVAL  # bounded: a crowded server still redraws
    # what all refreshes cost together stays within the share of one core
    assert 30 * 0.012 / intervals[3] <= polling.CPU_SHARE + 1e-9
    assert all(i in polling.STEPS for i in intervals)


def test_sessions_that_stopped_polling_are_forgotten(monkeypatch):
    load = RefreshLoad(alpha=1.0)
    clock = [100.0]
    monkeypatch.setattr(polling.time, "monotonic", lambda: clock[0])
    for i in range(30):
        load.record(f"s{i}", 0.05)
    crowded = load.interval()
    clock[0] += polling.SEEN_SECONDS + 1
    load.record("last", 0.05)
    assert load.pollers() == 1 and load.interval() < crowded
