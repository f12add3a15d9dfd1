"""The CNN page's panels (ui/cnn_ui.py) and their figures, checked against NumPy.

Issue 8: one convolution of a multi-channel layer must show every channel's part; one
colour convention (blue positive, red negative) with labelled colour bars; maps readable
on a phone (at most 4 to a figure, two figures a row).
"""

import base64
import json

import numpy as np
import plotly.colors
import pytest
from streamlit.testing.v1 import AppTest

from dl_core import plots
from dl_core.config import Config, DataConfig, ModelConfig, TrainingConfig
from dl_core.inspect import conv_kernels, feature_maps, same_padding
from dl_core.models import build_model
from tests.test_inspect import ACT, correlate, pool
from ui import cnn_ui

TIMEOUT = 60


# ------------------------------------------------------------------------ figures


def _rgb(colour: str) -> tuple[int, ...]:
    colour = colour if colour.startswith("rgb") else plotly.colors.hex_to_rgb(colour)
    return plotly.colors.unlabel_rgb(colour) if isinstance(colour, str) else colour


def _ends(trace) -> tuple[tuple, tuple]:
    """The colours a heatmap gives its lowest and highest value."""
    scale = trace.colorscale
    return _rgb(scale[0][1]), _rgb(scale[-1][1])


def _tiles(z, h, w):
    """The maps of a map_grid heatmap's ``z``, read back in order (NaN gaps skipped)."""
    z = _array(z)
    maps = []
    for r0 in range(0, z.shape[0], 1):
        for c0 in range(0, z.shape[1] - w + 1):
            block = z[r0:r0 + h, c0:c0 + w]
            if block.shape == (h, w) and not np.isnan(block).any() and \
                    (r0 == 0 or np.isnan(z[r0 - 1, c0])) and (c0 == 0 or np.isnan(z[r0, c0 - 1])):
                maps.append(block)
    return maps


def test_map_grid_tiles_every_channel_in_order_with_a_labelled_colour_bar():
    values = np.random.default_rng(0).normal(size=(4, 4, 6))
    fig = plots.map_grid(values, "conv_2: 8–13", "activation", columns=4, first_channel=8,
                         highlight=(5, 2, 3))
    assert len(fig.data) == 1  # one trace, not one subplot per map
    maps = _tiles(fig.data[0].z, 4, 4)
    assert len(maps) == 6
    for ch, block in enumerate(maps):
        np.testing.assert_allclose(block, values[:, :, ch])
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape[1] == 4 * 4 + 3  # 4 slots a row, 1 cell apart, the last row's 2 empty
    assert [a.text for a in fig.layout.annotations] == [str(i) for i in range(8, 14)]
    assert fig.data[0].showscale and fig.data[0].colorbar.title.text == "activation"
    # the outlined cell holds values[2, 3, 5] (second row of maps, second slot)
    rect = fig.layout.shapes[-1]
    x, y = int(rect.x0 + 0.5), int(rect.y0 + 0.5)
    assert z[y, x] == pytest.approx(values[2, 3, 5])
    cell = np.asarray(fig.data[0].customdata)[y, x]
    assert list(cell) == [13, 2, 3]  # the hover names filter 13, row 2, column 3


def test_kernels_and_number_grids_put_blue_on_positive_and_red_on_negative():
    for trace in (plots.map_grid(np.ones((3, 3, 2)), "k", "weight", colorscale="RdBu",
                                 zrange=(-1, 1)).data[0],
                  plots.number_grid(np.eye(3) - 0.5, "kernel", colorbar="weight").data[0]):
        low, high = _ends(trace)
        assert low[0] > low[2] and high[2] > high[0]  # lowest red, highest blue
        assert trace.colorbar.title.text
    grid = plots.number_grid(np.array([[1.0, -3.0]]), "products", colorbar="product").data[0]
    assert (grid.zmin, grid.zmax) == (-3.0, 3.0)  # centred: zero is white


def test_saliency_overlay_blue_raises_red_lowers_and_the_digit_is_dark_on_white():
    image = np.zeros((8, 8, 1))
    image[2:6, 3:5] = 16.0
    overlay = np.linspace(-1, 2, 64).reshape(8, 8)
    fig = plots.digit_with_overlay(image, overlay, "saliency", 16.0, "d score / d pixel")
    heat = fig.data[0]
    low, high = _ends(heat)
    assert low[0] > low[2] and high[2] > high[0]  # negative red, positive blue (not RdBu_r)
    assert (heat.zmin, heat.zmax) == (-2.0, 2.0) and heat.colorbar.title.text
    dots = fig.data[1]
    assert len(dots.x) == 8  # the digit's 8 inked pixels, drawn over the colours
    plain = plots.digit_with_overlay(image, None, "Input", 16.0).data[0]
    paper, ink = _ends(plain)
    assert sum(paper) > 600 and sum(ink) < 100  # 0 is white paper, pixel_max black ink
    assert plain.zmax == 16.0 and plain.colorbar.title.text == "ink"


# ------------------------------------------------------------------------ panels


def _model(seed=4):
    model_config = ModelConfig(architecture="cnn", conv_filters=(8, 6), conv_kernels=(3, 3),
                               conv_padding=("same", "same"), conv_pooling=("max", "none"))
    model = build_model(model_config, seed=seed)
    rng = np.random.default_rng(seed)
    for name in ("conv_1", "conv_2"):  # a fresh model's biases are zero: make them count
        layer = model.get_layer(name)
        layer.bias.assign(rng.normal(0, 0.3, layer.bias.shape).astype(np.float32))
    image = rng.random((8, 8, 1)).astype(np.float32)
    config = Config(DataConfig(), model_config, TrainingConfig())
    return model, image, config


def _charts(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _array(value):
    """A figure JSON array: a list, or Plotly's base64 typed array {dtype, bdata, shape}."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape")
        return flat.reshape([int(n) for n in str(shape).split(",")] if shape else -1)
    return np.asarray(value, dtype=float)


def _title(spec):
    title = spec["layout"].get("title", {})
    return title.get("text", "") if isinstance(title, dict) else str(title)


def _explain_script(model, image, config):
    from ui import cnn_ui

    cnn_ui.convolution_explained("t", model, image, config)


def test_one_convolution_of_conv_2_shows_every_channel_adding_up_to_the_map_cell():
    model, image, config = _model()
    at = AppTest.from_function(_explain_script, args=(model, image, config),
                               default_timeout=TIMEOUT)
    at.run()
    at.selectbox(key="t:conv_layer").set_value("conv_2").run()
    at.slider(key="t:conv_filter").set_value(3).run()
    at.slider(key="t:conv_row").set_value(0).run()
    at.slider(key="t:conv_col").set_value(2).run()
    at.slider(key="t:conv_channel").set_value(5).run()
    assert not at.exception
    # NumPy: conv_2's input, its zero-padded 3x3 window at (0, 2), kernel slice per channel
    kernels = conv_kernels(model)
    x = pool(ACT["relu"](correlate(image, *kernels["conv_1"], "same")), "max")
    before, after = same_padding(3)
    x = np.pad(x, ((before, after), (before, after), (0, 0)))
    kernel, bias = kernels["conv_2"]
    window = x[0:3, 2:5, :]
    expected = [float(np.sum(window[:, :, m] * kernel[:, :, m, 3])) for m in range(8)]
    model_value = float(dict(feature_maps(model, image))["conv_2"][0, 2, 3])

    waterfall = [s for s in _charts(at) if s["data"][0]["type"] == "waterfall"]
    assert len(waterfall) == 1, "no per-channel breakdown for a multi-channel layer"
    trace = waterfall[0]["data"][0]
    y = trace["y"]
    assert trace["x"][:8] == [f"ch {m}" for m in range(8)] and trace["x"][8] == "bias"
    np.testing.assert_allclose(y[:8], expected, atol=1e-5)
    assert y[8] == pytest.approx(float(bias[3]), abs=1e-6)
    assert trace["measure"][-1] == "total"
    assert sum(y[:9]) == pytest.approx(model_value, abs=1e-5)  # what the bars add up to
    # the grids show the chosen channel: its products sum to its bar
    grids = {_title(s): s for s in _charts(at) if s["data"][0]["type"] == "heatmap"}
    products = _array(grids["patch × kernel, channel 5"]["data"][0]["z"])
    np.testing.assert_allclose(products, window[:, :, 5] * kernel[:, :, 5, 3], atol=1e-5)
    formula = " ".join(x.value for x in at.latex)
    assert f"{model_value:.4f}" in formula and r"\sum_{m=0}^{7}" in formula


def _panels_script(model, image):
    from ui import cnn_ui

    cnn_ui.feature_map_panels(model, image)
    cnn_ui.saliency_panels("t", model, image, 1.0)


def test_feature_maps_are_at_most_four_to_a_figure_and_every_colour_scale_is_labelled():
    model, image, _ = _model()
    at = AppTest.from_function(_panels_script, args=(model, image), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    charts = _charts(at)
    heatmaps = [s["data"][0] for s in charts if s["data"][0]["type"] == "heatmap"]
    assert all(h.get("showscale") is not False and h["colorbar"]["title"]["text"]
               for h in heatmaps if "customdata" not in h)  # saliency, occlusion
    maps = dict(feature_maps(model, image))
    for name, values in maps.items():
        figures = [s for s in charts if _title(s).startswith(f"{name}: ")]
        assert len(figures) == -(-values.shape[2] // cnn_ui.MAPS_PER_FIGURE), name
        shown = []
        for s in figures:
            tiles = _tiles(s["data"][0]["z"], *values.shape[:2])
            assert len(tiles) <= cnn_ui.MAPS_PER_FIGURE
            shown += tiles
        np.testing.assert_allclose(np.stack(shown, axis=-1), values, atol=1e-6)
        # one colour bar a layer, labelled, under its last figure
        scales = [s["data"][0].get("showscale", True) for s in figures]
        assert scales == [False] * (len(figures) - 1) + [True]
        assert plots.go.Figure(figures[-1]).data[0].colorbar.title.text
    kernel_figs = [s for s in charts if _title(s).startswith("conv_1 kernels")]
    low, high = _ends(plots.go.Figure(kernel_figs[0]).data[0])
    assert low[0] > low[2] and high[2] > high[0]  # kernels: red negative, blue positive
    saliency = [s for s in charts if "Gradient" in _title(s) or "Occlusion" in _title(s)]
    assert len(saliency) == 2
    for s in saliency:
        low, high = _ends(plots.go.Figure(s).data[0])
        assert low[0] > low[2] and high[2] > high[0]
        assert "blue" in s["data"][0]["colorbar"]["title"]["text"]
    caption = " ".join(c.value for c in at.caption)
    assert "Blue pixels raise" in caption and "Red pixels" in caption


def _draw_script(split):
    from ui import cnn_ui

    image, caption = cnn_ui.pick_input("t", split, None)
    import streamlit as st

    st.write(f"caption: {caption}")


def test_draw_without_a_canvas_gives_a_hint_not_a_traceback():
    from dl_core.data import load_digits_split

    at = AppTest.from_function(_draw_script, args=(load_digits_split(DataConfig(), 0),),
                               default_timeout=TIMEOUT)
    at.run()
    source = at.get("button_group")[0]
    source.set_value("Draw").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "caption: " in text and "Traceback" not in text


def test_the_canvas_fixes_still_match_the_installed_component():
    """ui/cnn_ui.py pins streamlit-drawable-canvas' toolbar and presses its send button by
    their class and label (checked against 0.13.0). If this fails, the component changed:
    check in Chromium (tests/browser/test_cnn_browser.py) whether the fixes are still needed."""
    from importlib import metadata
    from pathlib import Path

    root = Path(metadata.distribution("streamlit-drawable-canvas").locate_file(
        "streamlit_drawable_canvas")) / "frontend" / "build"
    script = "".join(p.read_text() for p in root.glob("*.js"))
    style = "".join(p.read_text() for p in root.glob("*.css"))
    assert metadata.version("streamlit-drawable-canvas").startswith("0.13.")
    assert ".dc-toolbar{opacity:0" in style and "top:-2.65rem" in style  # hidden, then above
    assert '"Update the app with this drawing", t.onSend' in script
    assert "Bc = 200" in script  # the 200 ms the send button saves
    assert "Update the app with this drawing" in Path(cnn_ui.__file__).read_text()
