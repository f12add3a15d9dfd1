"""The 2D sets follow the TensorFlow Playground's definitions (its src/dataset.ts), checked
as properties over seeds, sizes and noise levels."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dl_core.toy2d import (CLASSIFICATION, DATASETS, REGRESSION, SIX_GAUSSIANS,
                           gaussians_label, num_classes, toy_dataset)

seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(20, 400)
noises = st.floats(0.0, 0.5)
FAST = settings(max_examples=30, deadline=None)


@pytest.mark.parametrize("name", DATASETS)
def test_shapes_types_range_and_seed(name):
    x, y = toy_dataset(name, 300, noise=0.3, seed=7)
    assert x.shape == (300, 2) and x.dtype == np.float32 and y.shape == (300,)
    assert np.all(np.abs(x) <= 6 + 6)  # the plane, plus the widest blob's tail
    again, _ = toy_dataset(name, 300, noise=0.3, seed=7)
    other, _ = toy_dataset(name, 300, noise=0.3, seed=8)
    np.testing.assert_array_equal(x, again)
    assert not np.array_equal(x, other)
    if name in CLASSIFICATION:
        k = num_classes(name)
        assert y.dtype == np.int64 and set(np.unique(y)) == set(range(k))
        _, clean = toy_dataset(name, 300, noise=0.0, seed=7)
        assert np.bincount(clean).min() >= 300 // k - 10  # balanced before label noise
    else:
        assert y.dtype == np.float32 and num_classes(name) == 0


@FAST
@given(seeds, sizes, noises)
def test_circle(seed, n, noise):
    x, y = toy_dataset("circle", n, noise, seed)
    r = np.linalg.norm(x, axis=1)
    half = n // 2
    assert np.all(r[:half] <= 2.5 + 1e-5) and np.all((r[half:] >= 3.5 - 1e-5) & (r[half:] <= 5 + 1e-5))
    reach = 5 * noise * np.sqrt(2)  # the farthest the label noise moves a point
    assert np.all(y[r < 2.5 - reach - 1e-5] == 1) and np.all(y[r > 2.5 + reach + 1e-5] == 0)


@FAST
@given(seeds, sizes, noises)
def test_xor(seed, n, noise):
    x, y = toy_dataset("xor", n, noise, seed)
    assert np.all((np.abs(x) >= 0.3 - 1e-6) & (np.abs(x) <= 5.3 + 1e-5))
    sure = np.all(np.abs(x) > 5 * noise + 1e-5, axis=1)  # noise cannot flip either sign
    np.testing.assert_array_equal(y[sure], (x[sure, 0] * x[sure, 1] >= 0).astype(int))


def test_xor_and_circle_without_noise_label_the_point_itself():
    x, y = toy_dataset("xor", 500, 0.0, 1)
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] >= 0).astype(int))
    x, y = toy_dataset("circle", 500, 0.0, 1)
    np.testing.assert_array_equal(y, (np.linalg.norm(x, axis=1) < 2.5).astype(int))


@pytest.mark.parametrize("noise", [0.0, 0.25, 0.5])
def test_gaussian_variance_rises_from_half_to_four(noise):
    x, y = toy_dataset("gaussian", 20_000, noise, 3)
    variance = 0.5 + (4 - 0.5) * noise / 0.5
    for label, centre in ((1, 2.0), (0, -2.0)):
        part = x[y == label]
        np.testing.assert_allclose(part.mean(axis=0), centre, atol=0.08)
        np.testing.assert_allclose(part.var(axis=0), variance, rtol=0.06)


@FAST
@given(seeds, st.integers(2, 300).map(lambda n: 2 * n), noises)
def test_spiral(seed, n, noise):
    x, y = toy_dataset("spiral", n, noise, seed)
    m = n // 2
    i = np.arange(m)
    r, t = i / m * 5, 1.75 * i / m * 2 * np.pi
    for label, offset, part in ((1, 0.0, slice(0, m)), (0, np.pi, slice(m, n))):
        arm = np.stack([r * np.sin(t + offset), r * np.cos(t + offset)], axis=1)
        assert np.all(np.abs(x[part] - arm) <= noise + 1e-5)  # [-1, 1] * noise per coordinate
        assert np.all(y[part] == label)


def test_three_arm_spiral_and_blobs_have_one_class_per_arm_or_centre():
    x, y = toy_dataset("spiral3", 300, 0.0, 0)
    assert np.bincount(y).tolist() == [100, 100, 100]
    for k in (3, 4):
        x, y = toy_dataset(f"blobs{k}", 4000, 0.0, 0)
        centres = np.array([x[y == c].mean(axis=0) for c in range(k)])
        np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 3.5, atol=0.1)


@FAST
@given(seeds, sizes, noises)
def test_plane(seed, n, noise):
    x, y = toy_dataset("plane", n, noise, seed)
    assert np.all(np.abs(x) <= 6)
    # the label is (x' + y') / 10 with each coordinate moved by at most 6 * noise
    assert np.all(np.abs(y - x.sum(axis=1) / 10) <= 2 * 6 * noise / 10 + 1e-5)


@FAST
@given(seeds, sizes)
def test_six_gaussians_without_noise(seed, n):
    x, y = toy_dataset("gaussians", n, 0.0, seed)
    assert np.all(np.abs(x) <= 6) and np.all(np.abs(y) <= 1)
    np.testing.assert_allclose(y, gaussians_label(x.astype(np.float64)), atol=1e-6)


def test_six_gaussians_label_by_hand():
    centre = np.array([[-4.0, 2.5], [0.0, -2.5], [4.0, -1.5], [10.0, 10.0]])
    # at a centre: its sign; 1 unit from (4, -2.5) (sign -1): -0.5; far from all: 0
    np.testing.assert_allclose(gaussians_label(centre), [1.0, 1.0, -0.5, 0.0])
    assert len(SIX_GAUSSIANS) == 6 and set(REGRESSION) == {"plane", "gaussians"}


@pytest.mark.parametrize("kwargs, message", [
    (dict(name="moons"), "not one of"), (dict(name="xor", noise=0.9), "noise"),
    (dict(name="xor", n_samples=1), "n_samples")])
def test_bad_input_names_the_field(kwargs, message):
    with pytest.raises(ValueError, match=message):
        toy_dataset(**kwargs)


def test_input_features_are_the_playgrounds():
    from dl_core.toy2d import FEATURES, input_features

    points = np.array([[1.0, 2.0], [-0.5, 3.0]], np.float32)
    got = input_features(points, tuple(FEATURES))
    x1, x2 = points[:, 0], points[:, 1]
    want = np.stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert got.dtype == np.float32
    with pytest.raises(ValueError, match="at least one"):
        input_features(points, ())
    with pytest.raises(ValueError, match="'cos_x1'"):
        input_features(points, ("x1", "cos_x1"))


def test_plane_grid_covers_the_plane_from_the_top_left():
    from dl_core.toy2d import plane_grid

    grid = plane_grid(5)  # cells 2.4 wide: centres from -4.8 to 4.8
    assert grid.shape == (25, 2)
    np.testing.assert_allclose(grid[0], [-4.8, 4.8], rtol=1e-6)
    np.testing.assert_allclose(grid[-1], [4.8, -4.8], rtol=1e-6)
    np.testing.assert_allclose(grid[1], [-2.4, 4.8], rtol=1e-6)
