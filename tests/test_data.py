import numpy as np
import pytest

from dl_core.config import DataConfig
from dl_core.data import TOY_DATASETS, DigitsSplit, load_digits_split, toy_dataset


def test_split_sizes_stratified_and_seeded():
    split = load_digits_split(DataConfig(), seed=0)
    n = len(split.y_train) + len(split.y_val) + len(split.y_test)
    assert n == 1797 and len(split.y_test) == 360
    assert split.x_train.shape[1] == 64 and split.x_train.dtype == np.float32
    assert abs(len(split.y_val) / (len(split.y_train) + len(split.y_val)) - 0.2) < 0.01
    # stratified: every digit's share in the test set is within a point of the whole set
    whole = np.bincount(np.concatenate([split.y_train, split.y_val, split.y_test])) / n
    assert np.max(np.abs(np.bincount(split.y_test) / 360 - whole)) < 0.01
    again = load_digits_split(DataConfig(), seed=0)
    other = load_digits_split(DataConfig(), seed=1)
    assert np.array_equal(again.y_test, split.y_test)
    assert not np.array_equal(other.x_test, split.x_test)


def test_scaling_is_a_setting():
    scaled = load_digits_split(DataConfig(scale_inputs=True), 0)
    raw = load_digits_split(DataConfig(scale_inputs=False), 0)
    assert scaled.x_train.max() == 1.0 and raw.x_train.max() == 16.0
    np.testing.assert_allclose(raw.x_train / 16, scaled.x_train)
    assert (raw.pixel_max, scaled.pixel_max) == (16.0, 1.0)


def test_image_view_and_read_only():
    split = load_digits_split(DataConfig(), 0)
    images = DigitsSplit.as_images(split.x_test)
    assert images.shape == (360, 8, 8, 1)
    np.testing.assert_array_equal(images[5, 2, 3, 0], split.x_test[5, 2 * 8 + 3])
    with pytest.raises(ValueError):
        split.x_train[0, 0] = 3.0  # the cached arrays are shared: nobody may mutate them


@pytest.mark.parametrize("name", TOY_DATASETS)
def test_toy_datasets(name):
    x, y = toy_dataset(name, n_samples=200, noise=0.1, seed=4)
    assert x.shape == (200, 2) and set(np.unique(y)) == {0, 1}
    assert 60 <= y.sum() <= 140  # both classes well represented
    x2, _ = toy_dataset(name, n_samples=200, noise=0.1, seed=4)
    np.testing.assert_array_equal(x, x2)


def test_toy_labels_follow_the_pattern_without_noise():
    x, y = toy_dataset("xor", 300, noise=0.0, seed=1)
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] >= 0).astype(int))
    x, y = toy_dataset("circle", 300, noise=0.0, seed=1)
    np.testing.assert_array_equal(y, (np.linalg.norm(x, axis=1) < 3).astype(int))


@pytest.mark.parametrize("kwargs, message", [
    (dict(name="moons"), "not one of"), (dict(name="xor", noise=0.9), "noise"),
    (dict(name="xor", n_samples=1), "n_samples")])
def test_toy_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        toy_dataset(**kwargs)
