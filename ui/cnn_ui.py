"""The CNN page's panels: input picker (test digit, random, mistake, drawing), feature maps
and kernels, one convolution's arithmetic, saliency and occlusion."""

from __future__ import annotations

import numpy as np
import streamlit as st

from dl_core import plots
from dl_core.data import DigitsSplit, digit_from_drawing
from dl_core.metrics import mistakes

SOURCES = ("Test digit", "Random", "Mistake", "Draw")
CHART = {"displaylogo": False}


def pick_input(page: str, split: DigitsSplit, snap) -> tuple[np.ndarray | None, str]:
    """The chosen 8x8x1 input and a caption, or (None, hint) when there is none yet."""
    state = st.session_state
    source = st.segmented_control("Input", SOURCES, default=SOURCES[0],
                                  key=f"{page}:source") or SOURCES[0]
    n = len(split.y_test)
    if source == "Random":
        if st.button("Another random digit", icon=":material/casino:", key=f"{page}:reroll") \
                or f"{page}:random" not in state:
            state[f"{page}:random"] = int(np.random.default_rng().integers(n))
        index = state[f"{page}:random"]
    elif source == "Mistake":
        wrong = mistakes(split.y_test, snap.test_probabilities) if snap and snap.history else []
        if not wrong:
            return None, "Train first: the model's mistakes on test digits are listed here."
        m = st.selectbox("Misclassified test digit", wrong, key=f"{page}:mistake",
                         format_func=lambda m: f"#{m.index}: a {m.true_label} read as "
                                               f"{m.predicted_label} ({m.confidence:.0%})")
        index = m.index
    elif source == "Draw":
        return _drawing(page, split.pixel_max)
    else:
        index = st.slider("Test digit", 0, n - 1, 0, key=f"{page}:index")
    image = DigitsSplit.as_images(split.x_test[index:index + 1])[0]
    return image, f"test digit #{index}, a {split.y_test[index]}"


def _drawing(page: str, pixel_max: float) -> tuple[np.ndarray | None, str]:
    try:
        from streamlit_drawable_canvas import st_canvas

        result = st_canvas(stroke_width=18, stroke_color="#ffffff", background_color="#000000",
                           height=200, width=200, drawing_mode="freedraw",
                           return_image_data=True, key=f"{page}:canvas")
        data = result.image_data
    except Exception as exc:  # noqa: BLE001 - a component problem must not break the page
        st.warning(f"The drawing canvas is not available here ({type(exc).__name__}); pick a "
                   "test digit instead.")
        return None, "no drawing"
    if data is None:
        return None, "Draw a digit in the box (white on black)."
    digit = digit_from_drawing(data, pixel_max)
    if digit is None:
        return None, "The canvas is empty: draw a digit to see what the network makes of it."
    return digit.reshape(8, 8, 1).astype(np.float32), "your drawing, downsampled to 8x8"


def feature_map_panels(model, image: np.ndarray) -> None:
    """Every conv block: its kernels, then maps after convolution, activation and pooling."""
    from dl_core.inspect import conv_kernels, feature_maps

    kernels = conv_kernels(model)
    for name, values in feature_maps(model, image):
        if name in kernels:
            kernel = kernels[name][0]
            st.markdown(f"##### Block {name.split('_')[-1]}")
            shown = kernel.mean(axis=2) if kernel.shape[2] > 1 else kernel[:, :, 0]
            note = " (mean over input channels)" if kernel.shape[2] > 1 else ""
            st.plotly_chart(plots.map_grid(shown, f"{name}: kernels{note}", "weight",
                                           colorscale="RdBu", columns=16), config=CHART)
        stage = ("after convolution" if name in kernels else "after pooling"
                 if name.startswith("pool") else "after activation")
        st.plotly_chart(plots.map_grid(values, f"{name}: {values.shape[0]}x{values.shape[1]} "
                                       f"maps {stage}", columns=16), config=CHART)


def convolution_explained(page: str, model, image: np.ndarray, config) -> None:
    """Choose layer, filter and position; show patch, kernel, products, sum + bias."""
    from dl_core.config import IMAGE_SIZE, conv_output_sizes
    from dl_core.inspect import convolution_step, feature_maps, output_size, same_padding

    maps = dict(feature_maps(model, image))
    conv_names = [n for n in maps if n.startswith("conv_") and "act" not in n]
    cols = st.columns(4)
    layer = cols[0].selectbox("Layer", conv_names, key=f"{page}:conv_layer")
    h, w, filters = maps[layer].shape
    f = cols[1].slider("Filter", 0, filters - 1, 0, key=f"{page}:conv_filter")
    r = cols[2].slider("Row", 0, h - 1, min(h // 2, h - 1), key=f"{page}:conv_row")
    c = cols[3].slider("Column", 0, w - 1, min(w // 2, w - 1), key=f"{page}:conv_col")
    step = convolution_step(model, image, layer, f, r, c)
    channel = 0
    if step.patch.shape[2] > 1:
        channel = st.slider("Input channel shown", 0, step.patch.shape[2] - 1, 0,
                            key=f"{page}:conv_channel")
    grids = st.columns(3)
    for col, (title, values) in zip(grids, (("input patch", step.patch), ("kernel", step.kernel),
                                            ("patch × kernel", step.products))):
        col.plotly_chart(plots.number_grid(values[:, :, channel], title), config=CHART)
    in_ch = step.patch.shape[2]
    st.latex(rf"z_{{{r},{c}}} = \sum_{{i,j{',c' if in_ch > 1 else ''}}} \mathrm{{patch}} \cdot "
             rf"\mathrm{{kernel}} + b = {step.products.sum():.4f} + ({step.bias:.4f}) = "
             rf"{step.total:.4f}")
    st.caption(f"The model's own {layer} map holds {step.map_value:.4f} at row {r}, column {c} "
               f"of filter {f} (outlined in red below): the same number.")
    st.plotly_chart(plots.map_grid(maps[layer], f"{layer} maps", columns=16,
                                   highlight=(f, r, c)), config=CHART)
    index = int(layer.split("_")[1]) - 1
    k, padding = config.model.conv_kernels[index], config.model.conv_padding[index]
    n = conv_output_sizes(config.model)[index - 1][1] if index else IMAGE_SIZE  # its input
    pad = sum(same_padding(k)) if padding == "same" else 0
    st.markdown(
        f"**Padding and stride.** This layer uses a {k}x{k} kernel, stride 1 and "
        f"'{padding}' padding ({pad} zero rows and columns in all, split before and after). "
        "Output size = ⌊(n + p − k) / s⌋ + 1 = "
        f"⌊({n} + {pad} − {k}) / 1⌋ + 1 = **{output_size(n, k, padding)}**. "
        "'same' keeps the map size; 'valid' shrinks it by k − 1; 2x2 pooling halves it.")


def saliency_panels(page: str, model, image: np.ndarray, pixel_max: float) -> None:
    """Input gradient and occlusion map for a chosen class, over the digit."""
    from dl_core.inspect import occlusion, saliency, top_k

    predicted = top_k(model, image, 1)[0][0]
    target = st.selectbox("Class", list(range(10)), index=predicted, key=f"{page}:sal_class",
                          help="Defaults to the predicted digit.")
    left, right = st.columns(2)
    grad = saliency(model, image, target)[:, :, 0]
    left.plotly_chart(plots.digit_with_overlay(image, grad, f"Gradient of the score of {target}",
                                               pixel_max, "d score / d pixel"), config=CHART)
    occ = occlusion(model, image, target, patch=2)
    right.plotly_chart(plots.digit_with_overlay(image, occ, f"Occlusion: drop of P({target})",
                                                pixel_max, "probability drop"), config=CHART)
    st.caption("Red pixels raise the class score (gradient) or hurt it most when blanked with a "
               "2x2 patch (occlusion); blue ones work against it.")
