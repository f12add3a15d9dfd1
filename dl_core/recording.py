"""What a training page keeps of a run when it ends: a :class:`~dl_core.history.RunRecord`.

No Streamlit here. :func:`digits_record` and :func:`playground_record` read an ended
run's snapshot and Trainer (its model, its split) and return the record: the settings as
in the run's link, the per-epoch curves, the final figures, the network's size and cost.
The curves use the same names on every page ("loss", "accuracy", "val_loss",
"val_accuracy"): on the 2D page the held-out set is its test points. Texts are kept in
English (a run's reason and summary may be Messages): the pages translate them when shown.
"""

from __future__ import annotations

import statistics

import numpy as np

from dl_core.history import RunRecord, thin_curves
from dl_core.i18n import Message


def worth_keeping(snap) -> bool:
    """Whether an ended run has something new for the history: an epoch of its own (a run
    that continues another and trained nothing has not), or a divergence or failure to
    say (even before its first epoch)."""
    return len(snap.history) >= snap.first_epoch or snap.status in ("diverged", "failed")


def _curves(history, fields: dict[str, str]) -> dict[str, list]:
    """Series name -> one value per epoch (None where an epoch has none)."""
    curves = {"epoch": [s.epoch for s in history]}
    for name, attr in fields.items():
        curves[name] = [_number(getattr(s, attr)) for s in history]
    return thin_curves(curves)


def _number(value) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _ms_per_epoch(history) -> float:
    """The median epoch (the first one of a new shape also traces its graph)."""
    return 1000 * statistics.median(s.seconds for s in history) if history else 0.0


def _english(text) -> str:
    """A text to keep: a Message in English (whatever language the thread speaks)."""
    return text.english if isinstance(text, Message) else str(text or "")


def _cost(model) -> tuple[int, int]:
    from dl_core.cost import flops_per_example, trainable_parameters

    return trainable_parameters(model), flops_per_example(model)


def digits_record(page: str, params: dict, summary: str, snap, trainer, run_id: str,
                  started: float, name: str = "") -> RunRecord:
    """The record of an MLP or CNN run (``params``: its settings as in its link).

    The test figures are computed from the run's test probabilities after its last epoch
    against its own split's test labels (scikit-learn's metrics)."""
    from sklearn.metrics import accuracy_score, log_loss

    history = snap.history
    last = history[-1] if history else None
    metrics = {}
    if last is not None:
        metrics = {"loss": last.loss, "accuracy": last.accuracy, "val_loss": last.val_loss,
                   "val_accuracy": last.val_accuracy,
                   "best_val_accuracy": max(s.val_accuracy for s in history)}
    probs = snap.test_probabilities
    if probs is not None and trainer is not None and np.isfinite(probs).all():
        y_test = trainer.split.y_test
        probs = probs.astype(np.float64)
        probs /= probs.sum(axis=1, keepdims=True)  # (float32 softmax sums stray from 1)
        metrics["test_accuracy"] = float(accuracy_score(y_test, probs.argmax(axis=1)))
        metrics["test_loss"] = float(log_loss(y_test, probs, labels=range(probs.shape[1])))
    parameters, flops = _cost(trainer.model) if trainer is not None else (0, 0)
    return RunRecord(
        page=page, config=dict(params), summary=_english(summary), name=_english(name),
        id=run_id,
        curves=_curves(history, {"loss": "loss", "accuracy": "accuracy",
                                 "val_loss": "val_loss", "val_accuracy": "val_accuracy",
                                 "learning_rate": "learning_rate"}),
        metrics={k: _number(v) for k, v in metrics.items()}, parameters=parameters,
        flops_per_example=flops, ms_per_epoch=_ms_per_epoch(history), epochs=len(history),
        status=snap.status, reason=_english(snap.message), started=started)


def playground_record(params: dict, summary: str, snap, trainer, run_id: str,
                      started: float, name: str = "") -> RunRecord:
    """The record of a 2D-page run: its test points are the held-out ("val_") curves."""
    history = snap.history
    last = history[-1] if history else None
    metrics = {}
    if last is not None:
        metrics = {"loss": last.loss, "val_loss": last.test_loss, "test_loss": last.test_loss,
                   "accuracy": last.accuracy, "val_accuracy": last.test_accuracy,
                   "test_accuracy": last.test_accuracy}
    parameters, flops = _cost(trainer.model) if trainer is not None else (0, 0)
    return RunRecord(
        page="playground", config=dict(params), summary=_english(summary),
        name=_english(name), id=run_id,
        curves=_curves(history, {"loss": "loss", "accuracy": "accuracy",
                                 "val_loss": "test_loss", "val_accuracy": "test_accuracy",
                                 "learning_rate": "learning_rate"}),
        metrics={k: _number(v) for k, v in metrics.items() if v is not None},
        parameters=parameters, flops_per_example=flops, ms_per_epoch=_ms_per_epoch(history),
        epochs=len(history), status=snap.status, reason=_english(snap.message),
        started=started)
