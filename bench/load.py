"""Load benchmark: N simulated fast browsers training live on the MLP page (issue 9).

    python -m bench.load --sessions N [--seconds S] [--url URL | --replicas R]

Without ``--url`` it starts the app (``--replicas``: R of them behind nginx with sticky
sessions, bench/replicas.py) with ``tests.browser.harness.streamlit_server()`` (on
127.0.0.1) and stops it at the end; it only ever talks to 127.0.0.1. Each simulated user
(bench/fake_browser.py) GETs the page, then behaves like a fast browser on Streamlit's own websocket protocol (``/_stcore/stream``,
protobuf ``BackMsg`` up, ``ForwardMsg`` down), as the 1.67 frontend does:

1. opens ``/mlp?epochs=1000&epoch_delay_ms=50``: a ``rerun_script`` BackMsg with the query
   string, no page hash and the page name ``mlp`` (the browser's first request), and waits
   for the page's full run to finish;
2. keeps every widget's value as the frontend's widget manager does (each widget commits
   ``value`` if the server set one, else ``default``; a value stays until the widget leaves
   the page), replies with the hashes of the ForwardMsgs it caches (``cacheable`` ones,
   dropped after ``max_cached_message_age`` runs) and resolves ``ref_hash`` messages;
3. presses Train: a full rerun whose widget states carry ``trigger_value=True`` for the
   ``mlp:train`` button (found in the received deltas);
4. on each ``auto_rerun`` ForwardMsg starts a timer at the interval the server asks for
   (restarted only if the interval changes, cleared by a full run's ``new_session`` or a
   ``stop_auto_rerun``) that sends a fragment rerun (``fragment_id``, ``is_auto_rerun``)
   every time it fires, whether or not the previous one has finished (``setInterval``);
5. at the end presses Stop (the run ends at once instead of after the idle timeout), waits
   for that run to finish and closes the websocket.

Counted per session: redraws (fragment runs whose deltas reached the client with a new
"N epochs plotted" in the live loss chart's accessible name, ui/live.py), the epochs
trained (the last chart, drawn by the full rerun after Stop; ">=" when that rerun did not
come back in time), live-fragment reruns requested and finished, runs reported finished
early for a rerun ("early"), bytes received, and sessions whose polling timer died while
their run trained on (a full rerun's ``new_session`` cleared it and its ``auto_rerun``
never arrived). Server: CPU seconds over wall seconds during the
load (from /proc/<pid>/stat, children included) and peak RSS. Sessions start staggered
over ``--stagger`` seconds; every loop is bounded in count and time.

The last line is machine-readable::

    sessions=N redraws_min=.. redraws_median=.. epochs_per_s_median=.. failed=..
    cpu_cores=.. rss_mb=.. epochs_per_s_total=.. errors=.. queued=.. polling_lost=..

(one line; wrapped here).

Not part of the test suite: run one at a time on a quiet machine.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import time
from collections import Counter
from urllib.parse import urlencode, urlsplit

from bench.fake_browser import QUERY, Result, Session
from bench.procstats import ServerProbe, server_pid


async def warm_up(url: str, timeout: float = 120) -> None:
    """One session trains until its first epoch, then stops: TensorFlow imports and the
    first trace happen outside the measurement."""
    now = time.monotonic()
    session = Session(-1, url, now, now + timeout, load_timeout=90, stop_timeout=20)
    task = asyncio.create_task(session.run())
    while not task.done() and time.monotonic() < now + timeout:
        if session.r.first_epoch is not None:
            session.end_at = time.monotonic()  # stop now
            break
        await asyncio.sleep(0.2)
    result = await asyncio.wait_for(task, timeout + 60)
    if result.error:
        print(f"warm-up: {result.error}")


async def load(url: str, sessions: int, seconds: float, stagger: float,
               pids: list[int], do_warm_up: bool, warm_urls: list[str]
               ) -> tuple[list[Result], ServerProbe, dict]:
    if do_warm_up:
        for warm_url in warm_urls:  # every replica imports TensorFlow and traces once
            await warm_up(warm_url.rstrip("/"))
    probe = ServerProbe(pids)
    t0 = time.monotonic()
    end_at = t0 + stagger + seconds
    runs = [Session(i, url, t0 + stagger * i / max(sessions, 1), end_at,
                    load_timeout=max(60.0, seconds), stop_timeout=20)
            for i in range(sessions)]
    client0 = resource.getrusage(resource.RUSAGE_SELF)
    probe.mark()
    stop_watch = asyncio.Event()
    watcher = asyncio.create_task(probe.watch(stop_watch, end_at + 120))

    async def mark_at_end():
        await asyncio.sleep(max(end_at - time.monotonic(), 0))
        probe.mark()  # CPU over the load window, before the Stops

    marker = asyncio.create_task(mark_at_end())
    results = await asyncio.wait_for(asyncio.gather(*(s.run() for s in runs)),
                                     stagger + seconds + 180)
    await marker
    stop_watch.set()
    await watcher
    client1 = resource.getrusage(resource.RUSAGE_SELF)
    wall = end_at - t0
    client = {"cpu_cores": (client1.ru_utime + client1.ru_stime - client0.ru_utime
                            - client0.ru_stime) / max(time.monotonic() - t0, 1e-9),
              "wall": wall}
    client["server_hwm_mb"] = probe.high_water_mb()
    return results, probe, client


def _median(values, default=0.0):
    return statistics.median(values) if values else default


def report(results: list[Result], probe: ServerProbe, client: dict, seconds: float,
           replicas: int = 1) -> None:
    n = len(results)
    behind = f", {replicas} app processes behind nginx (sticky)" if replicas > 1 else ""
    print(f"\nLoad on the live MLP page: {n} simulated fast browsers, ?{urlencode(QUERY)}, "
          f"polling window ~{seconds:.0f} s{behind}")
    print("| # | load s | 1st epoch s | redraws | redraws/s | epochs | epochs/s | requests "
          "| frag runs | early | KB recv | note |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        load_s = f"{r.loaded - r.connected:.1f}" if r.loaded and r.connected else "-"
        first = f"{r.first_epoch - r.train:.1f}" if r.first_epoch and r.train else "-"
        note = r.error or ("queued, never trained" if r.queued and r.first_epoch is None
                           else "no epoch" if r.first_epoch is None else "")
        if r.app_errors:
            note += f" app error: {r.app_errors[0]}"
        if r.polling_lost:
            since = (r.last_request or r.train) - r.train
            note += f" polling stopped {since:.0f} s after Train"
        if r.error is None and r.train and not r.stopped:
            note += " (Stop not confirmed)"
        epochs = f"{r.epochs}" if r.stopped else f">={r.epochs}"  # last chart seen
        print(f"| {r.index} | {load_s} | {first} | {r.redraws} | {r.redraws_per_s():.2f} | "
              f"{epochs} | {r.epochs_per_s():.1f} | {r.requests} | {r.fragment_runs} | "
              f"{r.cut_short} | {r.bytes / 1024:.0f} | {note.strip()} |")
    rates = [r.redraws_per_s() for r in results]
    trained = [r for r in results if r.first_epoch is not None]
    trained_rates = [r.redraws_per_s() for r in trained]
    eps = [r.epochs_per_s() for r in results]
    total_epochs = sum(r.epochs for r in results)
    trains = [r.train for r in results if r.train]
    ends = [r.end for r in results if r.end]
    span = (max(ends) - min(trains)) if trains and ends else 0.0
    errors = sum(r.error is not None for r in results)
    never = sum(r.error is None and r.first_epoch is None for r in results)
    queued = sum(r.error is None and r.first_epoch is None and r.queued for r in results)
    failed = sum(r.failed for r in results)
    firsts = [r.first_epoch - r.train for r in trained if r.train]
    loads = [r.loaded - r.connected for r in results if r.loaded and r.connected]
    interval = _median([r.interval for r in results if r.interval], float("nan"))
    requests = sum(r.requests for r in results)
    frag_runs = sum(r.fragment_runs for r in results)
    print()
    print(f"auto-rerun interval asked by the server: {interval:.2f} s")
    print(f"redraws per second per session: min {min(rates, default=0):.2f}, median "
          f"{_median(rates):.2f} (sessions that trained: min "
          f"{min(trained_rates, default=0):.2f}, median {_median(trained_rates):.2f})")
    print(f"epochs per second: median per session {_median(eps):.1f}, total "
          f"{total_epochs / span if span else 0:.1f} ({total_epochs} epochs in {span:.0f} s)")
    print(f"live-view fragment reruns: {requests} requested, {frag_runs} finished "
          f"({frag_runs / requests if requests else 0:.0%}); runs reported finished early "
          f"for a rerun: {sum(r.cut_short for r in results)}; reruns of other polling "
          f"fragments: {sum(r.other_requests for r in results)}")
    print(f"page load median {_median(loads, float('nan')):.1f} s; Train to first plotted "
          f"epoch median {_median(firsts, float('nan')):.1f} s, max "
          f"{max(firsts, default=float('nan')):.1f} s")
    print(f"failed: {failed} of {n} ({errors} refused or errored, {never} never got a first "
          f"epoch, {queued} of them still queued for a training slot); "
          f"{sum(r.polling_lost for r in results)} sessions were not polling at the end "
          f"although their run was still active (no auto_rerun after the last full rerun)")
    hwm = client.get("server_hwm_mb", float("nan"))
    others = max(probe.machine_cores() - probe.cores() - client["cpu_cores"], 0)
    if replicas > 1:
        spread = Counter(r.replica for r in results)
        print("sessions per replica (nginx's cookie): " + ", ".join(
            f"{name or '?'}: {count}" for name, count in sorted(spread.items())))
    print(f"server: {probe.cores():.2f} CPU cores busy over the {client['wall']:.0f} s load, "
          f"peak RSS {probe.peak_rss:.0f} MB (VmHWM {hwm:.0f} MB); this client used "
          f"{client['cpu_cores']:.2f} cores; the whole machine ({os.cpu_count()} cores) was "
          f"busy {probe.machine_cores():.2f} cores, so other processes took ~{others:.2f}")
    print(f"sessions={n} redraws_min={min(rates, default=0):.2f} "
          f"redraws_median={_median(rates):.2f} epochs_per_s_median={_median(eps):.1f} "
          f"failed={failed} cpu_cores={probe.cores():.2f} rss_mb={probe.peak_rss:.0f} "
          f"epochs_per_s_total={total_epochs / span if span else 0:.1f} errors={errors} "
          f"queued={queued} polling_lost={sum(r.polling_lost for r in results)} "
          f"replicas={replicas}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=30.0,
                        help="how long every session polls after the last one started")
    parser.add_argument("--stagger", type=float, default=2.0,
                        help="sessions start evenly over this many seconds")
    parser.add_argument("--url", help="an app already running on 127.0.0.1 (default: start "
                                      "one with tests.browser.harness.streamlit_server)")
    parser.add_argument("--no-warm-up", action="store_true",
                        help="skip the warm-up session (TensorFlow import, first trace)")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="environment of the started server, e.g. DL_MAX_ACTIVE_RUNS=30")
    parser.add_argument("--replicas", type=int, default=1,
                        help="app processes behind nginx with sticky sessions (bench/replicas.py)")
    args = parser.parse_args(argv)
    if not 1 <= args.replicas <= 8:
        parser.error("--replicas must be 1..8")
    if not 1 <= args.sessions <= 200 or not 0 < args.seconds <= 600:
        parser.error("--sessions must be 1..200 and --seconds 0..600")

    def run(url: str, replica_urls: list[str]) -> None:
        for address in [url, *replica_urls]:
            host = urlsplit(address).hostname
            if host not in ("127.0.0.1", "localhost"):
                raise SystemExit(f"refusing to load {host}: this benchmark talks to 127.0.0.1 "
                                 "only")
        url = url.rstrip("/").replace("://localhost", "://127.0.0.1")
        ports = [urlsplit(u).port or 80 for u in replica_urls or [url]]
        if replica_urls:
            ports.append(urlsplit(url).port or 80)  # the proxy, counted with the servers
        pids = [pid for pid in map(server_pid, ports) if pid is not None]
        if not pids:
            print("note: the server process is not visible here; no CPU or RSS figures")
        results, probe, client = asyncio.run(
            load(url, args.sessions, args.seconds, args.stagger, pids, not args.no_warm_up,
                 replica_urls or [url]))
        report(results, probe, client, args.seconds, max(len(replica_urls), 1))

    if args.url:
        if args.server_env or args.replicas > 1:
            parser.error("--server-env and --replicas only apply to servers this benchmark "
                         "starts")
        run(args.url, [])
        return
    env = dict(item.split("=", 1) for item in args.server_env)
    if args.replicas > 1:
        from bench.replicas import sticky_replicas

        with sticky_replicas(args.replicas, env) as (proxy, replica_urls):
            run(proxy, replica_urls)
        return
    from tests.browser.harness import streamlit_server

    with streamlit_server(env) as url:
        run(url, [])

if __name__ == "__main__":
    main()
