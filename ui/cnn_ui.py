"""The CNN page's panels: input picker (test digit, random, mistake, drawing), feature maps
and kernels, one convolution's arithmetic, saliency and occlusion.

One colour convention everywhere: blue positive, red negative ('RdBu'), every colour scale
with a labelled colour bar; digits dark on white, the drawing canvas too.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from dl_core import plots
from dl_core.data import DigitsSplit, digit_from_drawing
from dl_core.i18n import N_, _
from dl_core.metrics import mistakes

SOURCES = (N_("Test digit"), N_("Random"), N_("Mistake"), N_("Draw"))  # values; shown with _()
CHART = {"displaylogo": False}
# Maps are drawn 4 to a figure, two figures a row: 8 maps a row on a wide screen; on a
# phone Streamlit stacks the two columns, so 4 maps a row, each about 80 px wide.
MAPS_PER_FIGURE = 4
# As wide as the input column at 800 px with the sidebar open (about 175 px); portrait,
# as digits are.
CANVAS_WIDTH, CANVAS_HEIGHT, STROKE_WIDTH = 168, 200, 15
INK, PAPER = "#000000", "#ffffff"  # as the digits are shown: dark ink on white paper
SIGNED = N_("blue +, red −")


def pick_input(page: str, split: DigitsSplit, snap) -> tuple[np.ndarray | None, str]:
    """The chosen 8x8x1 input and a caption, or (None, hint) when there is none yet."""
    state = st.session_state
    # wrap: in a narrow column the options go onto a second row instead of running under
    # the chart beside it (where clicks landed on the chart).
    source = st.segmented_control(_("Input"), SOURCES, default=SOURCES[0], required=True,
                                  format_func=_, wrap=True, key=f"{page}:source") or SOURCES[0]
    n = len(split.y_test)
    if source == "Random":
        reroll = st.button(_("Another random digit"), icon=":material/casino:",
                           key=f"{page}:reroll")
        if reroll or f"{page}:random" not in state:
            state[f"{page}:random"] = int(np.random.default_rng().integers(n))
        index = state[f"{page}:random"]
    elif source == "Mistake":
        wrong = mistakes(split.y_test, snap.test_probabilities) if snap and snap.history else []
        if not wrong:
            return None, _("Train first: the model's mistakes on test digits are listed here.")
        by_index = {m.index: m for m in wrong}  # options are plain ints: a Mistake holds
        # an array, which Streamlit's == on options cannot compare

        def describe(i: int) -> str:
            m = by_index[i]
            return _("#{index}: a {true} read as {predicted} ({confidence:.0%})").format(
                index=i, true=m.true_label, predicted=m.predicted_label, confidence=m.confidence)

        index = st.selectbox(_("Misclassified test digit"), list(by_index),
                             key=f"{page}:mistake", format_func=describe)
    elif source == "Draw":
        return _drawing(page, split.pixel_max)
    else:
        index = st.slider(_("Test digit"), 0, n - 1, 0, key=f"{page}:index")
    image = DigitsSplit.as_images(split.x_test[index:index + 1])[0]
    return image, _("test digit #{index}, a {digit}").format(index=index,
                                                              digit=split.y_test[index])


# Two fixes to streamlit-drawable-canvas 0.13 (checked against 0.13.0; without them it works
# as before), applied by a small script since the canvas lives in a shadow root:
# 1. Its toolbar (send, undo, redo, edit, clear) stays invisible until the pointer has rested
#    on the canvas for 0.2 s, yet lies over the top of the canvas all along: a first stroke
#    begun there at once was swallowed (issue 8), and once shown it floated over the input
#    options above. Keep it shown, in a strip the page reserves for it above the canvas.
# 2. A finished stroke is sent 200 ms after the pointer is lifted (a debounce); press the
#    toolbar's own send button 30 ms after instead, which cancels the pending send.
_TOOLBAR_CSS = (".dc-toolbar, .dc-root:hover > .dc-toolbar { opacity: 1 !important; "
                "top: -2.65rem !important; transition: none !important; }")
_PAGE_CSS = """<style>
.st-key-PAGE-drawing { padding-top: 2.4rem; }
.st-key-PAGE-canvas-fixes { display: none; }
</style>"""
_CANVAS_FIXES_JS = """
export default function ({ data }) {
  const MARK = "style[data-playground-fixes]";
  const fix = () => {
    for (const host of document.querySelectorAll(data.hosts)) {
      const root = host.shadowRoot;
      if (root && !root.querySelector(MARK)) {
        const style = document.createElement("style");
        style.setAttribute("data-playground-fixes", "");
        style.textContent = data.css;
        root.appendChild(style);
      }
    }
  };
  if (!window.__playgroundCanvasSend) {  // one pair of listeners for the whole page
    window.__playgroundCanvasSend = true;
    let stroke = null;
    window.addEventListener("pointerdown", (event) => {
      const canvas = event.composedPath().find((el) => el.tagName === "CANVAS");
      const root = canvas && canvas.getRootNode();
      stroke = root && root.querySelector && root.querySelector(MARK) ? root : null;
    }, true);
    window.addEventListener("pointerup", () => {
      const root = stroke;
      stroke = null;
      if (root) setTimeout(() => root.querySelector(data.send)?.click(), 30);
    }, true);
  }
  fix();
  const timer = setInterval(fix, 250);  // the canvas mounts after this script runs
  return () => clearInterval(timer);
}
"""


def _fix_canvas(page: str) -> None:
    fixes = st.components.v2.component("cnn_canvas_fixes", js=_CANVAS_FIXES_JS)
    fixes(data={"hosts": f".st-key-{page}-drawing [data-testid='stBidiComponentIsolated']",
                "css": _TOOLBAR_CSS,
                "send": "button[aria-label='Update the app with this drawing']"},
          key=f"{page}-canvas-fixes")


def _drawing(page: str, pixel_max: float) -> tuple[np.ndarray | None, str]:
    """The canvas (its arguments never change, so it is never remounted) and its digit."""
    st.html(_PAGE_CSS.replace("PAGE", page))
    try:
        from streamlit_drawable_canvas import st_canvas

        with st.container(key=f"{page}-drawing"):
            result = st_canvas(stroke_width=STROKE_WIDTH, stroke_color=INK,
                               background_color=PAPER, height=CANVAS_HEIGHT, width=CANVAS_WIDTH,
                               drawing_mode="freedraw", return_image_data=True,
                               key=f"{page}:canvas")
            _fix_canvas(page)
        data = result.image_data
    except Exception as exc:  # noqa: BLE001 - a component problem must not break the page
        st.warning(_("The drawing canvas is not available here ({error}); pick a test digit "
                     "instead.").format(error=type(exc).__name__))
        return None, _("no drawing")
    st.caption(_("Draw one digit, as large as the box. The tools above it undo, redo and "
                 "clear (the bin)."))
    if data is None:
        return None, _("Draw a digit in the box, dark on white, as large as the box.")
    digit = digit_from_drawing(data, pixel_max)
    if digit is None:
        return None, _("The canvas is empty: draw a digit to see what the network makes of it.")
    return digit.reshape(8, 8, 1).astype(np.float32), _("your drawing, downsampled to 8x8")


def _map_rows(name: str, values: np.ndarray, caption: str, colorbar: str,
              colorscale: str = "Viridis", zrange: tuple | None = None,
              highlight: tuple | None = None) -> None:
    """All channels of one layer, ``MAPS_PER_FIGURE`` to a figure, two figures a row, one
    colour range for all; the colour bar under the last figure."""
    st.markdown(caption)
    channels = values.shape[2]
    zrange = zrange or (float(values.min()), float(values.max()))
    starts = list(range(0, channels, MAPS_PER_FIGURE))
    for pair in (starts[i:i + 2] for i in range(0, len(starts), 2)):
        for column, start in zip(st.columns(2), pair):
            stop = min(start + MAPS_PER_FIGURE, channels)
            mark = None
            if highlight and start <= highlight[0] < stop:
                mark = (highlight[0] - start, *highlight[1:])
            column.plotly_chart(plots.map_grid(
                values[:, :, start:stop], f"{name}: {start}–{stop - 1}", colorbar,
                columns=MAPS_PER_FIGURE, zrange=zrange, colorscale=colorscale,
                highlight=mark, first_channel=start, show_colorbar=stop == channels),
                config=CHART)


def feature_map_panels(model, image: np.ndarray) -> None:
    """Every conv block: its kernels, then maps after convolution, activation and pooling."""
    from dl_core.inspect import conv_kernels, feature_maps

    kernels = conv_kernels(model)
    for name, values in feature_maps(model, image):
        h, w = values.shape[:2]
        if name in kernels:
            kernel = kernels[name][0]
            st.markdown("##### " + _("Block {number}").format(number=name.split("_")[-1]))
            shown = kernel.mean(axis=2) if kernel.shape[2] > 1 else kernel[:, :, 0]
            caption = (_("**{layer}**: {rows}x{cols} kernels, each the mean over its input "
                         "channels") if kernel.shape[2] > 1
                       else _("**{layer}**: {rows}x{cols} kernels"))
            bound = float(np.abs(shown).max()) or 1.0
            _map_rows(_("{layer} kernels").format(layer=name), shown,
                      caption.format(layer=name, rows=kernel.shape[0], cols=kernel.shape[1]),
                      _("weight ({signs})").format(signs=_(SIGNED)), "RdBu",
                      zrange=(-bound, bound))
            _map_rows(name, values, _("**{layer}**: {rows}x{cols} maps after convolution")
                      .format(layer=name, rows=h, cols=w), _("value before activation"))
        else:
            caption = (_("**{layer}**: {rows}x{cols} maps after pooling")
                       if name.startswith("pool")
                       else _("**{layer}**: {rows}x{cols} maps after activation"))
            _map_rows(name, values, caption.format(layer=name, rows=h, cols=w), _("activation"))


def convolution_explained(page: str, model, image: np.ndarray, config) -> None:
    """Choose layer, filter and position; show patch, kernel, products, sum + bias."""
    from dl_core.inspect import convolution_step, feature_maps

    maps = dict(feature_maps(model, image))
    conv_names = [n for n in maps if n.startswith("conv_") and "act" not in n]
    cols = st.columns(4)
    layer = cols[0].selectbox(_("Layer"), conv_names, key=f"{page}:conv_layer")
    h, w, filters = maps[layer].shape
    f = cols[1].slider(_("Filter"), 0, filters - 1, 0, key=f"{page}:conv_filter")
    r = cols[2].slider(_("Row"), 0, h - 1, min(h // 2, h - 1), key=f"{page}:conv_row")
    c = cols[3].slider(_("Column"), 0, w - 1, min(w // 2, w - 1), key=f"{page}:conv_col")
    step = convolution_step(model, image, layer, f, r, c)
    in_ch = step.patch.shape[2]
    channel = 0
    if in_ch > 1:
        channel = st.slider(_("Input channel shown"), 0, in_ch - 1, 0,
                            key=f"{page}:conv_channel",
                            help=_("{layer} reads {n} input channels: one kernel slice and one "
                                   "patch per channel.").format(layer=layer, n=in_ch))
    grids = st.columns(3)
    for col, (title, values, label) in zip(grids, (
            (N_("input patch"), step.patch, N_("input")),
            (N_("kernel"), step.kernel, N_("weight")),
            (N_("patch × kernel"), step.products, N_("product")))):
        title = _(title) if in_ch == 1 else _("{grid}, channel {channel}").format(
            grid=_(title), channel=channel)
        col.plotly_chart(plots.number_grid(values[:, :, channel], title, colorbar=_(label)),
                         config=CHART)
    _sum_formula(step, channel, r, c)
    st.caption(_("The model's own {layer} map holds {value:.4f} at row {row}, column {col} of "
                 "filter {filter} (outlined below): the same number. Colours: {signs}.").format(
        layer=layer, value=step.map_value, row=r, col=c, filter=f, signs=_(SIGNED)))
    _map_rows(layer, maps[layer], _("**{layer}** maps").format(layer=layer),
              _("value before activation"), highlight=(f, r, c))
    _padding_note(layer, config)


def _sum_formula(step, channel: int, r: int, c: int) -> None:
    """The sum as a formula; with several input channels, each channel's part as a chart."""
    in_ch = step.patch.shape[2]
    # Two lines: one long line ran off a phone's screen.
    if in_ch == 1:
        st.latex(rf"\begin{{aligned}} z_{{{r},{c}}} &= \sum_{{i,j}} \mathrm{{patch}} \cdot "
                 rf"\mathrm{{kernel}} + b \\ &= {step.products.sum():.4f} + ({step.bias:.4f}) "
                 rf"= {step.total:.4f} \end{{aligned}}")
        return
    sums = step.channel_sums
    st.markdown(_("The products of channel {channel} add up to **{sum:.4f}**, its part of the "
                  "cell. Each of the {n} input channels adds its own part:").format(
        channel=channel, sum=sums[channel], n=in_ch))
    st.plotly_chart(plots.channel_sums_waterfall(step, channel), config=CHART)
    st.latex(rf"\begin{{aligned}} z_{{{r},{c}}} &= \sum_{{m=0}}^{{{in_ch - 1}}} \sum_{{i,j}} "
             rf"\mathrm{{patch}}_m \cdot \mathrm{{kernel}}_m + b \\ &= {sums.sum():.4f} + "
             rf"({step.bias:.4f}) = {step.total:.4f} \end{{aligned}}")


def _padding_note(layer: str, config) -> None:
    from dl_core.config import IMAGE_SIZE, conv_output_sizes
    from dl_core.inspect import output_size, same_padding

    index = int(layer.split("_")[1]) - 1
    k, padding = config.model.conv_kernels[index], config.model.conv_padding[index]
    n = conv_output_sizes(config.model)[index - 1][1] if index else IMAGE_SIZE  # its input
    pad = sum(same_padding(k)) if padding == "same" else 0
    st.markdown(_(
        "**Padding and stride.** This layer uses a {k}x{k} kernel, stride 1 and '{padding}' "
        "padding ({pad} zero rows and columns in all, split before and after). Output size = "
        "⌊(n + p − k) / s⌋ + 1 = ⌊({n} + {pad} − {k}) / 1⌋ + 1 = **{size}**. 'same' keeps "
        "the map size; 'valid' shrinks it by k − 1; 2x2 pooling halves it.").format(
        k=k, padding=padding, pad=pad, n=n, size=output_size(n, k, padding)))


def saliency_panels(page: str, model, image: np.ndarray, pixel_max: float) -> None:
    """Input gradient and occlusion map for a chosen class, over the digit."""
    from dl_core.inspect import occlusion, saliency, top_k

    predicted = top_k(model, image, 1)[0][0]
    target = st.selectbox(_("Class"), list(range(10)), index=predicted,
                          key=f"{page}:sal_class", help=_("Defaults to the predicted digit."))
    left, right = st.columns(2)
    grad = saliency(model, image, target)[:, :, 0]
    left.plotly_chart(plots.digit_with_overlay(
        image, grad, _("Gradient of the score of {digit}").format(digit=target), pixel_max,
        _("d score / d pixel<br>blue: raises it<br>red: lowers it")), config=CHART)
    occ = occlusion(model, image, target, patch=2)
    right.plotly_chart(plots.digit_with_overlay(
        image, occ, _("Occlusion: drop of P({digit}) when blanked").format(digit=target),
        pixel_max, _("drop of P<br>blue: blanking<br>hurts it<br>red: blanking<br>helps it")),
        config=CHART)
    st.caption(_("Blue pixels raise the score of {digit} (gradient) or, blanked with a 2x2 "
                 "patch, lower P({digit}) (occlusion): they speak for a {digit}. Red pixels do "
                 "the opposite: they speak against it. Black dots: the digit's ink (the bigger, "
                 "the darker).").format(digit=target))
