"""Plotly figure builders. Each returns a ``go.Figure``; none calls Streamlit.

One colour per series everywhere: training blue, validation orange, the classic baseline
grey and dashed; positive weights blue, negative red.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dl_core.i18n import _

TRAIN, VALIDATION, BASELINE = "#1f77b4", "#ff7f0e", "#7f7f7f"
POSITIVE, NEGATIVE = "#2166ac", "#b2182b"
LAYER_COLOURS = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
_MARGIN = dict(l=10, r=10, t=40, b=10)


def batch_losses(losses, epoch: int, batch: int, batches: int) -> go.Figure:
    """The loss of each batch of the epoch in which training diverged, up to the NaN."""
    finite = [(i + 1, v) for i, v in enumerate(losses) if np.isfinite(v)]
    hover = _("batch {batch}<br>loss {loss}").format(batch="%{x}", loss="%{y:.4g}")
    fig = go.Figure(go.Scatter(x=[i for i, _v in finite], y=[v for _i, v in finite],
                               mode="lines+markers", line=dict(color=TRAIN),
                               name=_("batch loss"), hovertemplate=hover + "<extra></extra>"))
    fig.add_vline(x=batch, line=dict(color=NEGATIVE, dash="dot"))
    fig.add_annotation(x=batch, y=1, yref="paper",
                       text=_("NaN at batch {batch}").format(batch=batch),
                       showarrow=False, yanchor="bottom", font=dict(color=NEGATIVE))
    axis = _("batch of epoch {epoch} (of {batches})").format(epoch=epoch, batches=batches)
    fig.update_xaxes(title_text=axis, range=[0.5, max(batch, 2) + 0.5],
                     dtick=1 if batch <= 20 else None)
    fig.update_yaxes(title_text=_("loss (log scale)"), type="log", exponentformat="power")
    fig.update_layout(height=260, margin=_MARGIN, showlegend=False,
                      title=_("Where it diverged: the loss of each batch of epoch {epoch}")
                      .format(epoch=epoch))
    return fig


def confusion_heatmap(matrix: np.ndarray) -> go.Figure:
    """Counts with true digits as rows, predictions as columns."""
    labels = [str(i) for i in range(matrix.shape[0])]
    fig = go.Figure(go.Heatmap(
        z=matrix, x=labels, y=labels, colorscale="Blues", text=matrix, texttemplate="%{text}",
        hovertemplate=_("true %{y}, predicted %{x}: %{z} images") + "<extra></extra>",
        colorbar=dict(title=_("images"))))
    fig.update_xaxes(title_text=_("predicted digit"), side="bottom", dtick=1)
    fig.update_yaxes(title_text=_("true digit"), autorange="reversed", dtick=1)
    fig.update_layout(height=380, margin=_MARGIN, title=_("Confusion matrix (test images)"))
    return fig


def weight_histograms(kernels: dict[str, np.ndarray]) -> go.Figure:
    """One histogram of weight values per layer."""
    names = list(kernels)
    fig = make_subplots(rows=1, cols=max(len(names), 1), subplot_titles=names)
    hover = _("{layer}<br>weights {range}<br>count {count}")
    for i, name in enumerate(names, start=1):
        fig.add_trace(go.Histogram(x=np.ravel(kernels[name]), nbinsx=40, showlegend=False,
                                   marker_color=LAYER_COLOURS[(i - 1) % len(LAYER_COLOURS)],
                                   hovertemplate=hover.format(layer=name, range="%{x}",
                                                              count="%{y}")
                                   + "<extra></extra>"),
                      row=1, col=i)
    fig.update_xaxes(title_text=_("weight"))
    fig.update_layout(height=260, margin=_MARGIN, bargap=0.05, title=_("Weights per layer"))
    return fig


def gradient_norms(history) -> go.Figure:
    """|dL/dW| per layer over epochs on a log axis: vanishing gradients fan out downwards."""
    fig = go.Figure()
    names = list(history[0].grad_norms) if history else []
    hover = _("{layer}<br>epoch {epoch}<br>gradient norm {norm}")
    for i, name in enumerate(names):
        fig.add_trace(go.Scatter(
            x=[s.epoch for s in history], y=[s.grad_norms[name] for s in history], name=name,
            mode="lines", line=dict(color=LAYER_COLOURS[i % len(LAYER_COLOURS)]),
            hovertemplate=hover.format(layer=name, epoch="%{x}", norm="%{y:.3g}")
            + "<extra></extra>"))
    fig.update_xaxes(title_text=_("epoch"))
    fig.update_yaxes(title_text=_("gradient norm |dL/dW|"), type="log", exponentformat="power")
    fig.update_layout(height=300, margin=_MARGIN,
                      title=_("Gradient norm per layer (first layer = input side)"))
    return fig


def network_diagram(layer_sizes: list[int], kernels: list[np.ndarray] | None = None,
                    max_nodes: int = 16) -> go.Figure:
    """Units as nodes, weights as edges (colour = sign, width = magnitude).

    Layers wider than ``max_nodes`` show their first ``max_nodes`` units and a note of how
    many more there are; edges are drawn only between the shown units. The figure is made
    in one constructor call from plain dicts: Plotly's ``update_*``/``add_*`` methods parse
    property paths on every call and cost 3x more (a diagram follows every training run).
    """
    shown = [min(n, max_nodes) for n in layer_sizes]
    ys = [np.linspace(-1, 1, k) if k > 1 else np.zeros(1) for k in shown]
    traces = _edge_traces(shown, ys, kernels) if kernels else []
    last = len(layer_sizes) - 1
    node_x, node_y, hover, text, annotations = [], [], [], [], []
    pixel, output = _("pixel {n}"), _("output: digit {n}")
    hidden = _("hidden layer {layer}, unit {n}")
    for x, (n, k, y) in enumerate(zip(layer_sizes, shown, ys)):
        node_x += [x] * k
        node_y += list(y)
        hover += ([pixel.format(n=j + 1) for j in range(k)] if x == 0 else
                  [output.format(n=j) for j in range(k)] if x == last else
                  [hidden.format(layer=x, n=j + 1) for j in range(k)])
        text += [str(j) if x == last else "" for j in range(k)]  # digits by the outputs
        label = (_("{n} units") if n == k else _("{n} units<br>({shown} shown)")).format(
            n=n, shown=k)
        annotations.append(dict(x=x, y=-1.18, text=label, showarrow=False,
                                font=dict(size=11)))
    traces.append(dict(  # one trace for every node (cheaper)
        type="scatter", x=node_x, y=node_y, mode="markers+text", showlegend=False,
        hoverinfo="text", hovertext=hover, text=text, textposition="middle right",
        textfont=dict(size=10), marker=dict(size=9, color="white",
                                            line=dict(color="#333", width=1.2))))
    if kernels:  # a legend for the edges: one entry per colour
        traces += [dict(type="scatter", x=[None], y=[None], mode="lines", name=name,
                        line=dict(color=colour, width=3))
                   for colour, name in ((POSITIVE, _("positive weight")),
                                        (NEGATIVE, _("negative weight")))]
    names = ([_("input")] + [_("hidden {n}").format(n=i) for i in range(1, last)]
             + [_("output")])
    layout = dict(
        height=380, margin=dict(l=10, r=10, t=30, b=10), plot_bgcolor="white",
        title=dict(text=_("Network: line width = size of the weight"), font=dict(size=13)),
        legend=dict(orientation="h", y=-0.12, x=0), annotations=annotations,
        xaxis=dict(tickvals=list(range(len(layer_sizes))), ticktext=names, showgrid=False,
                   zeroline=False, range=[-0.3, last + 0.4]),
        yaxis=dict(visible=False, range=[-1.3, 1.1]))
    return go.Figure(data=traces, layout=layout)


EDGE_WIDTHS = (0.4, 1.0, 1.6, 2.2, 2.9, 3.6)  # px: six steps of |weight| / largest


def _edge_traces(shown, ys, kernels) -> list[dict]:
    """One trace per (sign, width step): at most 12 traces, whatever the layer sizes
    (rounding widths to 0.1 px made up to 72, and a diagram cost ~45 ms to build)."""
    scale = max(float(np.max(np.abs(k))) for k in kernels) or 1.0
    steps = len(EDGE_WIDTHS)
    segments = []  # (positive, step, x0, y0, y1) per edge, as arrays
    for x, kernel in enumerate(kernels):
        block = kernel[: shown[x], : shown[x + 1]]
        i, j = np.indices(block.shape)
        segments.append((block.ravel() >= 0,
                         np.minimum((np.abs(block) / scale * steps).astype(int), steps - 1).ravel(),
                         np.full(block.size, x), ys[x][i.ravel()], ys[x + 1][j.ravel()]))
    positive, step, x0, y0, y1 = (np.concatenate(parts) for parts in zip(*segments))
    gap = np.full(x0.size, np.nan)  # a NaN point between segments breaks the line
    traces = []
    for sign in (True, False):
        for k in range(steps):
            mask = (positive == sign) & (step == k)
            if not mask.any():
                continue
            traces.append(dict(
                type="scatter", mode="lines", hoverinfo="skip", showlegend=False,
                x=np.stack([x0[mask], x0[mask] + 1, gap[mask]], axis=1).ravel(),
                y=np.stack([y0[mask], y1[mask], gap[mask]], axis=1).ravel(),
                line=dict(color=POSITIVE if sign else NEGATIVE, width=EDGE_WIDTHS[k]),
                opacity=0.55))
    return traces


def digit_gallery(images: list[np.ndarray], titles: list[str], columns: int = 6,
                  pixel_max: float = 1.0) -> go.Figure:
    """Small 8x8 digit heatmaps in a grid, one title each."""
    rows = max(1, -(-len(images) // columns))
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=titles,
                        horizontal_spacing=0.02, vertical_spacing=0.12 / rows)
    for k, image in enumerate(images):
        fig.add_trace(go.Heatmap(z=np.reshape(image, (8, 8)), colorscale="Greys", zmin=0,
                                 zmax=pixel_max, showscale=False, hoverinfo="skip"),
                      row=k // columns + 1, col=k % columns + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor=None)
    fig.update_annotations(font_size=11)
    fig.update_layout(height=130 * rows + 30, margin=dict(l=5, r=5, t=30, b=5))
    return fig


def map_grid(values: np.ndarray, title: str, colorbar: str | None = None,
             columns: int = 8, zrange: tuple | None = None, colorscale: str = "Viridis",
             highlight: tuple | None = None, first_channel: int = 0,
             show_colorbar: bool = True, width: int = 420) -> go.Figure:
    """The channels of ``values`` (h, w, c) side by side, ``columns`` to a row, labelled
    ``first_channel``, ``first_channel + 1``, ... and sharing one labelled colour scale
    (drawn below the maps unless ``show_colorbar`` is False; "activation" by default).

    All maps are tiles of ONE heatmap: a subplot per map was ~50 ms a figure to build and
    slow to draw. A row always has ``columns`` slots (empty ones stay blank), so figures
    of the same ``columns`` show maps of the same size side by side. ``zrange`` fixes the
    colour range (to share it between figures); ``highlight`` = (channel, row, col), the
    channel counted from 0 in ``values``, outlines one cell. ``width``: the width in pixels
    the figure is expected to get; the height follows for square cells.
    """
    values = np.asarray(values, dtype=float)
    h, w, channels = values.shape
    columns = max(1, columns)
    rows = -(-channels // columns)
    gap_x, gap_y = 1, max(1, round(h / 4))  # gap_y: the row of labels above each map row
    # float32 and int16: half and a sixth of the bytes sent on every redraw
    z = np.full((rows * (h + gap_y), columns * (w + gap_x) - gap_x), np.nan, np.float32)
    where = np.zeros(z.shape + (3,), np.int16)  # (filter, row, col) of a cell, for hover
    rr, cc = np.mgrid[0:h, 0:w]
    annotations = []
    for ch in range(channels):
        r0, c0 = (ch // columns) * (h + gap_y) + gap_y, (ch % columns) * (w + gap_x)
        z[r0:r0 + h, c0:c0 + w] = values[:, :, ch]
        where[r0:r0 + h, c0:c0 + w] = np.stack([np.full((h, w), first_channel + ch), rr, cc], -1)
        annotations.append(dict(x=c0 + (w - 1) / 2, y=r0 - 0.5 - gap_y / 2, xref="x", yref="y",
                                text=str(first_channel + ch), showarrow=False,
                                font=dict(size=10)))
    zmin, zmax = zrange or (float(values.min()), float(values.max()))
    if zmin == zmax:
        zmin, zmax = zmin - 1e-6, zmax + 1e-6
    fig = go.Figure(go.Heatmap(
        z=z, customdata=where, zmin=zmin, zmax=zmax, colorscale=colorscale, hoverongaps=False,
        showscale=show_colorbar, colorbar=dict(
            title=dict(text=_("activation") if colorbar is None else colorbar, side="top"),
            orientation="h", thickness=10, len=0.8, x=0.5, xanchor="center", y=-0.04,
            yanchor="top"),
        hovertemplate=_("filter %{customdata[0]}, row %{customdata[1]}, col %{customdata[2]}: "
                        "%{z:.3f}") + "<extra></extra>"))
    if highlight:
        ch, r, c = highlight
        y, x = (ch // columns) * (h + gap_y) + gap_y + r, (ch % columns) * (w + gap_x) + c
        for colour, line_width in (("white", 5), ("black", 2)):  # visible on any colour
            fig.add_shape(type="rect", x0=x - 0.5, x1=x + 0.5, y0=y - 0.5, y1=y + 0.5,
                          line=dict(color=colour, width=line_width))
    fig.update_xaxes(visible=False, constrain="domain", range=[-0.5, z.shape[1] - 0.5])
    fig.update_yaxes(visible=False, constrain="domain", range=[z.shape[0] - 0.5, -0.5],
                     scaleanchor="x")
    bottom = 80 if show_colorbar else 5  # room for the colour bar: no automatic margin
    cell = (width - 10) / z.shape[1]
    fig.update_layout(height=int(cell * z.shape[0]) + 28 + bottom, annotations=annotations,
                      margin=dict(l=5, r=5, t=28, b=bottom),
                      title=dict(text=title, font=dict(size=12)))
    return fig


def number_grid(values: np.ndarray, title: str, colorscale: str = "RdBu",
                highlight_all: bool = False, digits: int = 2,
                colorbar: str | None = None) -> go.Figure:
    """A small matrix as a heatmap with its numbers written in the cells.

    The colour scale is centred on zero (with 'RdBu': blue positive, red negative, white
    zero) and labelled ``colorbar`` ("value" by default) on its colour bar.
    """
    values = np.asarray(values, dtype=float)
    bound = float(np.max(np.abs(values))) or 1.0
    fig = go.Figure(go.Heatmap(
        z=values, zmin=-bound, zmax=bound, colorscale=colorscale,
        colorbar=dict(title=dict(text=_("value") if colorbar is None else colorbar,
                                 font=dict(size=11)), thickness=8, len=0.9,
                      tickfont=dict(size=9), tickvals=[-bound, 0, bound],
                      ticktext=[f"{-bound:.2g}", "0", f"{bound:.2g}"]),
        text=np.round(values, digits), texttemplate="%{text}", hoverinfo="skip"))
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")
    fig.update_layout(height=70 + 42 * values.shape[0], margin=dict(l=5, r=5, t=35, b=5),
                      title=dict(text=title, font=dict(size=13)))
    return fig


def digit_with_overlay(image: np.ndarray, overlay: np.ndarray | None, title: str,
                       pixel_max: float = 1.0, overlay_label: str = "") -> go.Figure:
    """The 8x8 digit, dark ink on white with an "ink" colour bar, as the canvas draws it.

    With an ``overlay`` (saliency, occlusion): the overlay in the one colour convention of
    the app, blue positive and red negative ('RdBu', centred on zero, labelled
    ``overlay_label``), and the digit's ink on top as black dots (size = ink), so that no
    grey mixes into the blue and red.
    """
    digit = np.reshape(np.asarray(image, dtype=float), (8, 8))
    hover = _("row %{y}, col %{x}: %{z:.3g}") + "<extra></extra>"
    if overlay is None:
        fig = go.Figure(go.Heatmap(  # the colour bar below: a narrow column keeps the digit
            z=digit, colorscale="Greys", zmin=0, zmax=pixel_max,
            colorbar=dict(title=dict(text=_("ink"), side="right", font=dict(size=11)),
                          nticks=3, orientation="h", thickness=8, len=0.6, y=-0.03,
                          yanchor="top", tickfont=dict(size=9)),
            hovertemplate=hover))
        fig.add_shape(type="rect", x0=-0.5, x1=7.5, y0=-0.5, y1=7.5,  # the paper's edge
                      line=dict(color="#c8c8c8", width=1))
    else:
        bound = float(np.max(np.abs(overlay))) or 1.0
        fig = go.Figure(go.Heatmap(
            z=overlay, colorscale="RdBu", zmin=-bound, zmax=bound,
            colorbar=dict(title=dict(text=overlay_label, font=dict(size=11)), thickness=10,
                          tickfont=dict(size=9), tickformat=".2g"),
            hovertemplate=hover))
        rows, cols = np.nonzero(digit > 0.05 * pixel_max)
        fig.add_trace(go.Scatter(
            x=cols, y=rows, mode="markers", hoverinfo="skip", name=_("the digit's ink"),
            showlegend=False, marker=dict(size=4 + 12 * digit[rows, cols] / pixel_max,
                                          color="rgba(0,0,0,0.8)",
                                          line=dict(color="white", width=0.8))))
    fig.update_xaxes(visible=False, constrain="domain", range=[-0.5, 7.5])
    fig.update_yaxes(visible=False, scaleanchor="x", constrain="domain", range=[7.5, -0.5])
    fig.update_layout(height=280, margin=dict(l=5, r=5, t=35, b=5 if overlay is not None else 45),
                      plot_bgcolor="white", title=dict(text=title, font=dict(size=13)))
    return fig


def top_predictions(top: list[tuple[int, float]]) -> go.Figure:
    """Horizontal bars of the most probable digits."""
    digit = _("digit {n}")
    fig = go.Figure(go.Bar(x=[p for _d, p in top], y=[digit.format(n=d) for d, _p in top],
                           orientation="h", marker_color=TRAIN,
                           text=[f"{p:.1%}" for _d, p in top], textposition="auto"))
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=180, margin=dict(l=5, r=5, t=35, b=5),
                      title=_("Top 3 predictions"))
    return fig


def channel_sums_waterfall(step, shown: int) -> go.Figure:
    """A waterfall: each input channel's patch · kernel, then the bias, add up to the cell.

    ``step`` is a :class:`dl_core.inspect.ConvolutionStep`; ``shown`` the channel whose
    grids the page shows (pointed at)."""
    sums = [float(v) for v in step.channel_sums]
    channel = _("ch {n}")
    labels = [channel.format(n=i) for i in range(len(sums))] + [_("bias"), "z"]
    values = sums + [step.bias, step.total]
    fig = go.Figure(go.Waterfall(
        x=labels, y=values, measure=["relative"] * (len(sums) + 1) + ["total"],
        text=[f"{v:+.3f}" for v in values[:-1]] + [f"{step.total:.3f}"], textposition="outside",
        increasing=dict(marker=dict(color=POSITIVE)),
        decreasing=dict(marker=dict(color=NEGATIVE)),
        totals=dict(marker=dict(color=BASELINE)),
        connector=dict(line=dict(color="#bbbbbb", width=1)),
        hovertemplate=_("{label}: {value}").format(label="%{x}", value="%{y:.4f}")
        + "<extra></extra>"))
    running = np.cumsum([0.0] + values[:-1])
    fig.add_annotation(x=labels[shown], y=max(running[shown], running[shown + 1]),
                       text=_("shown above"), showarrow=True, arrowhead=2, ay=-32,
                       font=dict(size=10))
    fig.update_yaxes(title_text=_("running sum"), zeroline=True, zerolinecolor="#888")
    fig.update_layout(height=320, margin=dict(l=5, r=5, t=60, b=5), showlegend=False,
                      uniformtext=dict(minsize=8, mode="hide"), title=dict(
                          text=_("Every input channel adds its own patch · kernel<br><sup>"
                                 "blue adds, red subtracts; the grey bar is the cell z</sup>"),
                          font=dict(size=13)))
    return fig
