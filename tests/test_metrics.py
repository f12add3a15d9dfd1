import numpy as np

from dl_core.config import DataConfig
from dl_core.data import load_digits_split
from dl_core.metrics import confusion, logistic_baseline, mistakes, per_class_accuracy


def _probs(predicted, n_classes=10, confidence=0.9):
    probs = np.full((len(predicted), n_classes), (1 - confidence) / (n_classes - 1))
    probs[np.arange(len(predicted)), predicted] = confidence
    return probs


def test_confusion_and_per_class_accuracy_match_a_hand_count():
    y = np.array([0, 0, 1, 1, 1, 2])
    pred = np.array([0, 1, 1, 1, 0, 2])
    cm = confusion(y, _probs(pred))
    assert cm.shape == (10, 10) and cm.sum() == 6
    assert cm[0, 0] == 1 and cm[0, 1] == 1 and cm[1, 1] == 2 and cm[1, 0] == 1 and cm[2, 2] == 1
    acc = per_class_accuracy(y, _probs(pred))
    np.testing.assert_allclose(acc[:3], [0.5, 2 / 3, 1.0])
    assert np.all(acc[3:] == 0)  # absent classes do not raise


def test_mistakes_most_confident_first():
    y = np.array([3, 3, 5, 7])
    probs = _probs(np.array([3, 4, 6, 7]))
    probs[2] = _probs(np.array([6]), confidence=0.99)[0]
    wrong = mistakes(y, probs)
    assert [m.index for m in wrong] == [2, 1]
    assert wrong[0].true_label == 5 and wrong[0].predicted_label == 6
    assert wrong[0].confidence == 0.99
    assert mistakes(y, probs, limit=1)[0].index == 2


def test_logistic_baseline_is_strong_and_scale_independent():
    a = logistic_baseline(load_digits_split(DataConfig(scale_inputs=True), 0))
    b = logistic_baseline(load_digits_split(DataConfig(scale_inputs=False), 0))
    assert a["val_accuracy"] > 0.9 and a["test_accuracy"] > 0.9
    assert a == b
