import numpy as np
import pytest

from dl_core.config import Config
from dl_core.training import Trainer, TrainingDiverged, fit_reference


def test_trainer_agrees_with_model_fit():
    """Same model, data and optimizer trained both ways: accuracies within a few points."""
    config = Config().replace(epochs=12, seed=1)
    trainer = Trainer(config)
    for _ in range(12):
        trainer.train_epoch()
    _, history = fit_reference(config)
    ours, theirs = trainer.history[-1].val_accuracy, history["val_accuracy"][-1]
    assert ours > 0.9 and theirs > 0.9
    assert abs(ours - theirs) < 0.04
    assert abs(trainer.history[-1].loss - history["loss"][-1]) < 0.1


def test_stats_are_consistent_with_a_separate_evaluation():
    config = Config().replace(hidden_units=(32,), activations=("relu",), seed=2)
    trainer = Trainer(config)
    stats = trainer.train_epoch()
    split = trainer.split
    probs = trainer.model.predict(split.x_val, verbose=0)
    assert stats.val_accuracy == pytest.approx(np.mean(probs.argmax(1) == split.y_val), abs=1e-6)
    nll = -np.mean(np.log(probs[np.arange(len(split.y_val)), split.y_val]))
    assert stats.val_loss == pytest.approx(nll, rel=1e-4)
    np.testing.assert_allclose(trainer.test_probabilities_,
                               trainer.model.predict(split.x_test, verbose=0), atol=1e-6)
    assert set(stats.grad_norms) == {"dense_1", "logits"}
    assert stats.examples_per_second > 0 and stats.epoch == 1


def test_deterministic_for_a_seed():
    config = Config().replace(hidden_units=(16,), activations=("tanh",), dropout=0.2, seed=5)
    a, b = Trainer(config), Trainer(config)
    for _ in range(3):
        sa, sb = a.train_epoch(), b.train_epoch()
        assert sa.loss == pytest.approx(sb.loss, rel=1e-6)
        assert sa.val_accuracy == sb.val_accuracy


def test_learning_rate_changes_without_rebuild():
    trainer = Trainer(Config().replace(optimizer="sgd", learning_rate=0.01))
    trainer.train_epoch()
    trainer.set_learning_rate(0.5)
    assert trainer.learning_rate == 0.5
    stats = trainer.train_epoch()
    assert stats.learning_rate == 0.5
    with pytest.raises(ValueError, match="learning_rate"):
        trainer.set_learning_rate(50.0)


def test_divergence_stops_with_a_reason_and_keeps_history():
    config = Config().replace(optimizer="sgd", learning_rate=0.001, scale_inputs=False,
                              activations=("linear",) * 3)
    trainer = Trainer(config)
    trainer.train_epoch()
    trainer.set_learning_rate(10.0)
    with pytest.raises(TrainingDiverged) as info:
        for _ in range(5):
            trainer.train_epoch()
    message = str(info.value)
    assert "loss became NaN at epoch" in message and "learning rate 10 is too high for SGD" in message
    assert "try 1 or less" in message
    assert len(trainer.history) >= 1 and all(np.isfinite(s.loss) for s in trainer.history)


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta",
                                       "nadam"])
def test_every_optimizer_lowers_the_loss(optimizer):
    lr = {"adadelta": 1.0, "adagrad": 0.05, "sgd": 0.1}.get(optimizer, 0.003)
    trainer = Trainer(Config().replace(optimizer=optimizer, learning_rate=lr, momentum=0.5
                                       if optimizer in ("sgd", "rmsprop") else 0.0))
    first = trainer.train_epoch().loss
    for _ in range(3):
        last = trainer.train_epoch().loss
    assert last < first


def test_cnn_trains():
    trainer = Trainer(Config().replace(architecture="cnn", seed=0))
    for _ in range(3):
        stats = trainer.train_epoch()
    assert stats.val_accuracy > 0.7
    assert {"conv_1", "conv_2", "dense_1", "logits"} == set(stats.grad_norms)


def test_deep_sigmoid_preset_shows_vanishing_gradients():
    from dl_core.presets import apply_preset

    norms = {}
    for name in ("Deep sigmoid (vanishing gradients)", "Deep ReLU (same depth, healthy gradients)"):
        trainer = Trainer(apply_preset("mlp", name))
        for _ in range(2):
            stats = trainer.train_epoch()
        norms[name] = stats.grad_norms
    sigmoid = norms["Deep sigmoid (vanishing gradients)"]
    relu = norms["Deep ReLU (same depth, healthy gradients)"]
    assert sigmoid["dense_1"] < sigmoid["logits"] / 100  # the first layer barely learns
    assert relu["dense_1"] > relu["logits"] / 10


def test_divergence_says_which_batch_and_keeps_the_losses_before_it():
    """The NaN's place is checked against a NumPy replay of the same batch losses."""
    config = Config().replace(optimizer="sgd", learning_rate=10.0, activations=("linear",) * 3)
    trainer = Trainer(config)
    with pytest.raises(TrainingDiverged) as info:
        trainer.train_epoch()
    error = info.value
    n = len(trainer.split.y_train)
    assert error.epoch == 1 and error.batches == -(-n // config.training.batch_size)
    assert 1 <= error.batch <= error.batches
    losses = np.array(error.batch_losses)
    assert len(losses) == error.batch and not np.isfinite(losses[-1])
    assert np.all(np.isfinite(losses[:-1]))  # every batch before it had a finite loss
    assert f"batch {error.batch} of {error.batches}" in str(error)
    assert trainer.history == []


def test_collapse_is_detected_after_a_learning_rate_jump():
    """The issue's case: default network on SGD, then the learning rate raised to 10."""
    from dl_core.metrics import collapse_warning

    trainer = Trainer(Config().replace(optimizer="sgd", learning_rate=0.1, seed=0))
    for _ in range(5):
        trainer.train_epoch()
    assert trainer.history[-1].val_accuracy > 0.8
    assert collapse_warning(trainer.history, [(6, 10.0)]) is None
    trainer.set_learning_rate(10.0)
    try:
        for _ in range(3):
            trainer.train_epoch()
    except TrainingDiverged:  # also a possible outcome; then there is no collapse to detect
        pytest.skip("diverged instead of collapsing")
    warning = collapse_warning(trainer.history, [(6, 10.0)])
    assert warning and "about chance" in warning and "learning rate went to 10 at epoch 6" in warning


def _stats(epoch, loss, val_accuracy, lr=0.01):
    from dl_core.training import EpochStats

    return EpochStats(epoch, loss, val_accuracy, loss, val_accuracy, 0.01, 1e5, lr)


def test_collapse_rules():
    from dl_core.metrics import collapse_warning

    healthy = [_stats(i, 1 / i, 0.5 + i / 30) for i in range(1, 10)]
    assert collapse_warning(healthy) is None
    assert collapse_warning(healthy[:1]) is None
    never_learned = [_stats(i, 2.3, 0.1) for i in range(1, 10)]
    assert collapse_warning(never_learned) is None  # no better state to fall from
    loss_blow_up = healthy + [_stats(10, 8.0, 0.6)]
    warning = collapse_warning(loss_blow_up)
    assert "training loss rose to 8" in warning and "at learning rate 0.01" in warning
    assert "try 0.001" in warning


def _weights_after(config: Config, epochs: int) -> tuple[list, list]:
    trainer = Trainer(config)
    stats = [trainer.train_epoch() for _ in range(epochs)]
    return [(s.loss, s.val_accuracy, s.grad_norms) for s in stats], trainer.model.get_weights()


@pytest.mark.parametrize("changes", [{}, {"dropout": 0.3, "batch_norm": True, "l2": 0.001,
                                          "optimizer": "sgd", "momentum": 0.9},
                                     {"architecture": "cnn"}])
def test_runs_of_one_shape_share_a_compiled_epoch_with_the_same_results(changes):
    """Tracing is done once per shape; a run trained on a template another run used first
    gets the results, bit for bit, of a run that compiled its own."""
    from dl_core.compiled import POOL

    config = Config().replace(**changes)
    POOL.clear()
    alone = _weights_after(config.replace(seed=5), 3)  # compiles its own template
    POOL.clear()
    _weights_after(config.replace(seed=4), 2)  # another run traces the shared template
    with POOL.borrow(Trainer(config)._shape, lambda: None) as template:
        traced = template.epoch_fn.experimental_get_tracing_count()
    shared = _weights_after(config.replace(seed=5), 3)
    with POOL.borrow(Trainer(config)._shape, lambda: None) as template:
        assert template.epoch_fn.experimental_get_tracing_count() == traced == 1
    assert POOL.templates() == 1
    assert shared[0] == alone[0]
    for a, b in zip(shared[1], alone[1]):
        np.testing.assert_array_equal(a, b)


def test_runs_training_at_once_borrow_separate_templates():
    """Two threads training runs of one shape at the same time never share a template's
    variables mid-epoch: each result equals the run trained alone."""
    import threading

    from dl_core.compiled import POOL

    config = Config()
    POOL.clear()
    expected = {seed: _weights_after(config.replace(seed=seed), 4)[1] for seed in (1, 2)}
    got, errors = {}, []

    def train(seed):
        try:
            got[seed] = _weights_after(config.replace(seed=seed), 4)[1]
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=train, args=(seed,)) for seed in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert POOL.templates() <= 2
    for seed in (1, 2):
        for a, b in zip(got[seed], expected[seed]):
            np.testing.assert_array_equal(a, b)


def test_a_learning_rate_change_reaches_the_template_that_still_holds_the_run():
    """Between two epochs of one run its template keeps the run's state and is not
    reloaded, except after a change such as a new learning rate."""
    from dl_core.compiled import POOL

    def weights(change_rate: bool, clear_between: bool):
        trainer = Trainer(Config().replace(seed=3))
        trainer.train_epoch()
        if change_rate:
            trainer.set_learning_rate(0.05)
        if clear_between:
            POOL.clear()  # a fresh template: loads the run's state whatever happened
        trainer.train_epoch()
        return trainer.model.get_weights()

    kept, reloaded, unchanged = (weights(True, False), weights(True, True),
                                 weights(False, False))
    for a, b in zip(kept, reloaded):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(kept[0], unchanged[0])


def test_the_pool_keeps_a_few_shapes_and_clears_tensorflows_caches_now_and_then():
    """Evicted templates leave their instantiated graphs in TensorFlow's caches until those
    are cleared: the pool clears them once per CLEAR_CACHES_EVERY evictions."""
    from dl_core.compiled import CompiledPool

    clears = []
    pool = CompiledPool(max_shapes=2, clear_every=3, clear_caches=lambda: clears.append(1))
    for shape in range(8):
        with pool.borrow(("shape", shape), object):
            pass
    assert pool.templates() == 2 and pool.evicted == 6 and len(clears) == 2
    with pool.borrow(("shape", 7), lambda: pytest.fail("an idle template was not reused")):
        pass



def test_a_run_never_trains_on_a_stale_copy_of_its_own_state():
    """Two runs of one shape trading two templates in the order two workers can give them:
    each run's results stay those of the run trained alone (a template that once held a run
    must be loaded again: the run has moved on since)."""
    from dl_core.compiled import POOL

    config = Config()
    solo = {seed: _weights_after(config.replace(seed=seed), 3)[1] for seed in (1, 2)}
    POOL.clear()
    a, b = Trainer(config.replace(seed=1)), Trainer(config.replace(seed=2))
    a.train_epoch()  # template T1 holds A's epoch 1
    with POOL.borrow(a._shape, None):  # T1 busy elsewhere
        b.train_epoch()  # B compiles T2
    with POOL.borrow(a._shape, None):  # T1 busy again
        a.train_epoch()  # A on T2 (epoch 2); T1 still holds A's epoch 1
    with POOL.borrow(a._shape, None):  # takes T1 (returned last)
        b.train_epoch()  # B on T2
    a.train_epoch()  # A on T1, which holds its state of an epoch ago
    b.train_epoch()
    for trainer, seed in ((a, 1), (b, 2)):
        for got, want in zip(trainer.model.get_weights(), solo[seed]):
            np.testing.assert_array_equal(got, want)
