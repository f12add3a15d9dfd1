"""Datasets: scikit-learn's bundled 8x8 digits, and digits drawn on the CNN page's canvas
(the TensorFlow Playground's 2D sets are in dl_core/toy2d.py).

Nothing here downloads anything; every random choice takes an explicit seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from dl_core.config import IMAGE_SIZE, DataConfig
from dl_core.i18n import _

TEST_FRACTION = 0.2
RAW_PIXEL_MAX = 16.0


@dataclass(frozen=True)
class DigitsSplit:
    """Train / validation / test arrays. ``x_*`` are flat (n, 64) float32; ``y_*`` int labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    scaled: bool

    @staticmethod
    def as_images(x: np.ndarray) -> np.ndarray:
        """The (n, 8, 8, 1) image view of flat (n, 64) pixels (no copy)."""
        return x.reshape(-1, IMAGE_SIZE, IMAGE_SIZE, 1)

    @property
    def pixel_max(self) -> float:
        return 1.0 if self.scaled else RAW_PIXEL_MAX


@lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return bunch.data.astype(np.float32), bunch.target.astype(np.int64)


def load_digits_split(config: DataConfig, seed: int) -> DigitsSplit:
    """Seeded stratified split: 20% test, then ``config.validation_fraction`` of the rest.

    Pixels are divided by 16 when ``config.scale_inputs`` (to [0, 1]); else the raw 0-16.
    """
    return _split(config.scale_inputs, config.validation_fraction, seed)


@lru_cache(maxsize=16)
def _split(scale_inputs: bool, validation_fraction: float, seed: int) -> DigitsSplit:
    from sklearn.model_selection import train_test_split

    x, y = _digits()
    if scale_inputs:
        x = x / RAW_PIXEL_MAX
    x_rest, x_test, y_rest, y_test = train_test_split(
        x, y, test_size=TEST_FRACTION, stratify=y, random_state=seed)
    x_train, x_val, y_train, y_val = train_test_split(
        x_rest, y_rest, test_size=validation_fraction, stratify=y_rest, random_state=seed)
    arrays = [np.ascontiguousarray(a) for a in (x_train, y_train, x_val, y_val, x_test, y_test)]
    for a in arrays:
        a.flags.writeable = False  # shared by the cache: nobody may mutate it
    return DigitsSplit(*arrays, scaled=scale_inputs)


def digit_from_drawing(rgba, pixel_max: float = 1.0, min_ink: float = 0.02):
    """A drawing (H, W, 3 or 4 channels of 0-255, any size) as an 8x8 digit in the dataset's
    format, or None when nothing is drawn.

    The paper is the drawing's median border pixel; ink is how far a pixel is from
    it, so dark strokes on light paper (the CNN page's canvas), light strokes on dark paper
    and strokes on a transparent background all give the same digit. Like scikit-learn's
    digits (32x32 bitmaps counted in 4x4 blocks): the ink's bounding box is centred in a
    square with a margin, sampled at 32x32, block-averaged to 8x8 and scaled to
    [0, ``pixel_max``], so the most inked block is ``pixel_max`` (drawn as the darkest
    pixel). ``min_ink`` is the share of inked pixels below which the drawing counts as empty.
    """
    image = np.asarray(rgba, dtype=np.float32)
    if image.ndim != 3 or image.shape[2] not in (3, 4) or min(image.shape[:2]) < 2:
        raise ValueError(_("drawing: shape {shape}, expected (height, width, 3 or 4)").format(
            shape=image.shape))
    image = image / 255.0
    luminance = image[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)
    alpha = image[..., 3] if image.shape[2] == 4 else np.ones(image.shape[:2], np.float32)
    paper_luminance, paper_alpha = (
        float(np.median(np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])))
        for a in (luminance, alpha))
    # Opaque paper: ink is the difference in luminance. Transparent paper: the opacity (the
    # colour of an unpainted pixel means nothing).
    ink = np.maximum(np.abs(alpha - paper_alpha),
                     np.abs(luminance - paper_luminance) * alpha * paper_alpha)
    inked = ink > 0.1
    if inked.mean() < min_ink / 10 or not inked.any():
        return None
    rows, cols = np.flatnonzero(inked.any(axis=1)), np.flatnonzero(inked.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    side = int(max(bottom - top, right - left) * 1.25) + 1  # a margin, as in the dataset
    square = np.zeros((side, side), np.float32)
    r0, c0 = (side - (bottom - top)) // 2, (side - (right - left)) // 2
    square[r0:r0 + bottom - top, c0:c0 + right - left] = ink[top:bottom, left:right]
    idx = (np.arange(32) + 0.5) * side / 32
    sampled = square[idx.astype(int)][:, idx.astype(int)]
    blocks = sampled.reshape(8, 4, 8, 4).mean(axis=(1, 3))
    return np.clip(blocks / max(blocks.max(), 1e-6), 0, 1) * pixel_max

