"""The TensorFlow Playground's 2D datasets, as its ``src/dataset.ts`` defines them, and a
few more classes than it offers.

Every set lives in the plane [-6, 6]^2. ``noise`` is the Playground's 0-50 % slider as a
fraction in [0, 0.5]. Classification labels are 0 / 1 (the Playground's -1 / +1), or 0..k-1
for the sets with k classes; regression labels are floats. Points are returned in the order
the Playground generates them (the split shuffles them); everything random takes ``seed``.
"""

from __future__ import annotations

import numpy as np

from dl_core.i18n import _

CLASSIFICATION = ("circle", "xor", "gaussian", "spiral", "spiral3", "blobs3", "blobs4")
REGRESSION = ("plane", "gaussians")
DATASETS = CLASSIFICATION + REGRESSION
EXTENT = 6.0  # the plane shown is [-EXTENT, EXTENT]^2
SIX_GAUSSIANS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1),
                 (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))  # centre x, y and sign


# The Playground's input features: name -> (label, function of the points' x1, x2 columns)
FEATURES = {
    "x1": ("X₁", lambda x1, x2: x1),
    "x2": ("X₂", lambda x1, x2: x2),
    "x1_squared": ("X₁²", lambda x1, x2: x1 * x1),
    "x2_squared": ("X₂²", lambda x1, x2: x2 * x2),
    "x1_times_x2": ("X₁X₂", lambda x1, x2: x1 * x2),
    "sin_x1": ("sin(X₁)", lambda x1, x2: np.sin(x1)),
    "sin_x2": ("sin(X₂)", lambda x1, x2: np.sin(x2)),
}


def input_features(points: np.ndarray, features: tuple[str, ...]) -> np.ndarray:
    """The network's inputs: one column per chosen feature of the points (n, 2), float32."""
    if not features:
        raise ValueError(_("features: choose at least one input feature"))
    unknown = [f for f in features if f not in FEATURES]
    if unknown:
        raise ValueError(_("features: {unknown} not among {known}").format(
            unknown=", ".join(map(repr, unknown)), known=", ".join(FEATURES)))
    x1, x2 = points[:, 0].astype(np.float64), points[:, 1].astype(np.float64)
    return np.stack([FEATURES[f][1](x1, x2) for f in features], axis=1).astype(np.float32)


def plane_grid(resolution: int = 50) -> np.ndarray:
    """The centres (resolution^2, 2) of a resolution x resolution grid of cells covering
    [-6, 6]^2, row by row from the top (y near 6) down: where the heatmaps of the network's
    outputs are evaluated, one colour per cell."""
    axis = -EXTENT + 2 * EXTENT * (np.arange(resolution) + 0.5) / resolution
    x, y = np.meshgrid(axis, axis[::-1])
    return np.stack([x.ravel(), y.ravel()], axis=1).astype(np.float32)


def num_classes(name: str) -> int:
    """Classes of a classification set; 0 for a regression set."""
    _check_name(name)
    return 0 if name in REGRESSION else int(name[-1]) if name[-1].isdigit() else 2


def toy_dataset(name: str, n_samples: int = 500, noise: float = 0.0, seed: int = 0
                ) -> tuple[np.ndarray, np.ndarray]:
    """Points (n, 2) float32 and labels (n,): int64 classes, or float32 for regression."""
    _check_name(name)
    if not 0.0 <= noise <= 0.5:
        raise ValueError(_("noise: {value} is out of range, allowed 0 to 0.5").format(
            value=repr(noise)))
    if not 2 <= n_samples <= 100_000:
        raise ValueError(_("n_samples: {value} is out of range, allowed 2 to 100000").format(
            value=repr(n_samples)))
    rng = np.random.default_rng(seed)
    points, labels = _MAKERS[name](rng, n_samples, noise)
    labels = labels.astype(np.float32 if name in REGRESSION else np.int64)
    return points.astype(np.float32), labels


def _check_name(name: str) -> None:
    if name not in DATASETS:
        raise ValueError(_("dataset: {value} is not one of {choices}").format(
            value=repr(name), choices=", ".join(DATASETS)))


def _uniform_noise(rng, n: int, scale: float, noise: float) -> np.ndarray:
    """The Playground's label noise: a uniform offset in [-scale, scale] * noise per
    coordinate, added to the point only to compute its label."""
    return rng.uniform(-scale, scale, (n, 2)) * noise


def _circle(rng, n, noise):
    """Half the points at radius in [0, 2.5], half in [3.5, 5]; label: within 2.5 of the
    origin after the label noise (the stored point does not move)."""
    radius, inner = 5.0, n // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, inner),
                        rng.uniform(radius * 0.7, radius, n - inner)])
    angle = rng.uniform(0, 2 * np.pi, n)
    points = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    moved = points + _uniform_noise(rng, n, radius, noise)
    return points, np.linalg.norm(moved, axis=1) < radius * 0.5


def _xor(rng, n, noise):
    """x, y uniform in [-5, 5], each pushed 0.3 away from zero; label: x * y >= 0 after the
    label noise."""
    points = rng.uniform(-5, 5, (n, 2))
    points += np.where(points > 0, 0.3, -0.3)
    moved = points + _uniform_noise(rng, n, 5.0, noise)
    return points, moved[:, 0] * moved[:, 1] >= 0


def _blobs(rng, centres, noise):
    """Gaussian blobs; the variance rises linearly from 0.5 at no noise to 4 at 50 %."""
    variance = 0.5 + noise * 7.0
    parts = [rng.normal(centre, np.sqrt(variance), (count, 2)) for centre, count in centres]
    labels = [np.full(count, label) for label, (_, count) in enumerate(centres)]
    return np.concatenate(parts), np.concatenate(labels)


def _gaussian(rng, n, noise):
    """Two Gaussians at (2, 2) (class 1) and (-2, -2) (class 0)."""
    half = n // 2
    points, labels = _blobs(rng, [((2.0, 2.0), half), ((-2.0, -2.0), n - half)], noise)
    return points, 1 - labels


def _blobs_k(k):
    def make(rng, n, noise):
        angles = np.pi / 2 + 2 * np.pi * np.arange(k) / k
        counts = np.diff(np.linspace(0, n, k + 1).astype(int))
        centres = [((3.5 * np.cos(a), 3.5 * np.sin(a)), c) for a, c in zip(angles, counts)]
        return _blobs(rng, centres, noise)
    return make


def _spiral_arms(rng, n, noise, arms):
    """``arms`` arms at equal angles: radius 5 i / m, angle 1.75 * 2 pi i / m + offset (m
    points an arm), plus a uniform offset in [-1, 1] * noise per coordinate."""
    counts = np.diff(np.linspace(0, n, arms + 1).astype(int))
    parts, labels = [], []
    for arm, count in enumerate(counts):
        i = np.arange(count)
        r = i / count * 5
        t = 1.75 * i / count * 2 * np.pi + 2 * np.pi * arm / arms
        xy = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
        parts.append(xy + rng.uniform(-1, 1, (count, 2)) * noise)
        labels.append(np.full(count, arm))
    return np.concatenate(parts), np.concatenate(labels)


def _spiral(rng, n, noise):
    """Two arms, offsets 0 (class 1) and pi (class 0)."""
    points, arm = _spiral_arms(rng, n, noise, 2)
    return points, arm == 0


def _plane(rng, n, noise):
    """Points uniform in [-6, 6]^2; label (x' + y') / 10 with x', y' the point plus the
    label noise (the Playground's linear scale from [-10, 10] to [-1, 1], unclamped)."""
    points = rng.uniform(-EXTENT, EXTENT, (n, 2))
    moved = points + _uniform_noise(rng, n, EXTENT, noise)
    return points, moved.sum(axis=1) / 10


def gaussians_label(points: np.ndarray) -> np.ndarray:
    """The six signed Gaussians: sign * clamp(1 - distance / 2, 0, 1) of the centre whose
    value is largest in magnitude (0 far from all of them)."""
    values = np.stack([sign * np.clip(1 - np.hypot(points[:, 0] - cx, points[:, 1] - cy) / 2,
                                      0, 1) for cx, cy, sign in SIX_GAUSSIANS], axis=1)
    best = np.argmax(np.abs(values), axis=1)
    return values[np.arange(len(points)), best]


def _gaussians(rng, n, noise):
    points = rng.uniform(-EXTENT, EXTENT, (n, 2))
    moved = points + _uniform_noise(rng, n, EXTENT, noise)
    return points, gaussians_label(moved)


_MAKERS = {"circle": _circle, "xor": _xor, "gaussian": _gaussian, "spiral": _spiral,
           "spiral3": lambda rng, n, noise: _spiral_arms(rng, n, noise, 3),
           "blobs3": _blobs_k(3), "blobs4": _blobs_k(4),
           "plane": _plane, "gaussians": _gaussians}
