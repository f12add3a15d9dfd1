import numpy as np

from dl_core import plots
from dl_core.training import EpochStats


def _history(n):
    return [EpochStats(i, 1.0 / i, 0.5 + i / 40, 1.2 / i, 0.5 + i / 50, 0.01, 1e5, 0.001,
                       {"dense_1": 0.1 / i, "logits": 1.0 / i}) for i in range(1, n + 1)]


def test_other_figures_build():
    assert plots.confusion_heatmap(np.eye(10, dtype=int)).data[0].z.shape == (10, 10)
    fig = plots.weight_histograms({"dense_1": np.ones((4, 3)), "logits": np.zeros((3, 10))})
    assert len(fig.data) == 2
    assert len(plots.gradient_norms(_history(4)).data) == 2
    kernels = [np.random.default_rng(0).normal(size=s) for s in ((64, 20), (20, 10))]
    fig = plots.network_diagram([64, 20, 10], kernels, max_nodes=16)
    edge_traces = [t for t in fig.data if t.mode == "lines"]
    assert edge_traces and {t.line.color for t in edge_traces} == {plots.POSITIVE, plots.NEGATIVE}
    gallery = plots.digit_gallery([np.zeros(64)] * 7, [str(i) for i in range(7)], columns=6)
    assert len(gallery.data) == 7
