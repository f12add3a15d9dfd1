import threading
import time

import pytest

from dl_core import runs
from dl_core.runs import BackgroundRun, Scheduler


class FakeTrainer:
    """Stands in for dl_core.training.Trainer: records calls, trains instantly."""

    def __init__(self, fail_at=None, delay=0.0, compile_delay=0.0):
        self.history, self.learning_rate, self.fail_at, self.delay = [], 0.01, fail_at, delay
        self.test_probabilities_ = None
        self.compile_delay, self.compile_seconds = compile_delay, 0.0

    def kernels(self):
        return {}

    def set_learning_rate(self, value):
        self.learning_rate = value

    def train_epoch(self):
        time.sleep(self.delay)
        if self.compile_delay and not self.history:  # compiles the shared template
            time.sleep(self.compile_delay)
            self.compile_seconds = self.compile_delay + self.delay
        if self.fail_at == len(self.history) + 1:
            from dl_core.training import TrainingDiverged
            raise TrainingDiverged("loss became NaN at epoch 3: learning rate 9 is too high")
        stats = type("S", (), {"epoch": len(self.history) + 1, "lr": self.learning_rate})()
        self.history.append(stats)
        return stats


def wait_for(predicate, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    raise AssertionError("condition not reached")


def test_runs_to_the_epoch_limit():
    run = BackgroundRun(FakeTrainer, epochs=5).start()
    run.join(10)
    snap = run.snapshot()
    assert snap.status == "finished" and len(snap.history) == 5 and not snap.active
    assert runs.active_run_count() == 0


def test_pause_step_resume_stop():
    run = BackgroundRun(lambda: FakeTrainer(delay=0.01), epochs=10_000).start(paused=True)
    wait_for(lambda: run.snapshot().status == "paused")
    assert len(run.snapshot().history) == 0
    run.step()
    wait_for(lambda: len(run.snapshot().history) == 1)
    time.sleep(0.1)
    assert len(run.snapshot().history) == 1 and run.snapshot().status == "paused"
    run.resume()
    wait_for(lambda: len(run.snapshot().history) >= 5)
    run.stop()
    run.join(5)
    n = len(run.snapshot().history)
    time.sleep(0.1)
    assert run.snapshot().status == "stopped" and len(run.snapshot().history) == n


def test_pending_learning_rate_is_applied_and_recorded():
    run = BackgroundRun(lambda: FakeTrainer(delay=0.01), epochs=10_000).start(paused=True)
    wait_for(lambda: run.snapshot().status == "paused")
    run.step()
    wait_for(lambda: len(run.snapshot().history) == 1)
    run.set_learning_rate(0.5)
    run.step()
    wait_for(lambda: len(run.snapshot().history) == 2)
    snap = run.snapshot()
    assert snap.lr_changes == ((2, 0.5),) and snap.history[1].lr == 0.5
    run.stop()


def test_divergence_and_failure_end_the_run_with_a_message():
    run = BackgroundRun(lambda: FakeTrainer(fail_at=3), epochs=10).start()
    run.join(60)  # the first TensorFlow import (to classify the error) can take seconds
    snap = run.snapshot()
    assert snap.status == "diverged" and "NaN at epoch 3" in snap.message
    assert len(snap.history) == 2

    def broken():
        raise ValueError("no such layer")
    run = BackgroundRun(broken, epochs=10).start()
    run.join(60)
    assert run.snapshot().status == "failed" and "no such layer" in run.snapshot().message


def test_idle_timeout_stops_an_unwatched_run():
    run = BackgroundRun(lambda: FakeTrainer(delay=0.01), epochs=10_000, idle_timeout=0.3).start()
    run.join(5)
    snap = run.snapshot()
    assert snap.status == "stopped" and "without anyone watching" in snap.message
    # a watched run keeps going
    run = BackgroundRun(lambda: FakeTrainer(delay=0.01), epochs=10_000, idle_timeout=0.3).start()
    for _ in range(8):
        time.sleep(0.1)
        run.touch()
    assert run.snapshot().active
    run.stop()
    run.join(5)


def test_runs_past_capacity_queue_with_a_position_then_start_by_themselves():
    scheduler = Scheduler(workers=2, max_active=2)
    gate = threading.Event()

    class Slow(FakeTrainer):
        def train_epoch(self):
            gate.wait(10)
            return super().train_epoch()

    first, second = (BackgroundRun(Slow, epochs=2, scheduler=scheduler).start()
                     for _ in range(2))
    third = BackgroundRun(FakeTrainer, epochs=2, scheduler=scheduler).start()
    fourth = BackgroundRun(FakeTrainer, epochs=2, scheduler=scheduler).start()
    wait_for(lambda: first.snapshot().status == "running")
    assert third.snapshot().status == "queued" and third.snapshot().queue_position == 1
    assert fourth.snapshot().queue_position == 2 and fourth.snapshot().active
    assert scheduler.counts() == (2, 2)
    gate.set()
    for run in (first, second, third, fourth):
        assert run.join(10)
        assert run.snapshot().status == "finished" and len(run.snapshot().history) == 2
    assert scheduler.counts() == (0, 0) and len(scheduler._threads) == 2


def test_queue_estimate_follows_the_runs_ahead():
    scheduler = Scheduler(workers=1, max_active=1)
    ahead = BackgroundRun(lambda: FakeTrainer(delay=0.02), epochs=40,
                          scheduler=scheduler).start()
    waiting = BackgroundRun(FakeTrainer, epochs=1, scheduler=scheduler).start()
    wait_for(lambda: len(ahead.snapshot().history) >= 5)
    snap = waiting.snapshot()
    assert snap.queue_position == 1 and snap.queue_wait_seconds is not None
    assert 0 < snap.queue_wait_seconds < 5  # ~35 epochs of ~20 ms left
    ahead.pause()
    wait_for(lambda: ahead.snapshot().status == "paused")
    assert waiting.snapshot().queue_wait_seconds is None  # a paused run may never end
    ahead.stop()
    assert waiting.join(10) and waiting.snapshot().status == "finished"


def test_stop_and_idle_timeout_while_queued():
    scheduler = Scheduler(workers=1, max_active=1)
    blocker = BackgroundRun(lambda: FakeTrainer(delay=0.01), epochs=10_000,
                            scheduler=scheduler).start()
    stopped = BackgroundRun(FakeTrainer, epochs=5, scheduler=scheduler).start()
    idle = BackgroundRun(FakeTrainer, epochs=5, idle_timeout=0.3, scheduler=scheduler).start()
    stopped.stop()
    assert stopped.join(5) and stopped.snapshot().status == "stopped"
    assert stopped.snapshot().history == () and stopped.trainer is None  # never built
    for _ in range(10):  # the blocker is watched, the idle one is not
        blocker.touch()
        time.sleep(0.1)
    assert idle.join(5) and "in the queue without anyone watching" in idle.snapshot().message
    assert blocker.snapshot().status == "running"
    blocker.stop()
    assert blocker.join(5)


def test_a_heavy_run_does_not_starve_a_light_one():
    """Equal CPU time, not equal epochs: one worker, a 40 ms and a 5 ms epoch."""
    scheduler = Scheduler(workers=1, max_active=4)
    heavy = BackgroundRun(lambda: FakeTrainer(delay=0.04), epochs=10_000,
                          scheduler=scheduler).start()
    light = BackgroundRun(lambda: FakeTrainer(delay=0.005), epochs=10_000,
                          scheduler=scheduler).start()
    time.sleep(1.5)
    heavy.stop(), light.stop()
    heavy.join(5), light.join(5)
    h, l_ = len(heavy.snapshot().history), len(light.snapshot().history)
    assert l_ > 3 * h > 0, (h, l_)  # the light run got its share: many more epochs
    ratio = heavy.cpu_seconds / light.cpu_seconds
    assert 0.5 < ratio < 2.0, (heavy.cpu_seconds, light.cpu_seconds)


def test_many_runs_started_and_stopped_at_random_from_many_threads():
    """No deadlock and no lost run: every run ends, with a final status."""
    import random

    scheduler = Scheduler(workers=2, max_active=3)
    made: list = []
    lock = threading.Lock()

    def user(seed):
        rng = random.Random(seed)
        for _ in range(12):
            run = BackgroundRun(lambda: FakeTrainer(delay=rng.random() * 0.003),
                                epochs=rng.randint(1, 20), scheduler=scheduler)
            run.start(paused=rng.random() < 0.2)
            with lock:
                made.append(run)
            for _ in range(rng.randint(0, 3)):
                getattr(run, rng.choice(["pause", "resume", "step", "touch"]))()
                run.set_learning_rate(rng.choice([0.1, 0.01]))
            if rng.random() < 0.6:
                run.stop()

    threads = [threading.Thread(target=user, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for run in made:
        run.stop()
    assert all(run.join(20) for run in made), "a run never ended"
    assert {r.snapshot().status for r in made} <= {"finished", "stopped"}
    assert len(made) == 96 and scheduler.counts() == (0, 0)
    assert len(scheduler._threads) == 2


def test_compiling_a_shared_template_is_not_charged_to_the_run_that_did_it():
    """The first run of a shape traces the graphs every later run of that shape uses; the
    scheduler must not make it wait until the others have used as much time."""
    scheduler = Scheduler(workers=1, max_active=4)
    first = BackgroundRun(lambda: FakeTrainer(delay=0.005, compile_delay=0.5),
                          epochs=10_000, scheduler=scheduler).start()
    later = BackgroundRun(lambda: FakeTrainer(delay=0.005), epochs=10_000,
                          scheduler=scheduler).start()
    wait_for(lambda: first.snapshot().history and later.snapshot().history)
    a0, b0 = len(first.snapshot().history), len(later.snapshot().history)
    time.sleep(0.4)
    a, b = len(first.snapshot().history) - a0, len(later.snapshot().history) - b0
    first.stop(), later.stop()
    first.join(5), later.join(5)
    assert a > 5 and b > 5 and 0.5 < a / b < 2.0, (a, b)


def test_with_the_real_trainer():
    from dl_core.config import Config
    from dl_core.training import Trainer

    config = Config().replace(hidden_units=(16,), activations=("relu",), epochs=3)
    run = BackgroundRun(lambda: Trainer(config), epochs=3).start()
    run.join(60)
    snap = run.snapshot()
    assert snap.status == "finished" and len(snap.history) == 3
    assert snap.test_probabilities.shape == (360, 10)
    assert set(snap.kernels) == {"dense_1", "logits"} and snap.kernels["dense_1"].shape == (64, 16)


def test_pause_request_shows_at_once_and_step_sets_it():
    run = BackgroundRun(lambda: FakeTrainer(delay=0.05), epochs=10_000).start()
    wait_for(lambda: len(run.snapshot().history) >= 1)
    assert not run.snapshot().pause_requested
    run.pause()
    assert run.snapshot().pause_requested  # before the thread has even noticed
    run.resume()
    assert not run.snapshot().pause_requested
    run.step()
    assert run.snapshot().pause_requested
    run.stop()
    run.join(10)


def test_a_run_continues_an_ended_run_with_the_same_trainer():
    first = BackgroundRun(FakeTrainer, epochs=3).start()
    first.join(10)
    assert first.snapshot().status == "finished"
    trainer = first.trainer
    more = BackgroundRun(lambda: pytest.fail("must not build a new trainer"), epochs=6,
                         continues=first).start(paused=True)
    more.step()
    wait_for(lambda: len(more.snapshot().history) == 4)
    wait_for(lambda: more.snapshot().status == "paused")
    snap = more.snapshot()
    assert more.trainer is trainer and [s.epoch for s in snap.history] == [1, 2, 3, 4]
    assert snap.first_epoch == 4
    more.resume()
    more.join(10)
    assert more.snapshot().status == "finished" and len(trainer.history) == 6


def test_only_an_ended_run_with_a_model_can_be_continued():
    live = BackgroundRun(lambda: FakeTrainer(delay=0.05), epochs=10_000).start()
    wait_for(lambda: live.trainer is not None)
    with pytest.raises(ValueError, match="ended run"):
        BackgroundRun(FakeTrainer, epochs=5, continues=live)
    live.stop()
    live.join(10)
    never_built = BackgroundRun(FakeTrainer, epochs=5)
    with pytest.raises(ValueError, match="ended run"):
        BackgroundRun(FakeTrainer, epochs=5, continues=never_built)


def test_a_pause_between_epochs_shows_as_paused():
    """Pause pressed during the pause between epochs (no epoch in flight)."""
    run = BackgroundRun(FakeTrainer, epochs=10_000, epoch_delay=0.5).start()
    wait_for(lambda: len(run.snapshot().history) == 1)
    run.pause()
    wait_for(lambda: run.snapshot().status == "paused", timeout=2)
    time.sleep(0.6)
    assert len(run.snapshot().history) == 1
    run.stop()
    assert run.join(5)


def test_elapsed_time_does_not_count_pauses():
    run = BackgroundRun(lambda: FakeTrainer(delay=0.01), epochs=10_000).start()
    wait_for(lambda: len(run.snapshot().history) >= 3)
    run.pause()
    wait_for(lambda: run.snapshot().status == "paused")
    before = run.snapshot()
    time.sleep(0.5)
    after = run.snapshot()
    assert after.elapsed_seconds == before.elapsed_seconds  # the clock stands still
    assert after.epochs_per_second == before.epochs_per_second
    run.stop()
    assert run.join(5)


def test_a_continued_run_reads_as_the_whole_runs_time_and_pace():
    """One Step after a 3-epoch run must not read "0.0 s · 28.8 epochs/s": the clock and
    the pace carry over from the run it continues."""
    first = BackgroundRun(lambda: FakeTrainer(delay=0.05), epochs=3).start()
    first.join(10)
    before = first.snapshot().elapsed_seconds
    assert before >= 0.15
    more = BackgroundRun(lambda: None, epochs=6, continues=first).start(paused=True)
    more.step()
    wait_for(lambda: more.snapshot().status == "paused" and len(more.snapshot().history) == 4)
    snap = more.snapshot()
    assert snap.elapsed_seconds >= before + 0.05
    assert snap.epochs_per_second == pytest.approx(4 / snap.elapsed_seconds)
    assert snap.epochs_per_second < 4 / 0.2  # four epochs of at least 50 ms each
    more.stop()



@pytest.mark.parametrize("paced", [False, True])
def test_a_paced_run_counts_its_delay_from_the_start_of_each_epoch(paced):
    """The playground's speed is a rate: the next epoch is due ``epoch_delay`` after the
    last one began; the MLP's pause follows the end of the epoch (here 0.05 s later)."""
    run = BackgroundRun(lambda: FakeTrainer(delay=0.05), epochs=2, epoch_delay=100.0,
                        paced=paced).start()
    wait_for(lambda: len(run.snapshot().history) == 1)
    due_after_start = run._next_due - run._epoch_began
    run.stop()
    assert run.join(5)
    assert due_after_start == pytest.approx(100.0) if paced else due_after_start >= 100.05
