import numpy as np
import pytest

from dl_core.config import DataConfig
from dl_core.data import DigitsSplit, digit_from_drawing, load_digits_split


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


# ----------------------------------------------------------------- drawings (CNN page canvas)

def _paper(colour, alpha=255, size=(200, 200)):
    canvas = np.zeros((*size, 4), np.uint8)
    canvas[..., :3], canvas[..., 3] = colour, alpha
    return canvas


def _strokes(canvas, ink, alpha=255, shape="1"):
    """Paint a thick "1" (a vertical bar) or "7" (top bar and a slanted stem) onto ``canvas``."""
    if shape == "1":
        canvas[40:160, 90:108, :3], canvas[40:160, 90:108, 3] = ink, alpha
    else:
        canvas[30:46, 50:150, :3], canvas[30:46, 50:150, 3] = ink, alpha
        for row in range(46, 170):
            col = int(150 - (row - 46) * 0.45)
            canvas[row, col - 9:col + 9, :3], canvas[row, col - 9:col + 9, 3] = ink, alpha
    return canvas


def _class_means():
    split = load_digits_split(DataConfig(), 0)
    return np.stack([split.x_train[split.y_train == d].mean(axis=0) for d in range(10)])


@pytest.mark.parametrize("paper", [_paper(255), _paper(0), _paper(0, alpha=0), _paper(128)])
def test_an_empty_drawing_is_none(paper):
    assert digit_from_drawing(paper) is None  # the page shows a hint, never a prediction


def test_dark_ink_on_light_paper_reads_as_the_dataset_digits():
    """The canvas draws dark on white, as the digits are shown. Each drawing must correlate
    best with the mean training image of its own class (scikit-learn's digits)."""
    means = _class_means()
    for shape, label in (("1", 1), ("7", 7)):
        digit = digit_from_drawing(_strokes(_paper(255), 0, shape=shape), pixel_max=1.0)
        assert digit.shape == (8, 8) and digit.max() == 1.0 and digit.min() >= 0
        scores = [np.corrcoef(digit.ravel(), m)[0, 1] for m in means]
        assert int(np.argmax(scores)) == label, np.round(scores, 2)
    one = digit_from_drawing(_strokes(_paper(255), 0), pixel_max=16.0)
    assert one.max() == 16.0 and one[:, 3:5].mean() > 4 * one[:, [0, 7]].mean()  # centred


def test_the_same_strokes_give_the_same_digit_on_any_paper():
    """Dark on white, white on black, black on transparent: one digit (no inverted input)."""
    reference = digit_from_drawing(_strokes(_paper(255), 0, shape="7"))
    for canvas in (_strokes(_paper(0), 255, shape="7"),
                   _strokes(_paper(0, alpha=0), 0, shape="7"),
                   _strokes(_paper(255, alpha=0), 255, shape="7"),
                   _strokes(_paper(255), 0, shape="7")[..., :3]):
        np.testing.assert_allclose(digit_from_drawing(canvas), reference, atol=1e-6)
    # the ink is where the strokes are: a long bar at the top, a stem slanting down-left
    assert (reference[1] > 0.3).sum() >= 4 and (reference[6] > 0.3).sum() <= 2
    assert reference[6, :4].sum() > reference[6, 4:].sum()


def test_a_bad_drawing_shape_is_a_value_error():
    with pytest.raises(ValueError, match="drawing"):
        digit_from_drawing(np.zeros((5, 5)))
    with pytest.raises(ValueError, match="drawing"):
        digit_from_drawing(np.zeros((5, 5, 2)))
