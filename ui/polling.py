"""How often live views may poll, given what the server can deliver.

Streamlit's ``run_every`` timer fires in the browser at a fixed rate whether or not the last
fragment run has finished; once the runs take longer than the interval, requests pile up,
each new one discards the unsent output of the last, and every chart freezes (DESIGN.md:
4 users at 0.1 s saw 0 redraws a second). Two rules keep that from happening:

- a CPU budget: all sessions' refreshes share one GIL, so ``pollers x CPU per refresh /
  interval`` stays within ``CPU_SHARE`` of one core (a refresh's CPU: what its view
  function used, times STREAMLIT_FACTOR for Streamlit's own work around it); the pollers
  are the sessions seen polling, or the active runs when more (a burst of Train clicks);
- self-clocking: a session never polls faster than ``WALL_FACTOR`` times what its own
  refreshes took from start to end (GIL waits included), so a server that falls behind
  for any reason (training, clicks, other processes) is asked less often.

More users means slower redraws for everyone, never none. The live view applies a new
interval from inside its own refresh (ui/streamlit_fixes.set_fragment_interval), so the
browser's timer follows the load while it polls, not only after a click. The figures are
process-wide (one server process serves every session).
"""

from __future__ import annotations

import threading
import time

MIN_INTERVAL = 0.15  # s: at least 4 redraws a second in Chromium when the server is quiet
MAX_INTERVAL = 2.0  # s: a chart still moves every couple of seconds on a crowded server
STEPS = (0.15, 0.25, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0)  # intervals are quantized: fewer re-registers
CPU_SHARE = 0.6  # of one core for all live refreshes together; the rest trains and clicks
# A refresh's whole cost under the GIL over the CPU its view function uses: Streamlit's
# rerun set-up, widget-state handling, message serialization and the event loop's
# websocket writes run outside the function. Measured with py-spy --gil: one user ~7 ms
# in all for ~2 ms in the view (3.5); 30 users 5.5 ms for 3-3.7 ms (1.6). The figure
# matters when the server is crowded.
STREAMLIT_FACTOR = 3.5
WALL_FACTOR = 1.5  # a session's interval is at least this many times its refreshes' wall time
SEEN_SECONDS = 3.0  # a session that refreshed this recently counts as polling


def quantize(seconds: float) -> float:
    """The smallest step of STEPS at or above ``seconds`` (MAX_INTERVAL past the last)."""
    return next((step for step in STEPS if step >= seconds), MAX_INTERVAL)


class RefreshLoad:
    """Moving averages of refresh cost (CPU, process-wide; wall time, per session) and the
    set of sessions polling right now. Thread-safe."""

    def __init__(self, alpha: float = 0.2):
        self._lock = threading.Lock()
        self._alpha = alpha
        self.seconds = 0.01  # CPU seconds of one whole refresh (Python under the GIL)
        self._sessions: dict[str, tuple[float, float]] = {}  # id -> (last seen, wall EWMA)

    def record(self, session: str, cpu_seconds: float, wall_seconds: float | None = None
               ) -> None:
        """The view function of one refresh of ``session`` took ``cpu_seconds`` of its
        thread's CPU and ``wall_seconds`` from start to end (default: the same)."""
        wall = cpu_seconds if wall_seconds is None else wall_seconds
        whole = cpu_seconds * STREAMLIT_FACTOR
        with self._lock:
            self.seconds += self._alpha * (whole - self.seconds)
            _, average = self._sessions.get(session, (0.0, wall))
            self._sessions[session] = (time.monotonic(), average + self._alpha * (wall - average))

    def pollers(self, at_least: int = 1) -> int:
        """Sessions that refreshed in the last SEEN_SECONDS, and at least ``at_least``."""
        now = time.monotonic()
        with self._lock:
            for session in [s for s, (t, _) in self._sessions.items()
                            if now - t > SEEN_SECONDS]:
                del self._sessions[session]
            return max(len(self._sessions), at_least, 1)

    def interval(self, session: str | None = None, active_runs: int = 0) -> float:
        """The polling interval a live view should use now.

        ``active_runs``: runs on the server now, each with a page that polls or is about
        to (a burst of Train clicks counts at once, before their first refresh);
        ``session``: the interval is also at least WALL_FACTOR times that session's
        refresh wall time."""
        wanted = self.pollers(active_runs) * self.seconds / CPU_SHARE
        with self._lock:
            _, wall = self._sessions.get(session, (0.0, 0.0))
        return quantize(max(wanted, WALL_FACTOR * wall))

    def panel_interval(self, session: str | None = None, active_runs: int = 0) -> float:
        """For heavier panels that follow a run (inspection tabs, feature maps): 8 live
        intervals, 1.2 s on a quiet server, up to 16 s on a crowded one."""
        return 8 * self.interval(session, active_runs)


LOAD = RefreshLoad()
