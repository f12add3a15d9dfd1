"""A run that ends leaves nothing behind (issue 9): no traced graph, no Trainer, no model.

python -m bench.soak prints RSS against hundreds of runs; this is the fast check."""

import gc
import weakref

from dl_core.config import Config
from dl_core.runs import BackgroundRun, Scheduler
from dl_core.training import Trainer


def _graphs() -> int:
    from tensorflow.python.framework.func_graph import FuncGraph

    gc.collect()
    return sum(isinstance(o, FuncGraph) for o in gc.get_objects())


def test_a_dropped_trainer_leaves_no_graph_behind():
    """Failed before the fix: TensorFlow's gradient registry kept every epoch graph."""
    Trainer(Config()).train_epoch()
    before = _graphs()
    for _ in range(3):
        Trainer(Config()).train_epoch()
    assert _graphs() == before


def test_an_ended_run_and_its_model_are_collected():
    config = Config().replace(hidden_units=(8,), activations=("relu",))
    scheduler = Scheduler(workers=1, max_active=2)
    run = BackgroundRun(lambda: Trainer(config), epochs=2, scheduler=scheduler).start()
    assert run.join(120) and run.snapshot().status == "finished"
    refs = [weakref.ref(x) for x in (run, run.trainer, run.trainer.model,
                                     run.trainer.optimizer)]
    del run
    gc.collect()
    assert [r() for r in refs] == [None] * 4
