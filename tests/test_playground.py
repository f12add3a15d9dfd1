"""The 2D playground's engine (issue 10): the Playground's problems are learned, the
compiled epoch does what a plain Keras loop does, and the plane's heatmaps are the model's."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from dl_core.playground import (PlaygroundSpec, PlaygroundTrainer, build, forward_on_grid,
                                 split)
from dl_core.toy2d import input_features, plane_grid


def test_spiral_with_sin_features_and_two_tanh_layers_of_8_passes_90_percent():
    spec = PlaygroundSpec(dataset="spiral", features=("x1", "x2", "sin_x1", "sin_x2"),
                          hidden=(8, 8), activations=("tanh", "tanh"))
    trainer = PlaygroundTrainer(spec)
    best = max(trainer.train_epoch().test_accuracy for _ in range(300))
    assert best >= 0.90


def test_one_epoch_is_the_plain_keras_loop_over_the_same_batches():
    spec = PlaygroundSpec(dataset="xor", hidden=(4,), activations=("relu",), l2=0.001,
                          batch_size=7)
    ours = PlaygroundTrainer(spec)
    reference = build(spec)
    reference.set_weights(ours.model.get_weights())
    optimizer = keras.optimizers.SGD(spec.learning_rate)
    x, y = input_features(ours.x_train, spec.features), ours.y_train
    perm = np.random.default_rng(spec.seed + 2).permutation(len(y))  # the trainer's order
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    for start in range(0, len(y), spec.batch_size):
        idx = perm[start:start + spec.batch_size]
        with tf.GradientTape() as tape:
            loss = loss_fn(y[idx], reference(x[idx], training=True)) + tf.add_n(reference.losses)
        grads = tape.gradient(loss, reference.trainable_variables)
        optimizer.apply_gradients(zip(grads, reference.trainable_variables))
    ours.train_epoch()
    for a, b in zip(ours.model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_three_classes_and_regression():
    blobs = PlaygroundTrainer(PlaygroundSpec(dataset="blobs3", noise=0.1))
    assert max(blobs.train_epoch().test_accuracy for _ in range(60)) > 0.9
    assert blobs.model.output_shape == (None, 3)
    plane = PlaygroundTrainer(PlaygroundSpec(dataset="plane", learning_rate=0.01))
    first = plane.train_epoch()
    for _ in range(30):
        last = plane.train_epoch()
    assert last.test_loss < first.test_loss / 3 and last.test_accuracy is None


@pytest.mark.parametrize("dataset, activations", [("circle", ("tanh", "relu")),
                                                  ("blobs4", ("sigmoid", "linear")),
                                                  ("gaussians", ("relu", "tanh"))])
def test_the_heatmaps_drawn_from_a_runs_weights_are_the_models_layer_outputs(dataset,
                                                                             activations):
    trainer = PlaygroundTrainer(PlaygroundSpec(dataset=dataset, activations=activations,
                                               features=("x1", "x2", "x1_squared")))
    trainer.train_epoch()
    maps = forward_on_grid(trainer.spec, trainer.kernels(), 20)
    outputs = trainer.model.output_shape[1]
    assert [m.shape for m in maps] == [(20, 20, 4), (20, 20, 2), (20, 20, outputs)]
    grid = input_features(plane_grid(20), trainer.spec.features)
    np.testing.assert_allclose(maps[-1].reshape(400, outputs),
                               trainer.model.predict(grid, verbose=0), rtol=1e-4, atol=1e-5)
    first_layer = keras.Model(trainer.model.inputs, trainer.model.get_layer("hidden_1").output)
    np.testing.assert_allclose(maps[0].reshape(400, 4), first_layer.predict(grid, verbose=0),
                               rtol=1e-4, atol=1e-5)


def test_it_trains_live_on_the_shared_scheduler_with_a_learning_rate_change():
    from dl_core.runs import BackgroundRun

    spec = PlaygroundSpec(dataset="xor", hidden=(6,), activations=("tanh",))
    run = BackgroundRun(lambda: PlaygroundTrainer(spec), epochs=40, epoch_delay=0.0).start()
    run.set_learning_rate(0.1)
    run.join(60)
    snap = run.snapshot()
    assert snap.status == "finished" and len(snap.history) == 40
    assert snap.history[-1].learning_rate == 0.1 and snap.test_probabilities.shape[1] == 2
    assert set(snap.kernels) == {"hidden_1", "hidden_1/bias", "output", "output/bias"}


def test_a_diverging_run_says_so():
    trainer = PlaygroundTrainer(PlaygroundSpec(dataset="plane", learning_rate=10.0,
                                               hidden=(8, 8), activations=("linear", "linear")))
    from dl_core.training import TrainingDiverged

    with pytest.raises(TrainingDiverged, match="learning rate 10 is too high"):
        for _ in range(50):
            trainer.train_epoch()


def test_split_is_seeded_and_uses_the_train_fraction():
    spec = PlaygroundSpec(train_fraction=0.3, n_samples=200)
    a, b = split(spec), split(spec)
    assert len(a[0]) == 60 and len(a[2]) == 140
    np.testing.assert_array_equal(a[0], b[0])


@pytest.mark.parametrize("changes, field", [
    ({"noise": 0.7}, "noise"), ({"hidden": (4,) * 7, "activations": ("tanh",) * 7}, "hidden"),
    ({"hidden": (40,), "activations": ("tanh",)}, "hidden"), ({"features": ()}, "features"),
    ({"activations": ("tanh",)}, "activations"), ({"batch_size": 31}, "batch_size"),
    ({"learning_rate": 0.0}, "learning_rate"), ({"dataset": "moons"}, "dataset")])
def test_bad_settings_name_the_field(changes, field):
    with pytest.raises(ValueError, match=field):
        PlaygroundSpec(**changes)


def test_runs_of_one_shape_share_one_traced_epoch_and_train_as_if_alone():
    """Two runs of one shape borrow the same compiled template in turn; each trains
    exactly as a run on its own does (its state is copied in and out every epoch)."""
    from dl_core.compiled import POOL

    spec = PlaygroundSpec(dataset="xor", hidden=(5,), activations=("relu",), n_samples=120)
    other = PlaygroundSpec(dataset="xor", hidden=(5,), activations=("relu",), n_samples=120,
                           seed=7, learning_rate=0.3)
    first, second = PlaygroundTrainer(spec), PlaygroundTrainer(other)
    for _ in range(3):
        first.train_epoch()
        second.train_epoch()
    assert len(POOL._idle[first._shape]) == 1 and first._shape == second._shape
    assert second.compile_seconds == 0.0  # it found the template traced
    alone = PlaygroundTrainer(spec)
    for _ in range(3):
        alone.train_epoch()
    for name, value in first.kernels().items():
        np.testing.assert_array_equal(value, alone.kernels()[name])
    assert [s.loss for s in first.history] == [s.loss for s in alone.history]


def test_layers_of_one_shape_start_from_different_weights():
    """One seeded initializer shared by all layers gave equal layers equal weights."""
    model = build(PlaygroundSpec(hidden=(4, 4, 4), activations=("tanh",) * 3,
                                 features=("x1", "x2", "x1_squared", "x2_squared")))
    kernels = [model.get_layer(f"hidden_{i}").kernel.numpy() for i in (2, 3)]
    assert not np.allclose(kernels[0], kernels[1])


def test_more_points_reuse_the_traced_epoch():
    """The graphs take any number of points: a point added (or another share of the set)
    trains on the template already traced."""
    first = PlaygroundTrainer(PlaygroundSpec(hidden=(3,), activations=("tanh",),
                                             n_samples=200))
    first.train_epoch()
    more = PlaygroundTrainer(PlaygroundSpec(hidden=(3,), activations=("tanh",), n_samples=200,
                                            points=(1.0, 1.0, 1.0), train_fraction=0.7))
    more.train_epoch()
    assert more.compile_seconds == 0.0 and len(more.y_train) == 141


def test_the_downloaded_network_carries_the_snapshot_weights(tmp_path):
    import keras

    from dl_core.playground import model_bytes_from

    spec = PlaygroundSpec(dataset="blobs3", hidden=(3,), activations=("relu",))
    trainer = PlaygroundTrainer(spec)
    trainer.train_epoch()
    weights = trainer.kernels()
    path = tmp_path / "net.keras"
    path.write_bytes(model_bytes_from(spec, weights))
    loaded = keras.saving.load_model(path)
    for layer in loaded.layers:
        np.testing.assert_array_equal(layer.kernel.numpy(), weights[layer.name])
        np.testing.assert_array_equal(layer.bias.numpy(), weights[f"{layer.name}/bias"])
