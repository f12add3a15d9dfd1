"""How often live views may poll, given what the server can deliver.

Streamlit's ``run_every`` timer fires in the browser at a fixed rate whether or not the last
fragment run has finished; once the runs take longer than the interval, requests pile up,
each new one discards the unsent output of the last, and every chart freezes (DESIGN.md:
4 users at 0.1 s saw 0 redraws a second). All sessions' refreshes share one GIL, so the
interval is chosen from what they cost together: ``pollers x refresh time / interval``
stays within ``CPU_SHARE`` of one core. More users means slower redraws for everyone,
never none. The figures are process-wide (one server process serves every session).
"""

from __future__ import annotations

import threading
import time

MIN_INTERVAL = 0.15  # s: at least 4 redraws a second in Chromium when the server is quiet
MAX_INTERVAL = 2.0  # s: a chart still moves every couple of seconds on a crowded server
STEPS = (0.15, 0.25, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0)  # intervals are quantized: fewer re-registers
CPU_SHARE = 0.5  # of one core for all live refreshes together; the rest trains and clicks
SEEN_SECONDS = 3.0  # a session that refreshed this recently counts as polling


class RefreshLoad:
    """A moving average of refresh cost and the set of sessions polling right now."""

    def __init__(self, alpha: float = 0.2):
        self._lock = threading.Lock()
        self._alpha = alpha
        self.seconds = 0.01  # average cost of one refresh (CPU-bound Python, under the GIL)
        self._seen: dict[str, float] = {}

    def record(self, session: str, seconds: float) -> None:
        with self._lock:
            self.seconds += self._alpha * (seconds - self.seconds)
            self._seen[session] = time.monotonic()

    def pollers(self) -> int:
        now = time.monotonic()
        with self._lock:
            for session in [s for s, t in self._seen.items() if now - t > SEEN_SECONDS]:
                del self._seen[session]
            return max(len(self._seen), 1)

    def interval(self) -> float:
        """The polling interval every live view should use now."""
        wanted = self.pollers() * self.seconds / CPU_SHARE
        return next((step for step in STEPS if step >= wanted), MAX_INTERVAL)

    def panel_interval(self) -> float:
        """For heavier panels that follow a run (inspection tabs, feature maps): 8 live
        intervals, 2 s on a quiet server, up to 16 s on a crowded one."""
        return 8 * self.interval()


LOAD = RefreshLoad()
