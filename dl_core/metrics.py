"""Evaluation figures from predicted probabilities (scikit-learn), a classic baseline, and
the collapse check on a run's history.

No TensorFlow here: everything works on NumPy arrays of labels and probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dl_core.config import NUM_CLASSES
from dl_core.data import DigitsSplit
from dl_core.i18n import Message


def confusion(y_true, probabilities) -> np.ndarray:
    """(10, 10) counts: row = true digit, column = predicted digit."""
    from sklearn.metrics import confusion_matrix

    predicted = np.argmax(probabilities, axis=1)
    return confusion_matrix(y_true, predicted, labels=np.arange(NUM_CLASSES))


def per_class_accuracy(y_true, probabilities) -> np.ndarray:
    """Share of each digit's images classified correctly (recall), shape (10,)."""
    from sklearn.metrics import recall_score

    predicted = np.argmax(probabilities, axis=1)
    return recall_score(y_true, predicted, labels=np.arange(NUM_CLASSES), average=None,
                        zero_division=0.0)


@dataclass(frozen=True)
class Mistake:
    index: int  # row in the test set
    true_label: int
    predicted_label: int
    confidence: float  # probability of the predicted label
    probabilities: np.ndarray


def mistakes(y_true, probabilities, limit: int | None = None) -> list[Mistake]:
    """Test images the model gets wrong, most confident mistakes first."""
    probabilities = np.asarray(probabilities)
    predicted = np.argmax(probabilities, axis=1)
    wrong = np.flatnonzero(predicted != np.asarray(y_true))
    wrong = wrong[np.argsort(-probabilities[wrong, predicted[wrong]], kind="stable")]
    return [Mistake(int(i), int(y_true[i]), int(predicted[i]),
                    float(probabilities[i, predicted[i]]), probabilities[i])
            for i in wrong[:limit]]


def logistic_baseline(split: DigitsSplit, seed: int = 0) -> dict[str, float]:
    """Classic machine learning on the same split: scikit-learn logistic regression.

    Returns validation and test accuracy (and log loss on validation), for the dashed line.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, log_loss

    x_train = split.x_train / split.pixel_max  # same model whatever the pixel scale
    clf = LogisticRegression(max_iter=2000, random_state=seed).fit(x_train, split.y_train)
    val_probs = clf.predict_proba(split.x_val / split.pixel_max)
    return {
        "val_accuracy": float(accuracy_score(split.y_val, val_probs.argmax(axis=1))),
        "val_loss": float(log_loss(split.y_val, val_probs, labels=np.arange(NUM_CLASSES))),
        "test_accuracy": float(clf.score(split.x_test / split.pixel_max, split.y_test)),
    }


CHANCE_ACCURACY = 1 / NUM_CLASSES


def collapse_warning(history, lr_changes=(), chance: float = CHANCE_ACCURACY
                     ) -> Message | None:
    """Say so when a run that had learned falls apart while the loss stays finite.

    A collapse is validation accuracy back near chance after it had passed 50%, or a
    training loss several times its best. Returns a sentence naming what happened, the
    likely cause (the last learning-rate change before it) and what to try, as a Message
    (rendered where shown); else None.
    """
    if len(history) < 2:
        return None
    last = history[-1]
    best_acc = max(history, key=lambda s: s.val_accuracy)
    best_loss = min(history, key=lambda s: s.loss)
    if best_acc.val_accuracy >= 0.5 and last.val_accuracy <= chance + 0.1:
        what = Message("validation accuracy fell from {best:.1%} (epoch {epoch}) to "
                       "{last:.1%}, about chance ({chance:.0%})", best=best_acc.val_accuracy,
                       epoch=best_acc.epoch, last=last.val_accuracy, chance=chance)
        since = best_acc.epoch
    elif last.loss > 5 * best_loss.loss and last.epoch > best_loss.epoch:
        what = Message("training loss rose to {loss:.3g}, {times:.0f} times its best "
                       "({best:.3g} at epoch {epoch})", loss=last.loss,
                       times=last.loss / best_loss.loss, best=best_loss.loss,
                       epoch=best_loss.epoch)
        since = best_loss.epoch
    else:
        return None
    rate = last.learning_rate
    cause = [c for c in lr_changes if c[0] > since - 1]
    because = Message("after the learning rate went to {rate:g} at epoch {epoch}",
                      rate=cause[-1][1], epoch=cause[-1][0]) if cause else \
        Message("at learning rate {rate:g}", rate=rate)
    return Message("Training collapsed: {what} {because}. The steps are too large: the weights "
                   "jumped out of the region they had found. Lower the learning rate (try "
                   "{rate:g}), or press Train to start again.", what=what, because=because,
                   rate=rate / 10)
