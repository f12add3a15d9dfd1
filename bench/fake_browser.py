"""A simulated fast browser on Streamlit's websocket protocol, for bench/load.py (whose
docstring says how it behaves and what it counts): one :class:`Session` is one tab on the
MLP page, and its :class:`Result` what reached it."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import urllib.request
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

PAGE = "mlp"
QUERY = {"epochs": 1000, "epoch_delay_ms": 50}
CURVE_ALT = re.compile(r"^loss per epoch: (\d+) epochs plotted")
QUEUED_TEXT = "waiting for a free slot"
ENDED_PREFIXES = (":material/check_circle:", ":material/stop_circle:", ":material/warning:",
                  ":material/error:")  # progress lines of a run that ended (ui/live.py)
FINISHED_OK = ForwardMsg.FINISHED_SUCCESSFULLY
FINISHED_EARLY = ForwardMsg.FINISHED_EARLY_FOR_RERUN
FINISHED_FRAGMENT = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
MAX_CACHED_MESSAGES = 2000  # a bound on the simulated browser's message cache
RECV_TIMEOUT = 5.0  # seconds without any message before the reader checks its deadline

def _page_cookies(url: str) -> str:
    """GET the page as a browser would; the cookies it sets, as a Cookie header value."""
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        return "; ".join(value.split(";", 1)[0]
                         for value in response.headers.get_all("Set-Cookie") or [])


class MessageCache:
    """The frontend's ForwardMsg cache: cacheable messages by hash, aged by script runs."""

    def __init__(self):
        self.entries: OrderedDict[str, list] = OrderedDict()  # hash -> [bytes, run, fragment]
        self.runs = 0
        self.max_age = 2

    def hashes(self) -> list[str]:
        return list(self.entries)

    def put(self, msg: ForwardMsg, data: bytes) -> None:
        if msg.metadata.cacheable and msg.hash and msg.hash not in self.entries:
            fragment = msg.delta.fragment_id if msg.HasField("delta") else ""
            self.entries[msg.hash] = [data, self.runs, fragment]
            while len(self.entries) > MAX_CACHED_MESSAGES:
                self.entries.popitem(last=False)

    def resolve(self, ref: ForwardMsg) -> ForwardMsg:
        entry = self.entries.get(ref.ref_hash)
        if entry is None:
            raise RuntimeError(f"cached ForwardMsg miss {ref.ref_hash}")
        entry[1] = self.runs
        msg = ForwardMsg()
        msg.ParseFromString(entry[0])
        msg.metadata.CopyFrom(ref.metadata)
        return msg

    def run_finished(self, fragment_ids: list[str]) -> None:
        self.runs += 1
        for key, (_, run, fragment) in list(self.entries.items()):
            if fragment_ids and (not fragment or fragment not in fragment_ids):
                continue
            if self.runs - run > self.max_age:
                del self.entries[key]


def widget_state(kind: str, el) -> WidgetState | None:
    """The value the frontend commits for a widget element when it mounts."""
    state = WidgetState(id=el.id)
    if kind == "slider":
        values = list(el.value) if el.set_value else list(el.default)
        if el.type == el.SELECT_SLIDER:
            if el.set_value and len(el.raw_value):
                state.string_array_value.data.extend(el.raw_value)
            else:
                state.string_array_value.data.extend(el.options[int(i)] for i in values)
        else:
            state.double_array_value.data.extend(values)
    elif kind in ("checkbox", "toggle"):
        state.bool_value = el.value if el.set_value else el.default
    elif kind in ("selectbox", "radio"):
        if el.set_value and el.HasField("raw_value"):
            state.string_value = el.raw_value
        elif el.HasField("default") and len(el.options):
            state.string_value = el.options[el.default]
        else:
            return None  # no selection: the frontend stores none
    elif kind == "number_input":
        value = el.value if el.set_value and el.HasField("value") else (
            el.default if el.HasField("default") else None)
        if value is None:
            return None
        if el.data_type == el.INT:
            state.int_value = int(value)
        else:
            state.double_value = value
    else:
        return None
    return state


@dataclass
class Result:
    index: int
    replica: str = ""  # the sticky cookie a proxy in front set (bench/replicas.py)
    connected: float | None = None
    loaded: float | None = None  # page's full run finished (monotonic)
    train: float | None = None  # Train pressed
    first_epoch: float | None = None  # first redraw with an epoch plotted
    end: float | None = None  # polling ended (Stop pressed)
    redraws: int = 0
    epochs_shown: int = 0  # most epochs seen while polling
    epochs: int = 0  # epochs trained (the chart drawn after Stop)
    requests: int = 0  # reruns of the live fragment sent by its timer
    fragment_runs: int = 0  # runs of the live fragment that finished
    other_requests: int = 0  # reruns of other polling fragments (the inspection panel)
    cut_short: int = 0  # runs reported FINISHED_EARLY_FOR_RERUN (cut short, or their
    # FINISHED status rewritten when the next run started before it was sent)
    bytes: int = 0
    interval: float | None = None
    last_request: float | None = None  # the live fragment's timer last fired (polling)
    run_ended: bool = False  # the last progress line seen says the run ended
    timer_alive: bool = False  # the live fragment's timer still ran when polling ended
    queued: bool = False
    stopped: bool = False  # the run after Stop finished before the deadline
    app_errors: list = field(default_factory=list)
    error: str | None = None

    def window(self) -> float:
        return (self.end - self.train) if self.end and self.train else 0.0

    def redraws_per_s(self) -> float:
        """Redraws a second from the first plotted epoch to the end of polling."""
        if self.first_epoch is None or not self.end or self.end <= self.first_epoch:
            return 0.0
        return self.redraws / (self.end - self.first_epoch)

    def epochs_per_s(self) -> float:
        return self.epochs / self.window() if self.window() > 0 else 0.0

    @property
    def polling_lost(self) -> bool:
        """The browser's live timer died while the run was still training: the server
        never re-sent the fragment's auto_rerun after a full run cleared the timers."""
        return (self.error is None and self.train is not None and not self.timer_alive
                and not self.run_ended)

    @property
    def failed(self) -> bool:
        return self.error is not None or self.first_epoch is None


class Session:
    """One simulated browser tab on the MLP page."""

    def __init__(self, index: int, base_url: str, start_at: float, end_at: float,
                 load_timeout: float, stop_timeout: float):
        self.r = Result(index)
        parts = urlsplit(base_url)
        self.ws_url = f"ws://{parts.netloc}/_stcore/stream"
        self.query = urlencode(QUERY)
        self.page_url = f"{base_url}/{PAGE}?{self.query}"
        self.start_at, self.end_at = start_at, end_at
        self.load_timeout, self.stop_timeout = load_timeout, stop_timeout
        self.hard_deadline = end_at + stop_timeout + 30
        self.ws = None
        self.cache = MessageCache()
        self.widgets: dict[str, WidgetState] = {}
        self.run_widget_ids: set[str] = set()
        self.buttons: dict[str, str] = {}  # key (mlp:train) -> widget id
        self.page_hash = ""
        self.run_fragments: list[str] = []  # fragment ids of the current run ([] = full)
        self.full_runs_done = 0
        self.full_run_event = asyncio.Event()
        self.timers: dict[str, tuple[float, asyncio.Task]] = {}
        self.polling = False  # the timer's requests count (between Train and Stop)
        self.last_shown = -1
        self.live_fragment = ""  # the fragment that draws the live curves

    # ------------------------------------------------------------------ sending
    async def send_rerun(self, fragment_id: str = "", auto: bool = False,
                         trigger: str | None = None, first: bool = False) -> None:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = "" if first else self.page_hash
        cs.page_name = PAGE if first else ""
        cs.fragment_id = fragment_id
        cs.is_auto_rerun = auto
        states = WidgetStates()
        states.widgets.extend(self.widgets.values())
        if trigger is not None:
            states.widgets.append(WidgetState(id=trigger, trigger_value=True))
        cs.widget_states.CopyFrom(states)
        cs.cached_message_hashes.extend(self.cache.hashes())
        info = cs.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"
        info.url, info.is_embedded, info.color_scheme = self.page_url, False, "light"
        await self.ws.send(msg.SerializeToString())

    async def _timer(self, fragment_id: str, interval: float) -> None:
        """setInterval: fire every ``interval`` s whatever the server does (missed ticks
        are skipped, as a browser's timer does)."""
        loop = asyncio.get_running_loop()
        due = loop.time() + interval
        while loop.time() < self.end_at + self.stop_timeout and not self.ws_closed():
            await asyncio.sleep(max(due - loop.time(), 0.0))
            due = max(due + interval, loop.time() + interval / 2)
            with contextlib.suppress(Exception):
                await self.send_rerun(fragment_id=fragment_id, auto=True)
                if self.polling and fragment_id == self.live_fragment:
                    self.r.requests += 1
                    self.r.last_request = loop.time()
                elif self.polling:
                    self.r.other_requests += 1

    def ws_closed(self) -> bool:
        return self.ws is None or self.ws.state.name in ("CLOSING", "CLOSED")

    def _clear_timers(self, fragment_ids=None) -> None:
        for fid in list(self.timers if fragment_ids is None else fragment_ids):
            entry = self.timers.pop(fid, None)
            if entry:
                entry[1].cancel()

    # ------------------------------------------------------------------ receiving
    async def _reader(self) -> None:
        while time.monotonic() < self.hard_deadline:
            try:
                data = await asyncio.wait_for(self.ws.recv(), RECV_TIMEOUT)
            except asyncio.TimeoutError:
                continue
            self.r.bytes += len(data)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            if msg.WhichOneof("type") == "ref_hash":
                msg = self.cache.resolve(msg)
            else:
                self.cache.put(msg, data)
            self._handle(msg)

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.run_fragments = list(msg.metadata.run.fragment_ids)
            if not self.run_fragments:  # a full run: the browser clears its timers
                self._clear_timers()
                self.page_hash = msg.new_session.page_script_hash
                self.run_widget_ids = set()
                age = msg.new_session.config.max_cached_message_age
                self.cache.max_age = age or self.cache.max_age
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(msg.delta)
        elif kind == "navigation":  # st.navigation names the page shown
            self.page_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            fid, interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
            if fid and interval > 0 and self.timers.get(fid, (None,))[0] != interval:
                self._clear_timers([fid])
                self.timers[fid] = (interval, asyncio.create_task(self._timer(fid, interval)))
                if fid == self.live_fragment:
                    self.r.interval = interval
        elif kind == "stop_auto_rerun":
            self._clear_timers(list(msg.stop_auto_rerun.fragment_ids))
        elif kind == "script_finished":
            status = msg.script_finished
            if status == FINISHED_EARLY:
                self.r.cut_short += self.polling
            elif status == FINISHED_FRAGMENT and self.live_fragment in self.run_fragments:
                self.r.fragment_runs += self.polling
            if status in (FINISHED_OK, FINISHED_FRAGMENT):
                self.cache.run_finished(self.run_fragments)
            if status == FINISHED_OK and not self.run_fragments:
                # the frontend forgets widgets that left the page
                self.widgets = {k: v for k, v in self.widgets.items()
                                if k in self.run_widget_ids}
                self.full_runs_done += 1
                self.full_run_event.set()

    def _element(self, delta) -> None:
        element = delta.new_element
        kind = element.WhichOneof("type")
        el = getattr(element, kind)
        if kind == "vega_lite_chart":
            match = CURVE_ALT.match(el.alt)
            if match:
                if delta.fragment_id and delta.fragment_id != self.live_fragment:
                    self.live_fragment = delta.fragment_id
                    self.r.interval = self.timers.get(delta.fragment_id, (None,))[0]
                shown = int(match.group(1))
                if self.polling and self.run_fragments and shown != self.last_shown:
                    self.r.redraws += 1
                    if shown and self.r.first_epoch is None:
                        self.r.first_epoch = time.monotonic()
                self.last_shown = shown
                self.r.epochs = shown
                if self.polling:
                    self.r.epochs_shown = max(self.r.epochs_shown, shown)
        elif kind == "markdown" and el.body.startswith(":material/"):  # the progress line
            self.r.queued |= QUEUED_TEXT in el.body
            if self.polling:
                self.r.run_ended = el.body.startswith(ENDED_PREFIXES)
        elif kind == "exception":
            self.r.app_errors.append(f"{el.type}: {el.message}"[:200])
        elif kind in ("button", "download_button"):
            self.buttons[el.id.rsplit("-", 1)[-1]] = el.id
            self.run_widget_ids.add(el.id)
        elif hasattr(el, "id") and "id" in el.DESCRIPTOR.fields_by_name and el.id:
            self.run_widget_ids.add(el.id)
            state = widget_state(kind, el)
            if state is not None and (el.id not in self.widgets or getattr(el, "set_value", 0)):
                self.widgets[el.id] = state

    # ------------------------------------------------------------------ the user
    async def _full_run(self, timeout: float, **rerun) -> bool:
        """Send a full rerun and wait until a full run finishes after it."""
        before = self.full_runs_done
        await self.send_rerun(**rerun)
        deadline = time.monotonic() + timeout
        while self.full_runs_done == before and time.monotonic() < deadline:
            self.full_run_event.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.full_run_event.wait(), deadline - time.monotonic())
        return self.full_runs_done > before

    async def run(self) -> Result:
        r = self.r
        await asyncio.sleep(max(self.start_at - time.monotonic(), 0.0))
        reader = None
        try:
            # as a browser: the page first (a proxy in front may set its sticky cookie),
            # then the websocket with the cookies received
            cookie = await asyncio.to_thread(_page_cookies, self.page_url)
            r.replica = dict(c.split("=", 1) for c in cookie.split("; ") if "=" in c).get(
                "dlp_replica", "")
            headers = {"Cookie": cookie} if cookie else None
            async with connect(self.ws_url, subprotocols=[Subprotocol("streamlit")],
                               max_size=None, open_timeout=30, close_timeout=5,
                               additional_headers=headers) as ws:
                self.ws = ws
                r.connected = time.monotonic()
                reader = asyncio.create_task(self._reader())
                loaded = await self._full_run(self.load_timeout, first=True)
                # the first full run of a cold page may be the main script's, cut short
                deadline = r.connected + self.load_timeout
                while f"{PAGE}:train" not in self.buttons and time.monotonic() < deadline:
                    if reader.done():
                        break
                    self.full_run_event.clear()
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self.full_run_event.wait(), 1.0)
                if not loaded or f"{PAGE}:train" not in self.buttons:
                    raise RuntimeError("page did not load (no Train button)")
                r.loaded = time.monotonic()
                if r.loaded >= self.end_at:
                    raise RuntimeError("page loaded after the end of the run")
                self.polling = True
                r.train = time.monotonic()
                await self.send_rerun(trigger=self.buttons[f"{PAGE}:train"])
                while time.monotonic() < self.end_at and not reader.done():
                    await asyncio.sleep(min(0.5, max(self.end_at - time.monotonic(), 0)))
                if reader.done():
                    reader.result()  # raises what ended the connection
                    raise RuntimeError("the server closed the connection")
                r.end = time.monotonic()
                r.timer_alive = self.live_fragment in self.timers
                self.polling = False
                stop = self.buttons.get(f"{PAGE}:stop")
                if stop is not None:
                    r.stopped = await self._full_run(self.stop_timeout, trigger=stop)
                self._clear_timers()
        except Exception as exc:  # noqa: BLE001 - every failure is counted and shown
            r.error = f"{type(exc).__name__}: {exc}"[:200]
            if r.end is None and r.train is not None:
                r.end = time.monotonic()
        finally:
            self.polling = False
            self._clear_timers()
            if reader is not None:
                reader.cancel()
                with contextlib.suppress(BaseException):
                    await reader
        return r
