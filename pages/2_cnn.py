"""CNN feature maps: train a small convolutional network live and look inside it."""

import streamlit as st

from ui.streamlit_fixes import ensure_app_navigation

ensure_app_navigation()

from dl_core.i18n import N_, _, sentence_start  # noqa: E402
from ui import i18n  # noqa: E402
from ui import cnn_ui  # noqa: E402
from ui.cache import digits_split  # noqa: E402
from ui.history_ui import history_panel  # noqa: E402
from ui.inspect_ui import export, inspection  # noqa: E402
from ui.live import page_state, panel_interval, polling_fragment, training_section  # noqa: E402

PAGE = "cnn"

st.title(_("CNN feature maps"))
st.caption(_("A convolutional network slides small kernels over the 8x8 image. Train it, then "
             "look at what every filter responds to, and at the arithmetic of one convolution."))

config = training_section(PAGE, "cnn")
if config is None:
    history_panel(PAGE, page_state(PAGE).shown)
    st.stop()

st.subheader(_("Inside the network"), divider="gray")
shown = page_state(PAGE).shown  # every map below belongs to this run and its own config
own = shown.config if shown else config
run = shown.run if shown else None
snap = run.snapshot() if run else None
split = digits_split(own)
left, right = st.columns([5, 8])
with left:
    image, caption = cnn_ui.pick_input(PAGE, split, snap)
polling = bool(snap and snap.active)


@polling_fragment(f"{PAGE}:maps_interval", panel_interval, polling)
def _inside():
    """Redrawn every couple of seconds while training: the maps follow the weights."""
    from dl_core import plots
    from dl_core.inspect import top_k

    if image is None:
        right.info(caption, icon=":material/draw:")
        return
    # Looked up on every refresh: the run's thread builds the model after the Train click.
    model = run.trainer.model if run is not None and run.trainer is not None else None
    with right:
        a, b = st.columns(2)
        # (a Plotly title does not wrap: the caption goes below, where a narrow column
        # wraps it instead of cutting it)
        a.plotly_chart(plots.digit_with_overlay(image, None, _("Input"), split.pixel_max),
                       config=cnn_ui.CHART)
        a.caption(sentence_start(caption))
        if model is None:
            b.info(_("Press **Train** or **Step** to build the network: the maps and predictions "
                     "follow its weights while it trains."), icon=":material/info:")
            return
        if run.snapshot().status == "diverged":  # its weights are NaN: nothing to draw
            b.warning(_("{run} diverged, so its weights are no longer numbers. Lower the learning "
                        "rate and press **Train**.").format(run=sentence_start(shown.name)))
            return
        b.plotly_chart(plots.top_predictions(top_k(model, image, 3)), config=cnn_ui.CHART)
    maps, formula, explain = i18n.tabs([N_("Feature maps"), N_("One convolution, explained"),
                                        N_("Saliency")], key=f"{PAGE}:tabs", on_change="rerun")
    if maps.open:
        with maps:
            cnn_ui.feature_map_panels(model, image)
    if formula.open:
        with formula:
            cnn_ui.convolution_explained(PAGE, model, image, own)
    if explain.open:
        with explain:
            cnn_ui.saliency_panels(PAGE, model, image, split.pixel_max)


_inside()
inspection(PAGE, config)
export(PAGE, config)
history_panel(PAGE, shown)
