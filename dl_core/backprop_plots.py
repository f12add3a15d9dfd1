"""The backpropagation page's Plotly figures: the loss of each walk-through step and the
gradient norm per layer of a deeper network (vanishing gradients). No Streamlit."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dl_core.i18n import _
from dl_core.plots import _MARGIN, BASELINE, TRAIN


def loss_over_steps(losses: list[float]) -> go.Figure:
    """The loss of each step of the backpropagation walk-through, measured before its update."""
    hover = _("step {step}<br>loss {loss}").format(step="%{x}", loss="%{y:.4f}")
    fig = go.Figure(go.Scatter(x=list(range(1, len(losses) + 1)), y=losses, mode="lines+markers",
                               line=dict(color=TRAIN), name=_("loss"),
                               hovertemplate=hover + "<extra></extra>"))
    fig.update_xaxes(title_text=_("step"), dtick=1 if len(losses) < 15 else None)
    fig.update_yaxes(title_text=_("loss"), rangemode="tozero")
    fig.update_layout(height=260, margin=_MARGIN, title=_("Loss before each step"))
    return fig


def gradient_flow_bars(init_norms, after_norms, after_label: str) -> go.Figure:
    """Gradient norm per layer (input side first) at initialization and after training.

    Markers on a log axis, a thin line joining each layer's two values: a bar on a log axis
    starts at an arbitrary floor, so its length would mean nothing. A norm of exactly 0 has
    no place on a log axis; it is drawn as an x in a separate "= 0" strip under the chart
    (present only when there is a zero). Non-finite norms are left out.
    """
    layers = [_("layer {n}").format(n=i) for i in range(1, len(init_norms) + 1)]
    layers[-1] = _("output")
    series = ((np.asarray(init_norms, float), _("at initialization"), BASELINE, -0.12, "circle"),
              (np.asarray(after_norms, float), after_label, TRAIN, 0.12, "diamond"))
    x = np.arange(1, len(layers) + 1, dtype=float)
    has_zero = any(np.any(values == 0) for values, *_rest in series)
    fig = make_subplots(rows=2 if has_zero else 1, cols=1, shared_xaxes=True,
                        row_heights=[0.82, 0.18] if has_zero else None, vertical_spacing=0.05)
    (before, *_rest), (after, *_rest) = series
    exactly_zero, zero_hover = _("{name}: exactly 0"), _("exactly 0")
    hover = _("{series}<br>{layer}: {norm}") + "<extra></extra>"  # (its own colon in zh)
    joined = [i for i in range(len(x)) if before[i] > 0 and after[i] > 0
              and np.isfinite(before[i]) and np.isfinite(after[i])]
    fig.add_trace(go.Scatter(
        x=[v for i in joined for v in (x[i] - 0.12, x[i] + 0.12, None)],
        y=[v for i in joined for v in (before[i], after[i], None)], mode="lines",
        line=dict(color="#c8c8c8", width=2), hoverinfo="skip", showlegend=False), row=1, col=1)
    for values, name, colour, offset, symbol in series:
        shown = np.isfinite(values) & (values > 0)
        zero = values == 0
        fig.add_trace(go.Scatter(
            x=x[shown] + offset, y=values[shown], text=np.asarray(layers)[shown], name=name,
            mode="markers", marker=dict(color=colour, size=11, symbol=symbol),
            legendgroup=name,
            hovertemplate=hover.format(series=name, layer="%{text}", norm="%{y:.3g}")),
            row=1, col=1)
        if has_zero:
            fig.add_trace(go.Scatter(
                x=x[zero] + offset, y=np.zeros(int(zero.sum())), text=np.asarray(layers)[zero],
                name=exactly_zero.format(name=name), mode="markers", legendgroup=name,
                showlegend=bool(zero.any()),
                marker=dict(color=colour, size=11, symbol="x"),
                hovertemplate=hover.format(series=name, layer="%{text}", norm=zero_hover)),
                row=2, col=1)
    ticks = [str(i) for i in range(1, len(layers))] + [_("out")]  # short: no tilt on a phone
    fig.update_xaxes(tickvals=x, ticktext=ticks, range=[0.5, len(layers) + 0.5])
    fig.update_xaxes(title_text=_("layer"), row=2 if has_zero else 1, col=1)
    fig.update_yaxes(title_text=_("|dL/dW| (log scale)"), type="log", exponentformat="power",
                     row=1, col=1)
    if has_zero:
        fig.update_yaxes(tickvals=[0], ticktext=["= 0"], range=[-1, 1], fixedrange=True,
                         showgrid=False, zeroline=False, row=2, col=1)
    fig.update_layout(height=350 if has_zero else 330, margin=_MARGIN,
                      legend=dict(orientation="h", y=-0.3),
                      title=_("Gradient norm per layer, input side on the left"))
    return fig
